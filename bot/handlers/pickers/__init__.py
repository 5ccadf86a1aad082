"""Pickers several conversations share: a span of days or part of a day (first day, whole or
part, last day or start and end times), and reading dates as people type them."""

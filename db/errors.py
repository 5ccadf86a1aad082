"""Domain errors raised by the use cases. ``code`` names the message the user is shown."""

from __future__ import annotations

from datetime import timedelta


class DomainError(Exception):
    """A rule of the clinic refused the request; nothing was changed."""

    code = "error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.code)


class InvalidEmail(DomainError):
    code = "invalid_email"


class InvalidName(DomainError):
    code = "invalid_name"


class InvalidPhone(DomainError):
    code = "invalid_phone"


class PasswordTooShort(DomainError):
    code = "password_too_short"


class PasswordTooLong(DomainError):
    code = "password_too_long"


class EmailTaken(DomainError):
    code = "email_taken"


class NotFound(DomainError):
    code = "not_found"


class Forbidden(DomainError):
    code = "forbidden"


class Throttled(DomainError):
    code = "throttled"

    def __init__(self, retry_after: timedelta) -> None:
        super().__init__(f"retry after {retry_after}")
        self.retry_after = retry_after

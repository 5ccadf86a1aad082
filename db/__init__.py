"""PostgreSQL, the clinic's rules and its use cases. Never imports ``telegram``."""

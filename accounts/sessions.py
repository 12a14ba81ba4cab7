"""Database sessions that ignore malformed session cookies instead of querying with them.

Django's own store passes any cookie value to the database; PostgreSQL refuses a NUL
byte, which would turn a forged cookie into a 500 on every page. Real keys are ASCII
letters and digits, so anything else is simply no session: the store is made as if no
cookie had come (the constructor is the public way in: `SessionMiddleware` hands it the
cookie's value).
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


def well_formed(session_key: str | None) -> bool:
    """Could `session_key` be one of ours (Django makes them of ASCII letters and digits)?"""
    return isinstance(session_key, str) and session_key.isascii() and session_key.isalnum()


class SessionStore(DatabaseSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key if well_formed(session_key) else None)

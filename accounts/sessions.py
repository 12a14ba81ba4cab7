"""Database sessions that ignore malformed session cookies instead of querying with them.

Django's own store passes any cookie value to the database; PostgreSQL refuses a NUL
byte, which would turn a forged cookie into a 500 on every page. Real keys are ASCII
letters and digits, so anything else is simply no session.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(super()._validate_session_key(key) and key.isascii() and key.isalnum())

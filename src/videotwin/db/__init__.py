"""Database access: SQLAlchemy 2.0 tables, Alembic migrations and the session factory."""

from videotwin.db.database import Database

__all__ = ["Database"]

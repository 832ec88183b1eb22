"""The schema comes from Alembic migrations, and they match the table definitions."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from videotwin.db.migrate import upgrade
from videotwin.db.tables import Base


def test_migrations_build_exactly_the_schema_the_tables_describe(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, tmp_path)
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert {"users", "tokens", "credit_entries", "jobs", "workers", "alembic_version"} <= set(
        inspect(engine).get_table_names())


def test_upgrading_twice_is_harmless(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, tmp_path)
    upgrade(url, tmp_path)

"""Apply Alembic migrations from `migrations/` to the instance's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

# An installed package of its own, so a regular (non-editable) install can migrate too.
MIGRATIONS = Path(migrations.__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """The revision the database is at (None: no migration applied yet, an empty database)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def applied_between(database_url: str, before: str | None, after: str | None) -> list[str]:
    """The migrations applied to go from `before` to `after`, oldest first, as
    "0009 licence aliases" (revision and the first line of its description)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(database_url))
    if after is None or before == after:
        return []
    steps = list(script.iterate_revisions(after, before))
    return [f"{s.revision} {(s.doc or '').splitlines()[0]}".strip() for s in reversed(steps)]


def revision(database_url: str, message: str) -> None:
    """Autogenerate a migration from the models (developers only)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)

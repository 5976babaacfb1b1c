"""Alembic environment: the database URL comes from the portal's settings."""

from alembic import context

from portal.database import make_engine
from portal.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Batch migrations rebuild tables (copy, drop, rename): with foreign keys on, the
            # drop would cascade and delete every row that refers to the old table.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    # render_as_batch lets ALTER TABLE migrations work on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

"""Alembic migrations of the portal's database (applied by `portal db upgrade`)."""

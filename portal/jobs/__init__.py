"""Background jobs on huey: an SQLite-backed queue by default, Redis at scale."""

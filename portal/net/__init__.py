"""Outbound network access: the one safe HTTP client (see portal.net.fetch)."""

"""Harvesters: one module per source type on a shared gather/fetch/import base."""

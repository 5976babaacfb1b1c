"""Metadata profiles (declarative YAML) and the marshmallow schemas built from them."""

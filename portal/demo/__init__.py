"""Demo catalog content: departments, themes and datasets generated as plain Python data."""

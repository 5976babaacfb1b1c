"""Pages, templates and the request-level glue shared by pages and the API."""

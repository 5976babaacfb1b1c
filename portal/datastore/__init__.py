"""The DataStore: tabular resources loaded into rows (CKAN's DataStore and XLoader).

- engine.py: the row database behind PORTAL_DATASTORE_URL (SQLite file or PostgreSQL);
- types.py: column types, value conversion and type inference;
- reading.py: a resource file as rows, within portal.files.limits;
- loader.py: the background load job; hooks.py: what queues it (and drops tables);
- query.py: datastore_search's SQL; sql_guard.py: datastore_search_sql's checks;
- actions.py: the datastore_* actions; dump.py and views.py: /datastore/dump/<id>.
"""

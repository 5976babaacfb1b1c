"""Machine-readable catalog feeds: DCAT-AP 3.0.1 RDF (Turtle, RDF/XML, JSON-LD) per dataset and
for the paged catalog, Project Open Data 1.1 (/data.json), schema.org JSON-LD, and the catalog
spreadsheet in the government information resource catalog layout (CSV, XLSX).

Modules: `dcat` (the RDF), `rdf` (triple sink and writers), `datajson`, `schemaorg`,
`catalog_layout` (the spreadsheet columns, shared with the spreadsheet harvester), `export`,
`catalog` (parameters and paging over package_search), `values`, `vocab`, `views` (routes).
"""

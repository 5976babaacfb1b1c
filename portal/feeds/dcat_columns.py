"""The columns of a dataset's DataStore tables in its DCAT document (its data dictionary).

A distribution whose resource has a table conforms to (dct:conformsTo, DCAT-AP's "linked
schemas") a CSVW table schema: one csvw:Column per column with its csvw:name, its XML Schema
datatype (csvw:datatype) and the department's description (dct:description, CKAN's
info.notes). The same shape as the cn-gov data items of the dataset itself
(DatasetGraph.add_data_items). Read through datastore_info, as the caller.
"""

from __future__ import annotations

from typing import Any

from portal.actions import Context, call
from portal.errors import NotAuthorized, NotFound
from portal.feeds import values as v
from portal.feeds.dcat_dataset import table_schema
from portal.feeds.rdf import Triples, lit
from portal.feeds.vocab import CSVW, DCT, RDF, XSD

#: DataStore types -> the XML Schema (or CSVW) datatype of the column.
DATATYPES = {
    "text": XSD.string,
    "int": XSD.integer,
    "bigint": XSD.integer,
    "numeric": XSD.decimal,
    "float": XSD.double,
    "bool": XSD.boolean,
    "date": XSD.date,
    "timestamp": XSD.dateTime,
    "json": CSVW.JSON,
}


def table_fields(context: Context, dataset: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """resource id -> the fields of its DataStore table, for the resources that have one."""
    found = {}
    for resource in dataset.get("resources") or []:
        try:
            info = call("datastore_info", context, {"id": resource["id"]})
        except (NotFound, NotAuthorized):
            continue
        if info["fields"]:
            found[resource["id"]] = info["fields"]
    return found


def add_columns(triples: Triples, site_url: str, dataset: dict[str, Any],
                tables: dict[str, list[dict[str, Any]]]) -> None:  # fmt: skip
    """Each table's columns as the schema its distribution conforms to."""
    for resource_id, fields in tables.items():
        ref = f"{v.dataset_uri(site_url, dataset)}/resource/{resource_id}"
        schema = table_schema(triples, ref, "columns", "数据字典", "Data dictionary")
        for position, item in enumerate(fields, 1):
            column = f"{ref}#column-{position}"
            triples.add(schema, CSVW.column, column)
            triples.add(column, RDF.type, CSVW.Column)
            triples.add(column, CSVW.name, lit(item["id"]))
            triples.add(column, CSVW.datatype, DATATYPES.get(item.get("type"), XSD.string))
            info = item.get("info") if isinstance(item.get("info"), dict) else {}
            if info.get("label"):
                triples.add(column, CSVW.title, lit(info["label"]))
            if info.get("notes"):
                triples.add(column, DCT.description, lit(info["notes"]))

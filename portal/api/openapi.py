"""The OpenAPI 3.0.3 document served at /api/3/openapi.json, generated from the action registry.

Request bodies and GET parameters come from the marshmallow schemas the actions validate with
(ActionSpec.schema), results from each domain's result_schemas module (RESULT_MODULES in
portal/__init__.py; see portal.result_schemas), and the error responses from portal.errors.
Summaries and descriptions are the actions' docstrings.
"""

from __future__ import annotations

import copy
import importlib
import inspect
from collections.abc import Callable
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import make_schema_key, resolve_schema_instance
from marshmallow import Schema, fields

from portal import RESULT_MODULES, __version__, load_actions
from portal.actions import REGISTRY, ActionSpec
from portal.api.openapi_components import (
    COMPONENT_RESPONSES,
    COMPONENT_SCHEMAS,
    ERROR_RESPONSES,
    ref,
)
from portal.catalog.schemas import ResourceSchema as InputResourceSchema
from portal.fields import StrictSchema, Upload

OPENAPI_VERSION = "3.0.3"
TITLE = "Open Data Portal Action API"
SECURITY_SCHEME = "ApiToken"

DESCRIPTION = """\
A CKAN-compatible Action API (CKAN 2.10). Every operation is an action at
`/api/3/action/{name}` (also `/api/action/{name}`): send its input as a JSON object in a POST
body, or, for actions that only read, as query parameters of a GET. Actions that take a file
also accept multipart/form-data with the file in the field `upload`.

Every response is CKAN's envelope: `{"help": ..., "success": true, "result": ...}` or
`{"help": ..., "success": false, "error": {"__type": ..., "message": ...}}`. A Validation Error
(409) has field-keyed messages instead of `message`. A request body over the upload limit is a
413. Calls are rate limited per key (per address without one): past the limit a call is a 429
with `Retry-After`; X-RateLimit-Limit and X-RateLimit-Remaining tell how much is left.
"""

SECURITY_DESCRIPTION = """\
An API token (create one with api_token_create) in the `Authorization` header, sent raw or as
`Bearer <token>`. The `X-CKAN-API-Key` header is accepted too (ckanapi sends both). Anonymous
callers may use the read actions; a token that is not valid is a 403 even there. An
application's key (app_key_create) is such a token: a read-only one is refused (403) for every
action that changes data, and an expired one is not valid."""


def collect_results(modules: tuple[str, ...]) -> dict[str, Any]:
    """Action -> result, from each domain's result_schemas module (its RESULTS dict)."""
    results: dict[str, Any] = {}
    for module in modules:
        results.update(importlib.import_module(module).RESULTS)
    return results


RESULTS: dict[str, Any] = collect_results(RESULT_MODULES)

NULL_RESULT = {"type": "object", "nullable": True, "enum": [None], "description": "Always null."}
UNDOCUMENTED_RESULT = {"description": "Not documented yet."}

# The update actions fill these keys in from the stored object (package_patch: every key), so a
# caller may leave them out although the shared input schema marks them required. Documented as
# the schema with marshmallow's `partial`, under its own component name.
PARTIAL: dict[str, tuple[bool | tuple[str, ...], str]] = {
    "package_update": (("name", "owner_org"), "PackageUpdateInput"),
    "package_patch": (True, "PackagePatchInput"),
    "organization_update": (("name",), "OrganizationUpdateInput"),
}
IDENTIFY = "\n\nIdentify the {0} by `id` or `name`."
IDENTIFIED = {
    "package_update": "dataset",
    "package_patch": "dataset",
    "organization_update": "department",
}

TAGS = {
    "portal.catalog.actions.datasets": "Datasets",
    "portal.catalog.actions.resources": "Resources",
    "portal.catalog.actions.trash": "Datasets",
    "portal.catalog.actions.organizations": "Organizations",
    "portal.catalog.actions.groups": "Groups",
    "portal.catalog.actions.vocabulary": "Tags and licences",
    "portal.search.actions": "Search",
    "portal.auth.actions": "Users and tokens",
    "portal.auth.user_admin": "Users and tokens",
    "portal.site_actions": "Site",
    "portal.stats.actions": "Statistics",
    "portal.stats.reports": "Statistics",
    "portal.requests.actions": "Data requests",
    "portal.apps.actions": "Applications and keys",
    "portal.apps.reports": "Statistics",
    "portal.reuses.actions": "Reuses",
    "harvesters.actions": "Harvesting",
}

# Descriptions for the fields of an action's input schema, by action and observed field name.
FIELD_DOCS: dict[str, dict[str, dict[str, Any]]] = {
    "package_search": {
        "q": {"description": "Words, phrases and field:value terms (Solr syntax)."},
        "fq": {"description": "A filter query, e.g. `organization:transport res_format:CSV`."},
        "fq_list": {"description": "More filter queries (repeat the parameter in a GET)."},
        "sort": {"description": "e.g. `metadata_modified desc` or `title_string asc`."},
        "rows": {"description": "How many datasets to return."},
        "start": {"description": "Offset of the first dataset to return."},
        "facet": {
            "description": "Accepted for CKAN compatibility; facets follow facet.field.",
            "type": "boolean",
        },
        "facet.field": {
            "description": "Fields to count values of: organization, groups, tags, res_format, "
            'license_id. A JSON list, e.g. `["organization","tags"]`; in a JSON body also a '
            "list of strings.",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "facet.limit": {"description": "Values per facet; negative for all."},
        "facet.mincount": {"description": "Leave out values with fewer datasets."},
        "include_private": {"description": "Also private datasets the caller may read."},
        "include_drafts": {"description": "Also drafts the caller may edit."},
        "fl": {"description": "Comma-separated keys: return only these keys of each dataset."},
    },
}

READ_ONLY_DOC = {
    "readOnly": True,
    "description": "Returned by the show action; may be sent back unchanged and is ignored.",
}
TOLERATED_KEY_DOCS = {
    "tag_string": {
        "type": "string",
        "description": "Comma-separated tag names (CKAN's forms); used when `tags` is empty.",
    },
}
RESOURCE_EXTRAS_DOC = {
    "description": "Other keys (up to 100 characters) with scalar values are kept as resource "
    "extras and returned at the top level of the resource."
}

class SchemaNames:
    """apispec's schema_name_resolver: one unique component name per schema key (the class and
    its only/exclude/partial/... modifiers), so apispec never has to rename (and warn).

    Result schemas (any domain's `result_schemas` module) are named after their class
    (PackageSchema -> Package); input schemas get an `Input` suffix (PackageSchema ->
    PackageInput, with partial=... -> PackagePartialInput).
    Classes that share a name (two modules, or schemas built with Schema.from_dict) and other
    modifier variants are numbered: GeneratedInput, GeneratedInput2, ...
    """

    def __init__(self, reserved: set[str] | frozenset[str] = frozenset()) -> None:
        self.names: dict[tuple[Any, ...], str] = {}
        self.taken = set(reserved)

    def prefer(self, schema: Schema, name: str) -> None:
        """Name this schema (class and modifiers) `name`, unless it already has a name."""
        key = make_schema_key(schema)
        if key not in self.names and name not in self.taken:
            self.taken.add(name)
            self.names[key] = name

    @staticmethod
    def base_name(instance: Schema) -> str:
        """The name before numbering: PackageSchema -> Package (a result) or PackageInput."""
        cls = type(instance)
        base = cls.__name__.removesuffix("Schema") or cls.__name__
        if not cls.__module__.endswith("result_schemas"):  # results: <domain>.result_schemas
            base += ("Partial" if instance.partial else "") + "Input"
        return base

    def __call__(self, schema: type[Schema] | Schema | str) -> str:
        instance = resolve_schema_instance(schema)
        key = make_schema_key(instance)
        if key in self.names:
            return self.names[key]
        base = self.base_name(instance)
        name, number = base, 1
        while name in self.taken:
            number += 1
            name = f"{base}{number}"
        self.taken.add(name)
        self.names[key] = name
        return name


def _input_schema(spec: ActionSpec, names: SchemaNames) -> Schema | None:
    if spec.schema is None:
        return None
    if spec.name not in PARTIAL:
        return spec.schema()
    partial, name = PARTIAL[spec.name]
    schema = spec.schema(partial=partial)
    names.prefer(schema, name)
    return schema


def _upload_fields(schema: Schema | None) -> tuple[str, ...]:
    if schema is None:
        return ()
    return tuple(name for name, f in schema.fields.items() if isinstance(f, Upload))


def _json_body_schema(schema: Schema, uploads: tuple[str, ...], names: SchemaNames) -> Schema:
    """The input schema without its file fields (a JSON body cannot carry a file), under the
    schema's own component name; the full schema (multipart) is <name>MultipartInput."""
    json_schema = type(schema)(exclude=uploads, partial=schema.partial)
    name = SchemaNames.base_name(schema)
    names.prefer(json_schema, name)
    names.prefer(schema, name.removesuffix("Input") + "MultipartInput")
    return json_schema


def _result(plugin: MarshmallowPlugin, value: Any) -> dict[str, Any]:
    """Resolve a RESULTS entry: schema classes become $refs to their components."""
    if value is None:
        return dict(NULL_RESULT)
    if (isinstance(value, type) and issubclass(value, Schema)) or isinstance(value, Schema):
        return plugin.converter.resolve_nested_schema(value)
    if isinstance(value, dict):
        resolved = dict(value)
        if "items" in resolved:
            resolved["items"] = _result(plugin, resolved["items"])
        for keyword in ("anyOf", "oneOf", "allOf"):
            if keyword in resolved:
                resolved[keyword] = [_result(plugin, v) for v in resolved[keyword]]
        return resolved
    raise TypeError(f"Cannot document result {value!r}")


def _success(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": "Success: the result in CKAN's envelope.",
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [
                        ref("schemas", "Envelope"),
                        {
                            "type": "object",
                            "required": ["success", "result"],
                            "properties": {
                                "success": {"type": "boolean", "enum": [True]},
                                "result": result,
                            },
                        },
                    ]
                }
            }
        },
    }


def _tag(spec: ActionSpec) -> str:
    module = spec.func.__module__
    return TAGS.get(module) or module.rsplit(".", 1)[-1].replace("_", " ").capitalize()


def _operations(plugin: MarshmallowPlugin, names: SchemaNames, spec: ActionSpec) -> dict[str, Any]:
    schema = _input_schema(spec, names)
    description = inspect.cleandoc(spec.func.__doc__ or spec.summary)
    if spec.name in IDENTIFIED:
        description += IDENTIFY.format(IDENTIFIED[spec.name])
    responses: dict[str, Any] = {
        "200": _success(_result(plugin, RESULTS.get(spec.name, UNDOCUMENTED_RESULT)))
    }
    responses.update({code: ref("responses", name) for code, name in ERROR_RESPONSES.items()})
    uploads = _upload_fields(schema)
    if uploads:
        responses["413"] = ref("responses", "TooLarge")
    common = {
        "tags": [_tag(spec)],
        "summary": spec.summary,
        "description": description,
        "responses": responses,
        # Reads are open to anonymous callers; every write needs a logged-in user.
        "security": [{}, {SECURITY_SCHEME: []}]
        if spec.side_effect_free
        else [{SECURITY_SCHEME: []}],
    }
    if schema is not None:
        json_schema = _json_body_schema(schema, uploads, names) if uploads else schema
        body_schema = plugin.converter.resolve_nested_schema(json_schema)
        required = schema.partial is not True and any(f.required for f in schema.fields.values())
    else:
        body_schema, required = {"type": "object"}, False
    content: dict[str, Any] = {"application/json": {"schema": body_schema}}
    if uploads:
        content["multipart/form-data"] = {
            "schema": plugin.converter.resolve_nested_schema(schema),
            "encoding": {name: {"contentType": "application/octet-stream"} for name in uploads},
        }
    operations = {
        "post": {
            **copy.deepcopy(common),
            "operationId": spec.name,
            "requestBody": {"required": required, "content": content},
        }
    }
    if spec.side_effect_free:
        parameters = plugin.converter.schema2parameters(schema, location="query") if schema else []
        operations["get"] = {
            **copy.deepcopy(common),
            "operationId": f"{spec.name}_get",
            "parameters": parameters,
        }
    return operations


def _document_tolerated_keys(plugin: MarshmallowPlugin, spec: APISpec) -> None:
    """Input schemas take more than their fields: StrictSchema drops the read-only keys *_show
    returns (so show -> edit -> update round-trips), and ResourceSchema keeps unknown scalar keys
    as resource extras. Document both on the generated components."""
    for key, name in plugin.converter.refs.items():
        cls, component = key[0], spec.components.schemas.get(name)
        if component is None or not issubclass(cls, StrictSchema):
            continue
        properties = component.setdefault("properties", {})
        for field_name in sorted(cls.READ_ONLY - set(properties)):
            properties[field_name] = copy.deepcopy(
                TOLERATED_KEY_DOCS.get(field_name, READ_ONLY_DOC)
            )
        if issubclass(cls, InputResourceSchema):
            component["additionalProperties"] = dict(RESOURCE_EXTRAS_DOC)


def _document_selected_keys(spec: APISpec) -> None:
    """package_search with `fl` returns only the listed keys of each dataset (any names the
    caller lists, known or not), so a result entry is a full dataset or such an object."""
    schemas = spec.components.schemas
    results = schemas["SearchResult"]["properties"]["results"]
    package = schemas[results["items"]["$ref"].rsplit("/", 1)[-1]]
    # The listed keys keep their documented types; none is required.
    spec.components.schema(
        "SelectedPackageKeys",
        {
            "type": "object",
            "description": "With `fl`: only the listed keys of a dataset.",
            "properties": copy.deepcopy(package["properties"]),
        },
    )
    results["items"] = {"anyOf": [results["items"], ref("schemas", "SelectedPackageKeys")]}


def _help_show_path() -> dict[str, Any]:
    return {
        "get": {
            "tags": ["Site"],
            "operationId": "help_show",
            "summary": "An action's documentation (the `help` URL of every response).",
            "parameters": [
                {"in": "query", "name": "name", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": _success({"type": "string", "description": "The action's docstring."}),
                "400": ref("responses", "BadRequest"),
            },
            "security": [{}],
        }
    }


FieldDocs = dict[type[Schema], dict[str, dict[str, Any]]]


def _field_docs_function(docs_by_schema: FieldDocs) -> Callable[..., dict[str, Any]]:
    """An apispec attribute function: Upload's description and FIELD_DOCS."""

    def portal_field_docs(converter: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
        ret = kwargs.get("ret", {})
        extra: dict[str, Any] = {}
        if isinstance(field, Upload) and "description" not in ret:
            extra["description"] = "A file: send the request as multipart/form-data."
        parent = field.parent
        docs = docs_by_schema.get(type(parent)) if isinstance(parent, Schema) else None
        if docs:
            extra.update(docs.get(field.data_key or field.name or "", {}))
        return extra

    return portal_field_docs


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.0.3 document for every registered action, as a JSON-ready dict."""
    load_actions()
    names = SchemaNames(reserved=set(COMPONENT_SCHEMAS))
    plugin = MarshmallowPlugin(schema_name_resolver=names)
    spec = APISpec(
        title=TITLE,
        version=__version__,
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={"description": DESCRIPTION},
    )
    plugin.map_to_openapi_type(Upload, "string", "binary")
    docs_by_schema = {
        REGISTRY[name].schema: docs
        for name, docs in FIELD_DOCS.items()
        if name in REGISTRY and REGISTRY[name].schema is not None
    }
    plugin.converter.add_attribute_function(_field_docs_function(docs_by_schema))

    for name, component in COMPONENT_SCHEMAS.items():
        spec.components.schema(name, copy.deepcopy(component))
    for name, component in COMPONENT_RESPONSES.items():
        spec.components.response(name, copy.deepcopy(component))
    spec.components.security_scheme(
        SECURITY_SCHEME,
        {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": SECURITY_DESCRIPTION,
        },
    )

    tags: set[str] = {"Site"}
    for name in sorted(REGISTRY):
        action_spec = REGISTRY[name]
        tags.add(_tag(action_spec))
        spec.path(path=f"/api/3/action/{name}", operations=_operations(plugin, names, action_spec))
    spec.path(path="/api/3/action/help_show", operations=_help_show_path())
    _document_tolerated_keys(plugin, spec)
    _document_selected_keys(spec)
    for tag in sorted(tags):
        spec.tag({"name": tag})
    return spec.to_dict()

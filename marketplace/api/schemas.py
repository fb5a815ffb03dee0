"""Small builders for the OpenAPI 3.1 document's schemas, shared by every API module (core and campaigns)."""
from __future__ import annotations

ERROR = {"$ref": "#/components/responses/Error"}
SECURED = [{"bearer": []}]
STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
INSTANT = {"type": "string", "format": "date-time", "description": "UTC, ISO 8601, ending in Z"}


def nullable(schema: dict) -> dict:
    """`schema`, or null (OpenAPI 3.1 has no `nullable`: null is one more type)."""
    if "type" in schema and "$ref" not in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": [*kinds, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties: dict, description: str = "", required: list[str] | None = None) -> dict:
    """An object schema with these `properties` (all of them required unless `required` names fewer)."""
    schema: dict = {"type": "object", "properties": properties,
                    "required": list(properties) if required is None else required}
    if description:
        schema["description"] = description
    return schema


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def json_response(description: str, schema: dict) -> dict:
    """A response with a JSON body described by `schema`."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}

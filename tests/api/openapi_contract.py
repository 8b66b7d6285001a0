"""The API's contract as outside clients rely on it, distilled from an OpenAPI document: every path and
method, its parameters, request body and response codes with their schemas, and every schema's properties and
types. tests/api/openapi_contract.json is this, taken from the document of 2026-12-07 (written by hand then);
the generated document must keep all of it (it may add more).

    .venv/bin/python -m tests.api.openapi_contract > tests/api/openapi_contract.json   # only to extend it
"""

import json
import sys


def _type_of(schema: dict) -> str:
    """A schema as one short string: a $ref's name, a type with its format and item type, or the branches."""
    if not isinstance(schema, dict):
        return repr(schema)
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return f"{key}(" + ", ".join(_type_of(branch) for branch in schema[key]) + ")"
    text = schema.get("type", "any")
    if "format" in schema:
        text += f":{schema['format']}"
    if text == "array":
        text += f"[{_type_of(schema.get('items', {}))}]"
    if schema.get("type") == "object" and "properties" in schema:
        text += "{" + ",".join(sorted(schema["properties"])) + "}"
    if "enum" in schema:
        text += "|" + "|".join(map(str, schema["enum"]))
    if schema.get("nullable"):
        text += "?"
    return text


def _content_type(content: dict | None) -> str:
    """ "" for no body; the schema for JSON; "media type: schema" for others."""
    kinds = {kind: _type_of(body.get("schema", {})) for kind, body in (content or {}).items()}
    if list(kinds) == ["application/json"]:
        return kinds["application/json"]
    return "; ".join(f"{kind}: {schema}" for kind, schema in sorted(kinds.items()))


def contract(document: dict) -> dict:
    """What of an OpenAPI document clients depend on (see the module's docstring)."""
    paths = {}
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = {
                f"{p['in']}:{p['name']}": _type_of(p.get("schema", {}))
                for p in [*shared, *operation.get("parameters", [])]
            }
            paths[f"{method.upper()} {path}"] = {
                "parameters": parameters,
                "body": _content_type(operation.get("requestBody", {}).get("content")),
                "responses": {
                    code: _content_type(response.get("content"))
                    for code, response in operation.get("responses", {}).items()
                },
                "secured": bool(operation.get("security")),
            }
    schemas = {
        name: {
            "properties": {prop: _type_of(value) for prop, value in schema.get("properties", {}).items()},
            "required": sorted(schema.get("required", [])),
        }
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    }
    return {"paths": paths, "schemas": schemas}


if __name__ == "__main__":
    import tempfile

    from market import create_app

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "DATABASE_URL": f"sqlite:///{scratch}/contract.db",
                "SECRET_KEY": "contract",
                "TESTING": True,
                "SEARCH_BACKEND": "memory",
                "INSTANCE_PATH": scratch,
            }
        )
        document = app.test_client().get("/api/v1/openapi.json").get_json()
    json.dump(contract(document), sys.stdout, ensure_ascii=False, indent=1, sort_keys=True)
    sys.stdout.write("\n")

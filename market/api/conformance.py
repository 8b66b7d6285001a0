"""Requests are checked against the OpenAPI document before the endpoint runs, so the API does what it
documents.

The document (built from the marshmallow schemas) is the one declaration of each parameter's and body field's
type and of whether it may be null. What it does not allow is refused with 422 and a Chinese message on the
field:

- a query parameter of the wrong type or out of its documented range (page=abc, per_page=null, per_page=0,
  mine=maybe) or given twice;
- a JSON body value of a type the document does not give it but that a lenient reader would take and convert
  (the services also read HTML forms, where everything is text): a number, boolean, list or object where text
  is documented (money, format decimal, may be a JSON number), a number or "true" in quotes where a number or
  a boolean is, text where a list is; and null where the field is not nullable.

Everything else is left to the endpoint and its service, which refuse other wrong types and check content and
business rules with messages that name the field ("样品数量必须是整数" for "十个", "请选择仪器" for a required
id that is null). Requests without a token to an operation that needs one are not checked: the endpoint
answers 401.
"""

import re
import threading
from functools import cache

from flask import g, request

from market.api.blueprint import api_bp
from market.api.openapi import build_spec
from market.errors import ValidationFailed
from market.inputs.fields import FALSE_WORDS, TRUE_WORDS

INTEGER = re.compile(r"-?\d{1,18}")  # what a 64-bit column holds; longer numbers are refused, not overflowed
NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
BOOLEANS = ("true", "false", "1", "0")
LENIENT_BOOLEANS = TRUE_WORDS + FALSE_WORDS  # what the services' form reader takes for a boolean
TYPE_NAMES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "array": "列表",
    "object": "JSON 对象",
}


_building = threading.Lock()


def _document() -> tuple[dict, dict]:
    """(method → [(path pattern, operation)], component schemas); paths without variables first, so that
    /deals/claimable is not read as /deals/{id}. Built once: a request that comes while the warm-up
    (market/warmup.py) builds it waits for that build rather than making a second one beside it."""
    with _building:
        return _built_document()


@cache
def _built_document() -> tuple[dict, dict]:
    spec = build_spec()
    routes: dict[str, list] = {}
    for path, item in sorted(spec["paths"].items(), key=lambda entry: entry[0].count("{")):
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path)))
        for method, operation in item.items():
            if method != "parameters":
                routes.setdefault(method.upper(), []).append((pattern, operation))
    return routes, spec["components"]["schemas"]


def prepare() -> None:
    """Build the API description the checks read, before the first API request has to."""
    _document()


def _operation() -> dict | None:
    path = request.path.removeprefix(api_bp.url_prefix)
    return next(
        (
            operation
            for pattern, operation in _document()[0].get(request.method, ())
            if pattern.fullmatch(path)
        ),
        None,
    )


@api_bp.before_request
def check_request_against_document():
    """Refuse documented query parameters and JSON body fields whose values the document does not allow."""
    operation = _operation()
    if operation is None or (operation.get("security") and g.get("api_user") is None):
        return
    fields = _query_problems(operation)
    if not fields:
        fields = _body_problems(operation)
    if fields:
        raise ValidationFailed(
            fields, "请求有误：" + "；".join(f"{name} {text}" for name, text in fields.items())
        )


# ---- query parameters ----------------------------------------------------------------------------------


def _query_problems(operation: dict) -> dict:
    fields = {}
    for parameter in operation.get("parameters", ()):
        if parameter["in"] != "query":
            continue
        name, values = parameter["name"], request.args.getlist(parameter["name"])
        if len(values) > 1:
            fields[name] = "只能填写一次"
        elif values and (message := query_value_problem(values[0], parameter["schema"])):
            fields[name] = message
    return fields


def query_value_problem(value: str, schema: dict) -> str | None:
    """What is wrong with one query value for its documented schema, in Chinese; None when it is
    acceptable."""
    kind = schema.get("type")
    if kind == "boolean" and value not in BOOLEANS:
        return "应为 true 或 false（也可写 1 或 0）"
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        if (
            not INTEGER.fullmatch(value)
            or (low is not None and int(value) < low)
            or (high is not None and int(value) > high)
        ):
            if low is not None and high is not None:
                return f"应为 {low} 到 {high} 之间的整数"
            return f"应为不小于 {low} 的整数" if low is not None else "应为整数"
    return None


# ---- JSON bodies ---------------------------------------------------------------------------------------


def _body_problems(operation: dict) -> dict:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content or request.mimetype != "application/json":
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return {}  # the endpoint refuses a body that is no JSON object, with its own message
    schema = _resolve(content["application/json"]["schema"])
    fields = {}
    for name, value in data.items():
        if name in schema.get("properties", {}):
            message = value_problem(value, schema["properties"][name], name in schema.get("required", ()))
            if message:
                fields[name] = message
    return fields


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = _document()[1][schema["$ref"].rpartition("/")[2]]
    return schema


def value_problem(value, schema: dict, required: bool = False) -> str | None:
    """What the document does not allow about one JSON value and a lenient reader would let through, in
    Chinese; None when the endpoint should judge it."""
    schema = _resolve(schema)
    if "anyOf" in schema:  # a nullable nested object: [null only, the object]
        branches = [_resolve(branch) for branch in schema["anyOf"]]
        if value is None:
            return (
                None
                if any(branch.get("nullable") for branch in branches) or required
                else "不能为 null（不填请省略）"
            )
        objects = [branch for branch in branches if branch.get("enum") != [None]]
        return value_problem(value, objects[0]) if objects else None
    if value is None:
        # A required field's service says what is missing in its own words ("请选择仪器").
        return None if schema.get("nullable") or required else "不能为 null（不填请省略）"
    kind = schema.get("type")
    if kind is None:
        return None
    wrong = f"必须是{TYPE_NAMES.get(kind, kind)}"
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if (
        kind == "string"
    ):  # money (format decimal) is read exactly from a JSON number too: "1500000.00" or 1500000
        if isinstance(value, (bool, list, dict)):
            return wrong
        return f"{wrong}（加引号）" if is_number and schema.get("format") != "decimal" else None
    if kind in ("integer", "number") and isinstance(value, str):
        looks_numeric = INTEGER.fullmatch(value.strip()) if kind == "integer" else NUMBER.fullmatch(value)
        return f"{wrong}（JSON 数字，不加引号）" if looks_numeric else None
    if kind == "boolean" and isinstance(value, str) and value.strip().lower() in LENIENT_BOOLEANS:
        return f"{wrong}（不加引号）"  # other text ("好的") is the endpoint's to explain
    if kind == "array":
        if isinstance(value, str):
            return f'{wrong}，例如 ["甲", "乙"]'
        for position, item in enumerate(value if isinstance(value, list) else (), start=1):
            if message := value_problem(item, schema.get("items", {})):
                return f"第{position}项{message}"
        return None
    if kind == "object" and isinstance(value, dict):
        properties, required_names = schema.get("properties", {}), schema.get("required", ())
        for name, item in value.items():
            if name in properties and (
                message := value_problem(item, properties[name], name in required_names)
            ):
                return f"{name} {message}"
    return None

"""How an API operation is documented: @operation on the view function that serves it, and the pieces those
declarations are made of. market.api.openapi walks the routes and collects the declarations into the OpenAPI
document."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

DECLARATIONS = "openapi_operations"  # the view function's attribute: {method or None: (Operation, vary)}
SECURED = [{"bearer": []}]
# Query parameters are checked against these declarations before the endpoint runs (market.api.conformance): a
# value of the wrong type or out of these limits is refused with 422. page and per_page start at 1.
LIMITS = {"page": {"minimum": 1}, "per_page": {"minimum": 1}}


def schema_of(name: str, kind: str) -> dict:
    """A query parameter's schema: its type, with the limits every parameter of that name has."""
    return {"type": kind, **(LIMITS.get(name, {}) if kind == "integer" else {})}


ERRORS = {
    code: {"description": text, "content": {"application/json": {"schema": "ErrorOut"}}}
    for code, text in {
        "401": "未认证",
        "403": "无权限",
        "404": "不存在",
        "409": "状态不允许",
        "422": "校验失败",
        "429": "尝试或请求过于频繁（Retry-After 头给出等待秒数）",
    }.items()
}
ALL_ERRORS = tuple(ERRORS)


def json_of(schema: str, description: str = "成功") -> dict:
    """A response whose JSON body is the named component schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def object_of(schema: dict, description: str = "成功") -> dict:
    """A response whose JSON body is the schema written out."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(schema: str) -> dict:
    return {"$ref": f"#/components/schemas/{schema}"}


def page_of(schema: str) -> dict:
    """A page of the named schema: items and the PageMeta."""
    return object_of(
        {
            "type": "object",
            "required": ["items", "meta"],
            "properties": {"items": {"type": "array", "items": ref(schema)}, "meta": ref("PageMeta")},
        }
    )


def items_of(schema: str) -> dict:
    """All the items of the named schema, without paging."""
    return object_of(
        {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": ref(schema)}},
        }
    )


def query_params(*params: tuple) -> list:
    """Query parameters from (name, type, description[, extra schema keywords such as minimum and
    maximum])."""
    return [
        {
            "name": name,
            "in": "query",
            "schema": {**schema_of(name, kind), **(extra[0] if extra else {})},
            "required": False,
            "description": text,
        }
        for name, kind, text, *extra in params
    ]


PAGING = (
    ("page", "integer", "页码，从 1 开始"),
    ("per_page", "integer", "每页条数，最多 100（更大的按 100）"),
)
LIST_PARAMS = query_params(
    *PAGING,
    ("q", "string", "标题包含的文字"),
    ("field", "string", "技术领域"),
    ("maturity", "string", "成熟度（成果）"),
    ("region", "string", "所在区域"),
    ("status", "string", "published（默认）或 expired；mine=1 时可为任意状态"),
    ("budget_min", "string", "预算下限（需求，元）"),
    ("budget_max", "string", "预算上限（需求，元）"),
    ("price_max", "string", "价格上限（成果，元）"),
    ("open_call", "boolean", "只看揭榜挂帅（需求）"),
    ("category", "string", "仪器类别（设备）"),
    ("open_for_booking", "boolean", "只看开放预约的仪器（设备）"),
    ("mine", "boolean", "本单位的全部内容（需令牌）"),
)


@dataclass(frozen=True)
class Operation:
    """One method of one path as the document gives it (see operation for the fields)."""

    summary: str
    responses: dict = field(default_factory=dict)
    errors: Iterable[str] = ()
    body: str | dict | None = None
    body_required: bool = True
    query: Iterable[dict] = ()
    secured: bool = False
    path_descriptions: dict = field(default_factory=dict)

    def document(self) -> dict:
        """The OpenAPI operation object (schema names still to be resolved by apispec)."""
        written = {"summary": self.summary}
        if self.secured:
            written["security"] = SECURED
        if self.query:
            written["parameters"] = list(self.query)
        if self.body is not None:
            content = {"application/json": self.body} if isinstance(self.body, str) else self.body
            written["requestBody"] = {
                "required": self.body_required,
                "content": {kind: {"schema": schema} for kind, schema in content.items()},
            }
        written["responses"] = {
            **{code: json_of(r) if isinstance(r, str) else r for code, r in self.responses.items()},
            **{code: ERRORS[code] for code in self.errors},
        }
        return written


class UndocumentedOperation(LookupError):
    """An API route serves a method its view function declares no documentation for."""


def operation(
    summary: str = "",
    *,
    method: str | None = None,
    responses: dict | None = None,
    errors: Iterable[str] = (),
    body: str | dict | None = None,
    body_required: bool = True,
    query: Iterable[dict] = (),
    secured: bool = False,
    path_descriptions: dict | None = None,
    vary: Callable[..., dict] | None = None,
):
    """Declare how the decorated view's operation is documented: for `method` ("patch"), or for every method
    the view serves.

    responses: status → a response object, or the name of the JSON schema of a 成功 response; errors: status
    codes whose ERRORS entry is added; body: the name of the JSON body's schema, or {media type: schema} (a
    name or a schema written out) when it is not simply JSON; body_required: whether a body must be sent;
    query: the query parameters; secured: a bearer token is asked for; path_descriptions: documented path
    variable ("id") → its description. vary: for a view serving several paths through any() converters, a
    function of the chosen options by variable name (collection="demands") returning the fields that differ.
    """
    declared = Operation(
        summary,
        responses or {},
        tuple(errors),
        body,
        body_required,
        tuple(query),
        secured,
        path_descriptions or {},
    )

    def record(view):
        view.__dict__.setdefault(DECLARATIONS, {})[method] = (declared, vary)
        return view

    return record


def declared_operation(view, method: str, options: dict[str, str]) -> Operation:
    """The view's documentation of `method` on the path chosen by `options`; UndocumentedOperation if none."""
    declarations = getattr(view, DECLARATIONS, {})
    found = declarations.get(method, declarations.get(None))
    if found is None:
        name = getattr(view, "__qualname__", repr(view))
        raise UndocumentedOperation(f"{method.upper()} served by {name} has no @operation declaration")
    declared, vary = found
    return replace(declared, **vary(**options)) if vary else declared

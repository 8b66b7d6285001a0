"""The OpenAPI document, generated from the marshmallow schemas and the routes above."""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from market.api import api_bp
from market import schemas

LISTING_COLLECTIONS = {
    "achievements": ("achievement", "AchievementOut", "AchievementIn", "科技成果"),
    "demands": ("demand", "DemandOut", "DemandIn", "技术需求"),
    "equipment": ("equipment", "EquipmentOut", "EquipmentIn", "仪器设备"),
}
ERRORS = {code: {"description": text, "content": {"application/json": {"schema": "ErrorOut"}}}
          for code, text in {"401": "未认证", "403": "无权限", "404": "不存在", "409": "状态不允许", "422": "校验失败"}.items()}
LIST_PARAMS = [
    {"name": name, "in": "query", "schema": {"type": kind}, "required": False, "description": text}
    for name, kind, text in (
        ("page", "integer", "页码，从 1 开始"), ("per_page", "integer", "每页条数，最多 100"),
        ("q", "string", "标题包含的文字"), ("field", "string", "技术领域"), ("maturity", "string", "成熟度（成果）"),
        ("region", "string", "所在区域"), ("status", "string", "published（默认）或 expired；mine=1 时可为任意状态"),
        ("budget_min", "string", "预算下限（需求，元）"), ("budget_max", "string", "预算上限（需求，元）"),
        ("price_max", "string", "价格上限（成果，元）"), ("open_call", "boolean", "只看揭榜挂帅（需求）"),
        ("category", "string", "仪器类别（设备）"), ("open_for_booking", "boolean", "只看开放预约的仪器（设备）"),
        ("mine", "boolean", "本单位的全部内容（需令牌）"),
    )
]


def _json(schema: str, description: str = "成功") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(schema: str) -> dict:
    return {"description": "成功", "content": {"application/json": {"schema": {
        "type": "object", "required": ["items", "meta"],
        "properties": {"items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
                       "meta": {"$ref": "#/components/schemas/PageMeta"}}}}}}


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OUTPUT_SCHEMAS = ("AchievementOut", "DemandOut", "EquipmentOut", "PolicyOut", "TokenOut", "ErrorOut", "PageMeta",
                  "MeOut", "FieldOut")
INPUT_SCHEMAS = ("AchievementIn", "DemandIn", "EquipmentIn", "PolicyIn", "TokenIn")


def _mark_always_present(components: dict) -> None:
    """Output objects always carry every property (except contact, which depends on who asks): say so."""
    for schema in components.values():
        properties = schema.get("properties", {})
        if "required" not in schema and properties:
            schema["required"] = sorted(name for name in properties if name != "contact")


def _tighten_nullable_refs(components: dict) -> None:
    """apispec writes a nullable nested object as anyOf[any nullable object, $ref]; make the first branch null only."""
    for schema in components.values():
        for prop in schema.get("properties", {}).values():
            for branch in prop.get("anyOf", []):
                if branch == {"type": "object", "nullable": True}:
                    branch["enum"] = [None]


def build_spec() -> dict:
    """The whole OpenAPI 3 document as a dict."""
    marshmallow_plugin = MarshmallowPlugin()
    spec = APISpec(title="秦创原科技大市场 API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[marshmallow_plugin], servers=[{"url": "/api/v1"}])
    # Amounts travel as decimal strings ("1500000.00"), never as binary floats.
    marshmallow_plugin.map_to_openapi_type(schemas.Yuan, "string", "decimal")
    marshmallow_plugin.map_to_openapi_type(schemas.YuanIn, "string", "decimal")
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in OUTPUT_SCHEMAS + INPUT_SCHEMAS:
        spec.components.schema(name, schema=getattr(schemas, name))
    secured = [{"bearer": []}]
    spec.path("/tokens", operations={"post": {"summary": "用邮箱和密码换取令牌", "requestBody": _body("TokenIn"),
                                              "responses": {"201": _json("TokenOut", "已创建"), "401": ERRORS["401"], "422": ERRORS["422"]}}})
    spec.path("/me", operations={"get": {"summary": "当前令牌的用户", "security": secured,
                                         "responses": {"200": _json("MeOut"), "401": ERRORS["401"]}}})
    spec.path("/fields", operations={"get": {"summary": "技术领域列表", "responses": {"200": {
        "description": "成功", "content": {"application/json": {"schema": {
            "type": "object", "required": ["items"],
            "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/FieldOut"}}}}}}}}}})
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    for collection, (_kind, out, inp, label) in LISTING_COLLECTIONS.items():
        spec.path(f"/{collection}", operations={
            "get": {"summary": f"{label}列表", "parameters": LIST_PARAMS, "responses": {"200": _page_of(out)}},
            "post": {"summary": f"发布{label}（已认证单位直接发布，否则进入审核）", "security": secured,
                     "requestBody": _body(inp), "responses": {"201": _json(out, "已创建"), **ERRORS}},
        })
        spec.path(f"/{collection}/{{id}}", parameters=id_param, operations={
            "get": {"summary": f"{label}详情", "responses": {"200": _json(out), "404": ERRORS["404"]}},
            "patch": {"summary": f"修改{label}（部分字段）", "security": secured, "requestBody": _body(inp),
                      "responses": {"200": _json(out), **ERRORS}},
            "put": {"summary": f"修改{label}（全部字段）", "security": secured, "requestBody": _body(inp),
                    "responses": {"200": _json(out), **ERRORS}},
            "delete": {"summary": f"删除{label}（仅草稿或已撤回）", "security": secured,
                       "responses": {"204": {"description": "已删除"}, **ERRORS}},
        })
        for action, text in (("submit", "提交"), ("withdraw", "撤回"), ("reopen", "重新编辑"),
                             ("approve", "审核通过（管理员）"), ("reject", "退回（管理员，需 note）")):
            spec.path(f"/{collection}/{{id}}/{action}", parameters=id_param, operations={"post": {
                "summary": f"{text}{label}", "security": secured,
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"note": {"type": "string"}}}}}},
                "responses": {"200": _json(out), **ERRORS}}})
    spec.path("/policies", operations={
        "get": {"summary": "政策列表", "parameters": [
            {"name": n, "in": "query", "schema": {"type": "string"}, "required": False} for n in ("q", "issuer", "tag", "page", "per_page")],
            "responses": {"200": _page_of("PolicyOut")}},
        "post": {"summary": "新增政策（管理员）", "security": secured, "requestBody": _body("PolicyIn"),
                 "responses": {"201": _json("PolicyOut", "已创建"), **ERRORS}},
    })
    spec.path("/policies/{id}", parameters=id_param, operations={
        "get": {"summary": "政策详情", "responses": {"200": _json("PolicyOut"), "404": ERRORS["404"]}},
        "patch": {"summary": "修改政策（管理员）", "security": secured, "requestBody": _body("PolicyIn"), "responses": {"200": _json("PolicyOut"), **ERRORS}},
        "put": {"summary": "修改政策（管理员）", "security": secured, "requestBody": _body("PolicyIn"), "responses": {"200": _json("PolicyOut"), **ERRORS}},
        "delete": {"summary": "删除政策（管理员）", "security": secured, "responses": {"204": {"description": "已删除"}, **ERRORS}},
    })
    spec.path("/openapi.json", operations={"get": {"summary": "本文档", "responses": {"200": {
        "description": "OpenAPI 3.0 文档", "content": {"application/json": {"schema": {"type": "object"}}}}}}})
    document = spec.to_dict()
    unauthorised = {"description": "令牌无效或已过期（读取可不带令牌）",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for operations in document["paths"].values():
        for method, operation in operations.items():
            if method != "parameters":  # a bad or expired token is refused on every route, reads included
                operation["responses"].setdefault("401", unauthorised)
    components = document["components"]["schemas"]
    _mark_always_present({name: schema for name, schema in components.items() if not name.endswith("In")})
    _tighten_nullable_refs(components)
    return document


@api_bp.get("/openapi.json")
def get_openapi():
    return jsonify(build_spec())

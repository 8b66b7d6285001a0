"""The OpenAPI document, generated from the marshmallow schemas and the routes: each path from the api
blueprint's URL rules, each operation from the @operation declaration on the view that serves it
(market.api.docs)."""

import re
from collections.abc import Callable, Iterable

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, jsonify

from market import inputs, schemas
from market.api.blueprint import api_bp
from market.api.docs import ERRORS, declared_operation, operation

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
PATH_TYPES = {"int": "integer"}  # other converters (string, the default) are strings

OUTPUT_SCHEMAS = (
    "AchievementOut",
    "DemandOut",
    "EquipmentOut",
    "PolicyOut",
    "TokenOut",
    "ErrorOut",
    "PageMeta",
    "MeOut",
    "FieldOut",
    "BrokerOut",
    "UserOut",
    "OrganisationAdminOut",
    "SettingsOut",
    "AuditEntryOut",
    "SummaryOut",
    "HomeOut",
    "OrganisationPageOut",
    "MatchDecisionOut",
    "MatchPrecisionOut",
    "NotificationOut",
    "SavedSearchOut",
    "FollowOut",
    "FollowStateOut",
    "NotificationSettingsOut",
    "ContractAttachmentOut",
    "ContractOut",
    "ContractHistoryOut",
    "ContractStatsOut",
    "KpiOut",
    "KpiEntryOut",
    "KpiProgressOut",
    "DealOut",
    "DealMessageOut",
    "DealNdaOut",
    "BrokerPerformanceOut",
    "BookingOut",
    "AvailabilityOut",
    "BookingRulesOut",
    "BlockOut",
    "UtilisationOut",
    "EventJobOut",
    "PasswordResetRequestedOut",
    "KeptMailOut",
    "ListingFileOut",
    # 揭榜挂帅: 发榜、揭榜、邀请
    "ChallengeDocumentOut",
    "ChallengeInvitationOut",
    "ChallengeSuggestionOut",
    "ChallengeOut",
    "ChallengeDetailOut",
    "ChallengeApplicationOut",
    # 揭榜挂帅 定榜, 攻关与验收, dashboard
    "SelectionApplicationOut",
    "ChallengeSelectionOut",
    "ProjectReportOut",
    "TranchePaymentOut",
    "ProjectMilestoneOut",
    "ProjectOut",
    "ChallengeStatsOut",
)
INPUT_SCHEMAS = (
    "AchievementIn",
    "DemandIn",
    "EquipmentIn",
    "PolicyIn",
    "TokenIn",
    "RegistrationIn",
    "PasswordChangeIn",
    "BrokerProfileIn",
    "OrganisationUpdateIn",
    "DecisionIn",
    "UserUpdateIn",
    "FieldIn",
    "FieldUpdateIn",
    "SettingsIn",
    "MatchDecisionIn",
    "SavedSearchIn",
    "SavedSearchUpdateIn",
    "FollowIn",
    "NotificationSettingsIn",
    "ContractIn",
    "ContractRegistrationIn",
    "ContractReturnIn",
    "ContractCorrectionIn",
    "KpiIn",
    "KpiEntryIn",
    "DealIn",
    "DealBrokerIn",
    "DealStageIn",
    "DealNextActionIn",
    "DealMessageIn",
    "DealNoteIn",
    "BookingIn",
    "BookingDecisionIn",
    "BookingAnswerIn",
    "BookingCancelIn",
    "BookingCompleteIn",
    "BookingRulesIn",
    "BlockIn",
    "PasswordResetRequestIn",
    "PasswordResetIn",
    "ListingFileIn",
    "ListingFileOrderIn",
    # 揭榜挂帅: 发榜、揭榜、邀请
    "ChallengeIn",
    "ChallengeUpdateIn",
    "ChallengeClarificationIn",
    "ChallengeCancelIn",
    "ChallengeApplicationIn",
    "ChallengeApplicationUpdateIn",
    "ChallengeInvitationIn",
    # 揭榜挂帅 定榜, 攻关与验收
    "SelectionIn",
    "EliminationIn",
    "ProgressReportIn",
    "MilestoneDecisionIn",
    "TranchePaymentIn",
)


def _mark_always_present(components: dict) -> None:
    """Output objects always carry every property (but contact details, which depend on who asks): say so."""
    for schema in components.values():
        properties = schema.get("properties", {})
        if "required" not in schema and properties:
            schema["required"] = sorted(name for name in properties if name not in ("contact", "contacts"))


def _tighten_nullable_refs(components: dict) -> None:
    """apispec writes a nullable nested object as anyOf[any nullable object, $ref]; make the first branch null
    only."""
    for schema in components.values():
        for prop in schema.get("properties", {}).values():
            for branch in prop.get("anyOf", []):
                if branch == {"type": "object", "nullable": True}:
                    branch["enum"] = [None]


def _expand(rule: str) -> tuple[list[tuple[str, dict]], list[tuple[str, str]]]:
    """A Werkzeug rule → ([(OpenAPI path, {any() variable: its option in that path})], [(path variable, its
    type)]): an any() converter becomes one path per option; the first other variable is written {id}, later
    ones keep their names ({attachment_id})."""
    paths, variables, position = [("", {})], [], 0
    for match in VARIABLE.finditer(rule):
        literal, position = rule[position : match.start()], match.end()
        if match["converter"] == "any":
            options = [option.strip().strip("'\"") for option in match["args"].split(",")]
            paths = [
                (path + literal + option, {**chosen, match["name"]: option})
                for path, chosen in paths
                for option in options
            ]
        else:
            name = match["name"] if variables else "id"
            variables.append((name, PATH_TYPES.get(match["converter"], "string")))
            paths = [(path + literal + "{" + name + "}", chosen) for path, chosen in paths]
    return [(path + rule[position:], chosen) for path, chosen in paths], variables


def route_paths(rule: str, methods: Iterable[str], view: Callable) -> dict[str, dict]:
    """One URL rule (without the blueprint's prefix) and the view serving it → {OpenAPI path: path item}: its
    path parameters and, for each method, the operation the view declares (docs.UndocumentedOperation if it
    declares none)."""
    expanded, variables = _expand(rule)
    served = [method for method in HTTP_METHODS if method.upper() in methods]
    items = {}
    for path, options in expanded:
        declared = {method: declared_operation(view, method, options) for method in served}
        descriptions = {
            name: text
            for declaration in declared.values()
            for name, text in declaration.path_descriptions.items()
        }
        item = {method: declaration.document() for method, declaration in declared.items()}
        if variables:
            item["parameters"] = [
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": kind},
                    **({"description": descriptions[name]} if name in descriptions else {}),
                }
                for name, kind in variables
            ]
        items[path] = item
    return items


def api_paths() -> dict[str, dict]:
    """Every route of the api blueprint in the current app, as OpenAPI path items."""
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(f"{api_bp.name}."):
            continue
        view = current_app.view_functions[rule.endpoint]
        for path, item in route_paths(rule.rule.removeprefix(api_bp.url_prefix), rule.methods, view).items():
            merged = paths.setdefault(path, {})
            for key, value in item.items():
                if key == "parameters":
                    known = {p["name"]: p for p in merged.get("parameters", ())}
                    merged["parameters"] = [{**known.get(p["name"], {}), **p} for p in value]
                elif key in merged:
                    raise ValueError(f"{key.upper()} {path} is served by two routes")
                else:
                    merged[key] = value
    return paths


def build_spec() -> dict:
    """The whole OpenAPI 3 document as a dict."""
    marshmallow_plugin = MarshmallowPlugin()
    spec = APISpec(
        title="秦创原科技大市场 API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[marshmallow_plugin],
        servers=[{"url": "/api/v1"}],
    )
    # Amounts travel as decimal strings ("1500000.00"), never as binary floats.
    marshmallow_plugin.map_to_openapi_type(schemas.Yuan, "string", "decimal")
    marshmallow_plugin.map_to_openapi_type(schemas.YuanIn, "string", "decimal")
    marshmallow_plugin.map_to_openapi_type(inputs.Quantity, "string", "decimal")
    marshmallow_plugin.map_to_openapi_type(inputs.Money, "string", "decimal")
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name in OUTPUT_SCHEMAS + INPUT_SCHEMAS:
        spec.components.schema(name, schema=getattr(schemas, name))
    for path, item in api_paths().items():
        parameters = item.pop("parameters", None)
        spec.path(path, parameters=parameters, operations=item)
    document = spec.to_dict()
    unauthorised = {
        "description": "令牌无效或已过期（读取可不带令牌）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    bad_query = {
        "description": "查询参数有误（类型、范围不符，或同一参数出现多次）",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for operations in document["paths"].values():
        for method, documented in operations.items():
            if method == "parameters":
                continue
            responses = documented["responses"]
            responses.setdefault("401", unauthorised)  # a bad or expired token, on every route
            if any(p["in"] == "query" for p in documented.get("parameters", ())):  # conformance checks them
                responses.setdefault("422", bad_query)
            if "application/json" in documented.get("requestBody", {}).get("content", {}):  # and JSON bodies
                responses.setdefault("422", ERRORS["422"])
            if method == "post":
                _idempotent(documented)
    components = document["components"]["schemas"]
    _mark_always_present({name: schema for name, schema in components.items() if not name.endswith("In")})
    _tighten_nullable_refs(components)
    _partial_patches(document)
    return document


def _partial_patches(document: dict) -> None:
    """PATCH changes only the fields sent: where it shares its input schema with a POST or PUT
    (AchievementIn), its body is that schema without required fields (AchievementPatchIn). Schemas of their
    own (SavedSearchUpdateIn) stay as they are."""
    components = document["components"]["schemas"]

    def body_of(documented):
        body = (documented or {}).get("requestBody", {}).get("content", {}).get("application/json")
        return body, (body or {}).get("schema", {}).get("$ref", "").rpartition("/")[2]

    shared = {
        body_of(item.get(method))[1] for item in document["paths"].values() for method in ("post", "put")
    } - {""}
    for item in document["paths"].values():
        body, name = body_of(item.get("patch"))
        if name in shared and components[name].get("required"):
            partial = f"{name.removesuffix('In')}PatchIn"
            components[partial] = {key: value for key, value in components[name].items() if key != "required"}
            body["schema"] = {"$ref": f"#/components/schemas/{partial}"}


IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
    "description": "可选。客户端为每个写请求生成的唯一键（建议 UUID，1–200 个可见 ASCII 字符）。"
    "超时或断线后用同一个键重试，"
    "只会写入一次：同一用户、同一键、同一请求体返回第一次的响应（响应头 Idempotent-Replayed: true）；"
    "同一键用于不同请求体返回 422；第一次请求仍在处理时返回 409。键保留 24 小时。",
}


def _idempotent(post: dict) -> None:
    """Every POST accepts an Idempotency-Key, with the answers a retry can get."""
    post.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    responses = post["responses"]
    responses.setdefault(
        "400",
        {
            "description": "Idempotency-Key 格式不正确",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    )
    responses.setdefault(
        "422",
        {
            "description": "校验失败，或同一 Idempotency-Key 已用于另一个请求",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    )
    responses.setdefault(
        "409",
        {
            "description": "同一 Idempotency-Key 的第一次请求仍在处理，稍后用同一个键重试",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    )
    responses.setdefault(
        "303",
        {
            "description": "同一 Idempotency-Key 的第一次请求已完成但响应丢失（例如进程被终止）："
            "Location 指向它创建的对象"
        },
    )


@api_bp.get("/openapi.json")
@operation(
    "本文档",
    responses={
        "200": {
            "description": "OpenAPI 3.0 文档",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def get_openapi():
    return jsonify(build_spec())

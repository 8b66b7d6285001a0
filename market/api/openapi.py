"""The OpenAPI document, generated from the marshmallow schemas and the routes above."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify

from market import inputs, schemas
from market.api.blueprint import api_bp
from market.services import contracts

LISTING_COLLECTIONS = {
    "achievements": ("achievement", "AchievementOut", "AchievementIn", "科技成果"),
    "demands": ("demand", "DemandOut", "DemandIn", "技术需求"),
    "equipment": ("equipment", "EquipmentOut", "EquipmentIn", "仪器设备"),
}
# Query parameters are checked against these declarations before the endpoint runs (market.api.conformance): a
# value of the wrong type or out of these limits is refused with 422. page and per_page start at 1.
LIMITS = {"page": {"minimum": 1}, "per_page": {"minimum": 1}}


def _schema_of(name: str, kind: str) -> dict:
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
LIST_PARAMS = [
    {"name": name, "in": "query", "schema": _schema_of(name, kind), "required": False, "description": text}
    for name, kind, text in (
        ("page", "integer", "页码，从 1 开始"),
        ("per_page", "integer", "每页条数，最多 100（更大的按 100）"),
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
]


def _json(schema: str, description: str = "成功") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _page_of(schema: str) -> dict:
    return {
        "description": "成功",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["items", "meta"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}},
                        "meta": {"$ref": "#/components/schemas/PageMeta"},
                    },
                }
            }
        },
    }


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: str) -> dict:
    return {code: ERRORS[code] for code in codes}


def _query(*params: tuple) -> list:
    """Query parameters from (name, type, description[, extra schema keywords such as minimum and
    maximum])."""
    return [
        {
            "name": name,
            "in": "query",
            "schema": {**_schema_of(name, kind), **(extra[0] if extra else {})},
            "required": False,
            "description": text,
        }
        for name, kind, text, *extra in params
    ]


PAGING = (
    ("page", "integer", "页码，从 1 开始"),
    ("per_page", "integer", "每页条数，最多 100（更大的按 100）"),
)
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
    "MatchDecisionOut",
    "MatchPrecisionOut",
    "NotificationOut",
    "SavedSearchOut",
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
)


def _mark_always_present(components: dict) -> None:
    """Output objects always carry every property (except contact, which depends on who asks): say so."""
    for schema in components.values():
        properties = schema.get("properties", {})
        if "required" not in schema and properties:
            schema["required"] = sorted(name for name in properties if name != "contact")


def _tighten_nullable_refs(components: dict) -> None:
    """apispec writes a nullable nested object as anyOf[any nullable object, $ref]; make the first branch null
    only."""
    for schema in components.values():
        for prop in schema.get("properties", {}).values():
            for branch in prop.get("anyOf", []):
                if branch == {"type": "object", "nullable": True}:
                    branch["enum"] = [None]


def _account_paths(spec, secured, id_param) -> None:
    """Registration, password, the broker directory and the home summary."""
    spec.path(
        "/registrations",
        operations={
            "post": {
                "summary": "注册账号和单位（单位待管理员认证；不返回令牌，请再调用 POST /tokens）",
                "requestBody": _body("RegistrationIn"),
                "responses": {"201": _json("MeOut", "已创建"), **_errors("422", "429")},
            }
        },
    )
    spec.path(
        "/password-resets",
        operations={
            "post": {
                "summary": "忘记密码：向该邮箱发送 60 分钟内有效、"
                "只能用一次的重置链接（是否注册，答复都相同）",
                "requestBody": _body("PasswordResetRequestIn"),
                "responses": {"202": _json("PasswordResetRequestedOut", "已受理"), **_errors("422", "429")},
            }
        },
    )
    spec.path(
        "/password-resets/{id}",
        parameters=[
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "邮件链接中的令牌",
            }
        ],
        operations={
            "post": {
                "summary": "用重置链接设置新密码（全部登录会话和 API 令牌随之失效）",
                "requestBody": _body("PasswordResetIn"),
                "responses": {"204": {"description": "已重置"}, **_errors("422", "429")},
            }
        },
    )
    spec.path(
        "/me/password",
        operations={
            "post": {
                "summary": "修改自己的密码（本人全部 API 令牌随之作废，请用新密码再调用 POST /tokens）",
                "security": secured,
                "requestBody": _body("PasswordChangeIn"),
                "responses": {"204": {"description": "已修改，原有令牌已作废"}, **_errors("422")},
            }
        },
    )
    spec.path(
        "/brokers",
        operations={
            "get": {
                "summary": "技术经纪人名录",
                "parameters": _query(
                    ("field", "string", "擅长的技术领域"), ("q", "string", "姓名、单位或简介中的词"), *PAGING
                ),
                "responses": {"200": _page_of("BrokerOut")},
            }
        },
    )
    spec.path(
        "/brokers/{id}",
        parameters=id_param,
        operations={
            "get": {
                "summary": "经纪人详情（id 为经纪人资料编号）",
                "responses": {"200": _json("BrokerOut"), **_errors("404")},
            },
            "patch": {
                "summary": "修改经纪人资料（本人或管理员；认证等级仅管理员）",
                "security": secured,
                "requestBody": _body("BrokerProfileIn"),
                "responses": {"200": _json("BrokerOut"), **_errors("403", "404", "422")},
            },
        },
    )
    spec.path(
        "/summary",
        operations={
            "get": {
                "summary": "首页概况：各库已发布数量和最新内容",
                "responses": {"200": _json("SummaryOut")},
            }
        },
    )


def _admin_paths(spec, secured, id_param) -> None:
    """Administration: organisations, users, fields, settings, audit trail, review queue (admins only)."""
    admin_read = _errors("403")
    spec.path(
        "/organisations",
        operations={
            "get": {
                "summary": "单位列表（管理员；待认证的排在前面）",
                "security": secured,
                "parameters": _query(
                    ("state", "string", "pending / verified / rejected；不填为全部"), *PAGING
                ),
                "responses": {"200": _page_of("OrganisationAdminOut"), **admin_read},
            }
        },
    )
    spec.path(
        "/organisations/{id}",
        parameters=id_param,
        operations={
            "patch": {
                "summary": "修改单位资料（管理员）",
                "security": secured,
                "requestBody": _body("OrganisationUpdateIn"),
                "responses": {"200": _json("OrganisationAdminOut"), **_errors("403", "404", "422")},
            }
        },
    )
    for action, text in (("verify", "认证通过"), ("reject", "认证不通过（需 note）")):
        spec.path(
            f"/organisations/{{id}}/{action}",
            parameters=id_param,
            operations={
                "post": {
                    "summary": f"单位{text}（管理员）",
                    "security": secured,
                    "requestBody": {
                        "required": False,
                        "content": {"application/json": {"schema": "DecisionIn"}},
                    },
                    "responses": {"200": _json("OrganisationAdminOut"), **ERRORS},
                }
            },
        )
    spec.path(
        "/users",
        operations={
            "get": {
                "summary": "用户列表（管理员）",
                "security": secured,
                "parameters": _query(
                    ("q", "string", "邮箱、姓名或单位名称包含的文字"),
                    ("role", "string", "university / enterprise / broker / admin"),
                    *PAGING,
                ),
                "responses": {"200": _page_of("UserOut"), **admin_read},
            }
        },
    )
    spec.path(
        "/users/{id}",
        parameters=id_param,
        operations={
            "patch": {
                "summary": "修改用户身份或停用/恢复（管理员，不能改自己）",
                "security": secured,
                "requestBody": _body("UserUpdateIn"),
                "responses": {"200": _json("UserOut"), **_errors("403", "404", "422")},
            }
        },
    )
    spec.path(
        "/users/{id}/sign-out",
        parameters=id_param,
        operations={
            "post": {
                "summary": "让该用户在所有设备上退出登录并作废其 API 令牌（管理员）",
                "security": secured,
                "responses": {"200": _json("UserOut"), **_errors("403", "404")},
            }
        },
    )
    spec.path(
        "/admin/mail",
        operations={
            "get": {
                "summary": "未配置 SMTP 时保存在本机的邮件，最新的 100 封（管理员）",
                "security": secured,
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/KeptMailOut"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **_errors("403"),
                },
            }
        },
    )
    spec.path(
        "/admin/mail/{id}",
        parameters=[
            {
                "name": "id",
                "in": "path",
                "required": True,
                "schema": {"type": "string"},
                "description": "邮件的文件名",
            }
        ],
        operations={
            "get": {
                "summary": "一封保存在本机的邮件（管理员）",
                "security": secured,
                "responses": {"200": _json("KeptMailOut"), **_errors("403", "404")},
            }
        },
    )
    spec.path(
        "/fields",
        operations={
            "get": {
                "summary": "技术领域列表",
                "parameters": _query(("all", "boolean", "含已停用的领域（仅管理员，需令牌）")),
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/FieldOut"},
                                        }
                                    },
                                }
                            }
                        },
                    },
                    **admin_read,
                },
            },
            "post": {
                "summary": "新增技术领域（管理员）",
                "security": secured,
                "requestBody": _body("FieldIn"),
                "responses": {"201": _json("FieldOut", "已创建"), **_errors("403", "422")},
            },
        },
    )
    spec.path(
        "/fields/{id}",
        parameters=id_param,
        operations={
            "patch": {
                "summary": "修改技术领域：名称、排序、停用/启用（管理员）",
                "security": secured,
                "requestBody": _body("FieldUpdateIn"),
                "responses": {"200": _json("FieldOut"), **_errors("403", "404", "422")},
            }
        },
    )
    spec.path(
        "/settings",
        operations={
            "get": {
                "summary": "平台设置（管理员）",
                "security": secured,
                "responses": {"200": _json("SettingsOut"), **admin_read},
            },
            "put": {
                "summary": "修改平台设置（管理员）",
                "security": secured,
                "requestBody": _body("SettingsIn"),
                "responses": {"200": _json("SettingsOut"), **_errors("403", "422")},
            },
        },
    )
    spec.path(
        "/audit",
        operations={
            "get": {
                "summary": "操作日志（管理员，最新在前）：action_label 为操作的中文名，"
                "readable_changes 为逐字段的原值、新值（文字）；"
                "changes 为原始记录",
                "security": secured,
                "parameters": _query(
                    ("type", "string", "对象类型，如 organisation、user、achievement、setting"), *PAGING
                ),
                "responses": {"200": _page_of("AuditEntryOut"), **admin_read},
            }
        },
    )
    counts = {
        "type": "object",
        "properties": {
            name: {"type": "integer"} for name in ("pending", "due", "parked", "oldest_pending_seconds")
        },
    }
    spec.path(
        "/admin/jobs",
        operations={
            "get": {
                "summary": "后台任务（管理员）：默认列出多次失败后被搁置的任务；meta.counts 为各状态数量",
                "security": secured,
                "parameters": _query(("status", "string", "parked（默认）/ pending / done"), *PAGING),
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "meta"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/EventJobOut"},
                                        },
                                        "meta": {
                                            "type": "object",
                                            "required": ["page", "per_page", "total", "counts"],
                                            "properties": {
                                                "page": {"type": "integer"},
                                                "per_page": {"type": "integer"},
                                                "total": {"type": "integer"},
                                                "counts": counts,
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **admin_read,
                },
            }
        },
    )
    spec.path(
        "/admin/jobs/{id}/retry",
        parameters=id_param,
        operations={
            "post": {
                "summary": "重试一个已搁置的后台任务（管理员）",
                "security": secured,
                "responses": {"200": _json("EventJobOut"), **_errors("403", "404", "409")},
            }
        },
    )
    for collection, (_kind, out, _inp, label) in LISTING_COLLECTIONS.items():
        spec.path(
            f"/review/{collection}",
            operations={
                "get": {
                    "summary": f"待审核的{label}（管理员，最早提交的在前；"
                    f"审核用 POST /{collection}/{{id}}/approve|reject）",
                    "security": secured,
                    "parameters": _query(*PAGING),
                    "responses": {"200": _page_of(out), **admin_read},
                }
            },
        )


def _match_item(kind: str, schema: str) -> dict:
    return {
        "type": "object",
        "required": [kind, "score", "probability", "band", "reasons"],
        "properties": {
            kind: {"$ref": f"#/components/schemas/{schema}"},
            "score": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "匹配度，等于 probability",
            },
            "probability": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "技术经纪人会促成双方对接的估计概率（按已评判的配对校准）",
            },
            "band": {
                "type": "string",
                "enum": ["强", "中", "弱"],
                "description": "强：概率 ≥ 0.8；中：≥ 0.5；弱：更低（仅在 min_band=弱 时返回）",
            },
            "reasons": {"type": "array", "items": {"type": "string"}, "description": "推荐理由（中文）"},
        },
    }


def _matching_paths(spec, secured, id_param) -> None:
    """Suggestions for a listing (its organisation, brokers, admins), the brokers' queue and decisions."""
    limit = _query(
        ("limit", "integer", "条数 1–50，默认 10", {"minimum": 1, "maximum": 50}),
        ("min_band", "string", "最低匹配等级：强、中（默认）或 弱（返回完整排序，含弱匹配）"),
    )
    for collection, kind, schema, label in (
        ("demands", "achievement", "AchievementOut", "需求的推荐成果"),
        ("achievements", "demand", "DemandOut", "成果可服务的需求"),
    ):
        spec.path(
            f"/{collection}/{{id}}/matches",
            parameters=id_param,
            operations={
                "get": {
                    "summary": f"{label}（发布单位、技术经纪人、管理员；最匹配的在前）",
                    "security": secured,
                    "parameters": limit,
                    "responses": {
                        "200": {
                            "description": "成功",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["items"],
                                        "properties": {
                                            "items": {"type": "array", "items": _match_item(kind, schema)},
                                            "note": {
                                                "type": "string",
                                                "description": "没有达到最低等级的推荐时的说明",
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        **_errors("403", "404", "422"),
                    },
                }
            },
        )
    entry = {
        "type": "object",
        "required": ["demand", "matches"],
        "properties": {
            "demand": {"$ref": "#/components/schemas/DemandOut"},
            "note": {"type": "string", "nullable": True, "description": "没有“中”及以上推荐时的说明"},
            "matches": {"type": "array", "items": _match_item("achievement", "AchievementOut")},
        },
    }
    spec.path(
        "/match-queue",
        operations={
            "get": {
                "summary": "匹配工作台：已发布需求（最新在前）及其尚未处理的最佳推荐（技术经纪人、管理员）",
                "security": secured,
                "parameters": _query(
                    ("page", "integer", "页码，从 1 开始"),
                    ("per_page", "integer", "每页需求数，默认 10"),
                    ("min_band", "string", "最低匹配等级：中（默认）或 弱（另附每个需求最好的几条弱匹配）"),
                ),
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "meta"],
                                    "properties": {
                                        "items": {"type": "array", "items": entry},
                                        "meta": {"$ref": "#/components/schemas/PageMeta"},
                                    },
                                }
                            }
                        },
                    },
                    **_errors("403", "422"),
                },
            }
        },
    )
    spec.path(
        "/match-decisions",
        operations={
            "post": {
                "summary": "接受或拒绝一条推荐（技术经纪人、管理员；拒绝须选原因；同一对再次决定会覆盖）",
                "security": secured,
                "requestBody": _body("MatchDecisionIn"),
                "responses": {"201": _json("MatchDecisionOut", "已记录"), **_errors("403", "422")},
            }
        },
    )
    spec.path(
        "/admin/match-precision",
        operations={
            "get": {
                "summary": "每周推荐准确率：接受数 / 处理数（管理员，最近 12 周，最新在前）",
                "security": secured,
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "weights"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/MatchPrecisionOut"},
                                        },
                                        "weights": {
                                            "type": "object",
                                            "description": "推荐排序的融合权重：默认、"
                                            "当前（从经纪人处理中学习）",
                                            "properties": {
                                                "prior": {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "number"},
                                                },
                                                "current": {
                                                    "type": "object",
                                                    "additionalProperties": {"type": "number"},
                                                },
                                                "labels": {
                                                    "type": "integer",
                                                    "description": "记录了证据的处理数",
                                                },
                                                "min_labels": {"type": "integer"},
                                                "learned": {"type": "boolean"},
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **_errors("403"),
                },
            }
        },
    )


def _notification_paths(spec, secured, id_param) -> None:
    """The token holder's own notifications and saved searches; anyone else's answer 404."""
    meta = {
        "type": "object",
        "required": ["page", "per_page", "total", "unread"],
        "properties": {
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "unread": {"type": "integer", "description": "未读且未删除的通知数（不受 unread 筛选影响）"},
        },
    }
    spec.path(
        "/notifications",
        operations={
            "get": {
                "summary": "我的通知（最新在前；已删除的不返回）",
                "security": secured,
                "parameters": _query(("unread", "boolean", "1 只看未读"), *PAGING),
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "meta"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/NotificationOut"},
                                        },
                                        "meta": meta,
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
    )
    spec.path(
        "/notifications/{id}/read",
        parameters=id_param,
        operations={
            "post": {
                "summary": "标为已读",
                "security": secured,
                "responses": {"200": _json("NotificationOut"), **_errors("404")},
            }
        },
    )
    spec.path(
        "/notifications/read-all",
        operations={
            "post": {
                "summary": "全部标为已读",
                "security": secured,
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["updated", "unread"],
                                    "properties": {
                                        "updated": {"type": "integer", "description": "本次标为已读的条数"},
                                        "unread": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    }
                },
            }
        },
    )
    spec.path(
        "/notifications/{id}",
        parameters=id_param,
        operations={
            "delete": {
                "summary": "删除（不再显示）一条通知",
                "security": secured,
                "responses": {"204": {"description": "已删除"}, **_errors("404")},
            }
        },
    )
    spec.path(
        "/saved-searches",
        operations={
            "get": {
                "summary": "我保存的搜索（最新在前）",
                "security": secured,
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/SavedSearchOut"},
                                        }
                                    },
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "summary": "保存一个搜索（每人最多 50 个；有新发布的成果、需求、设备时通知）",
                "security": secured,
                "requestBody": _body("SavedSearchIn"),
                "responses": {"201": _json("SavedSearchOut", "已创建"), **_errors("422")},
            },
        },
    )
    spec.path(
        "/saved-searches/{id}",
        parameters=id_param,
        operations={
            "patch": {
                "summary": "开启或关闭新结果通知",
                "security": secured,
                "requestBody": _body("SavedSearchUpdateIn"),
                "responses": {"200": _json("SavedSearchOut"), **_errors("404", "422")},
            },
            "delete": {
                "summary": "删除保存的搜索",
                "security": secured,
                "responses": {"204": {"description": "已删除"}, **_errors("404")},
            },
        },
    )


def _items_of(schema: str) -> dict:
    return {
        "description": "成功",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}
                    },
                }
            }
        },
    }


def _contract_paths(spec, secured, id_param) -> None:
    """The contract register: the parties and their broker write drafts, admins register, viewers read
    registered ones."""
    spec.path(
        "/contracts",
        operations={
            "get": {
                "summary": "我可以查看的技术合同（当事方、其经纪人；管理员全部；"
                "政府观察员仅已登记的），签订日期新的在前",
                "security": secured,
                "parameters": _query(
                    (
                        "status",
                        "string",
                        "draft 草稿 / submitted 待登记 / returned 已退回 / registered 已登记",
                    ),
                    ("type", "string", "合同类型：development / transfer / licence / consulting / service"),
                    ("field", "string", "技术领域"),
                    ("from", "string", "签订日期起 YYYY-MM-DD"),
                    ("to", "string", "签订日期止 YYYY-MM-DD"),
                    ("q", "string", "合同名称、合同编号或登记编号包含的文字"),
                    *PAGING,
                ),
                "responses": {"200": _page_of("ContractOut")},
            },
            "post": {
                "summary": "登记合同草稿（已认证机构的用户、技术经纪人、管理员；"
                "本机构须是买方或卖方，经纪人须是本人经办）",
                "security": secured,
                "requestBody": _body("ContractIn"),
                "responses": {"201": _json("ContractOut", "已创建"), **_errors("403", "422")},
            },
        },
    )
    spec.path(
        "/contracts/{id}",
        parameters=id_param,
        operations={
            "get": {
                "summary": "合同详情",
                "security": secured,
                "responses": {"200": _json("ContractOut"), **_errors("404")},
            },
            "patch": {
                "summary": "修改草稿或已退回的合同（部分字段；已登记的合同请用 /correct）",
                "security": secured,
                "requestBody": _body("ContractIn"),
                "responses": {"200": _json("ContractOut"), **ERRORS},
            },
            "delete": {
                "summary": "删除草稿（提交过的合同保留记录）",
                "security": secured,
                "responses": {"204": {"description": "已删除"}, **_errors("403", "404", "409")},
            },
        },
    )
    spec.path(
        "/contracts/{id}/submit",
        parameters=id_param,
        operations={
            "post": {
                "summary": "提交登记（当事方、其技术经纪人或管理员；草稿或已退回的合同）",
                "security": secured,
                "responses": {"200": _json("ContractOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/contracts/{id}/register",
        parameters=id_param,
        operations={
            "post": {
                "summary": "登记（管理员）：核定技术交易额，分配或填写登记编号",
                "security": secured,
                "requestBody": _body("ContractRegistrationIn"),
                "responses": {"200": _json("ContractOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/contracts/{id}/return",
        parameters=id_param,
        operations={
            "post": {
                "summary": "退回待登记的合同（管理员，需原因）",
                "security": secured,
                "requestBody": _body("ContractReturnIn"),
                "responses": {"200": _json("ContractOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/contracts/{id}/correct",
        parameters=id_param,
        operations={
            "post": {
                "summary": "更正已登记的合同（管理员，需原因；旧值记入合同历史）",
                "security": secured,
                "requestBody": _body("ContractCorrectionIn"),
                "responses": {"200": _json("ContractOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/contracts/{id}/history",
        parameters=id_param,
        operations={
            "get": {
                "summary": "合同历史：登记流程各步骤、修改和更正（最新在前）",
                "security": secured,
                "responses": {"200": _items_of("ContractHistoryOut"), **_errors("404")},
            }
        },
    )
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PDF 文件，最大 10 MB"}
                    },
                }
            }
        },
    }
    spec.path(
        "/contracts/{id}/attachments",
        parameters=id_param,
        operations={
            "post": {
                "summary": "上传合同扫描件（PDF；当事方、其经纪人或管理员，仅限登记前；每份合同最多10个）。"
                "已登记的合同不能直接上传（管理员 409），请用 POST /contracts/{id}/correct/attachments",
                "security": secured,
                "requestBody": upload,
                "responses": {"201": _json("ContractAttachmentOut", "已上传"), **ERRORS},
            }
        },
    )
    correction_upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "reason"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PDF 文件，最大 10 MB"},
                        "reason": {
                            "type": "string",
                            "maxLength": contracts.MAX_CORRECTION_REASON,
                            "description": "更正原因，必填，最多500字；与文件一起保存（附件的 correction），"
                            "并记入合同历史和操作日志",
                        },
                    },
                }
            }
        },
    }
    spec.path(
        "/contracts/{id}/correct/attachments",
        parameters=id_param,
        operations={
            "post": {
                "summary": "更正：为已登记的合同补充附件（管理员，须填更正原因；未登记的合同 409）",
                "security": secured,
                "requestBody": correction_upload,
                "responses": {"201": _json("ContractAttachmentOut", "已补充"), **ERRORS},
            }
        },
    )
    attachment = [
        *id_param,
        {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "integer"}},
    ]
    spec.path(
        "/contracts/{id}/attachments/{attachment_id}",
        parameters=attachment,
        operations={
            "get": {
                "summary": "下载合同扫描件",
                "security": secured,
                "responses": {
                    "200": {
                        "description": "PDF 文件",
                        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                    },
                    **_errors("404"),
                },
            },
            "delete": {
                "summary": "删除合同扫描件（当事方在登记前，或管理员在登记前）；"
                "已登记合同的附件任何人都不能删除（409）",
                "security": secured,
                "responses": {"204": {"description": "已删除"}, **_errors("403", "404", "409")},
            },
        },
    )


def _stats_paths(spec, secured, id_param) -> None:
    """技术合同交易额 and the KPI table: admins and government viewers read, admins write."""
    reader = _errors("403")
    spec.path(
        "/stats/contracts",
        operations={
            "get": {
                "summary": "已登记技术合同的成交额、核定技术交易额和合同数（按签订日期统计；"
                "管理员、政府观察员）",
                "security": secured,
                "parameters": _query(
                    (
                        "from",
                        "string",
                        "签订日期起 YYYY-MM-DD（填了 from 或 to 即按自定义区间，不填 from 为当年1月1日）",
                    ),
                    ("to", "string", "签订日期止 YYYY-MM-DD（不填为今天）"),
                    (
                        "group_by",
                        "string",
                        "分组：type / field / region / month / seller_kind / buyer_region / seller / "
                        "buyer / broker；"
                        "不填只返回合计",
                    ),
                    (
                        "limit",
                        "integer",
                        "最多返回的组数 1–1000（按金额从大到小），不填为全部",
                        {"minimum": 1, "maximum": 1000},
                    ),
                    ("year", "integer", "年份，默认今年", {"minimum": 1990, "maximum": 2100}),
                    ("period", "string", "year（默认）/ quarter / month"),
                    ("quarter", "integer", "季度 1–4（period=quarter）", {"minimum": 1, "maximum": 4}),
                    ("month", "integer", "月份 1–12（period=month）", {"minimum": 1, "maximum": 12}),
                ),
                "responses": {"200": _json("ContractStatsOut"), **_errors("403", "422")},
            }
        },
    )
    spec.path(
        "/kpis",
        operations={
            "get": {
                "summary": "指标表：目标、实际值（可计算的自动计算，其余取手工填报）"
                "和时间进度（管理员、政府观察员）",
                "security": secured,
                "responses": {"200": _items_of("KpiProgressOut"), **reader},
            },
            "post": {
                "summary": "新增指标（管理员）",
                "security": secured,
                "requestBody": _body("KpiIn"),
                "responses": {"201": _json("KpiOut", "已创建"), **_errors("403", "422")},
            },
        },
    )
    spec.path(
        "/kpis/{id}",
        parameters=id_param,
        operations={
            "patch": {
                "summary": "修改指标（管理员，部分字段；旧值记入操作日志）",
                "security": secured,
                "requestBody": _body("KpiIn"),
                "responses": {"200": _json("KpiOut"), **_errors("403", "404", "422")},
            },
            "delete": {
                "summary": "删除指标及其手工填报（管理员）",
                "security": secured,
                "responses": {"204": {"description": "已删除"}, **_errors("403", "404")},
            },
        },
    )
    spec.path(
        "/kpis/{id}/entries",
        parameters=id_param,
        operations={
            "post": {
                "summary": "手工填报指标实际值（管理员；仅不能自动计算的指标）",
                "security": secured,
                "requestBody": _body("KpiEntryIn"),
                "responses": {"201": _json("KpiEntryOut", "已记录"), **_errors("403", "404", "422")},
            }
        },
    )


def _deal_paths(spec, secured, id_param) -> None:
    """Deals: the parties, the deal's broker and admins see and move a deal; anyone else gets 404."""
    seen = _errors("404")
    spec.path(
        "/deals",
        operations={
            "get": {
                "summary": "我的对接（当事单位成员、该对接的技术经纪人；管理员全部），最近有进展的在前",
                "security": secured,
                "parameters": _query(
                    (
                        "stage",
                        "string",
                        "阶段：intent / negotiation / signing / registered / terminated，或 open（进行中的）",
                    ),
                    ("stale", "boolean", "1 只看超过设定天数没有进展的进行中对接"),
                    *PAGING,
                ),
                "responses": {"200": _page_of("DealOut")},
            },
            "post": {
                "summary": "发起对接（我要对接）：企业对接成果、高校院所对接需求、"
                "技术经纪人撮合一对需求和成果；"
                "同一成果/需求已有与对方单位进行中的对接时不重复创建，返回 200 和该对接",
                "security": secured,
                "requestBody": _body("DealIn"),
                "responses": {
                    "201": _json("DealOut", "已创建"),
                    "200": _json("DealOut", "已有进行中的对接，返回该对接"),
                    **_errors("403", "422"),
                },
            },
        },
    )
    spec.path(
        "/deals/{id}",
        parameters=id_param,
        operations={
            "get": {
                "summary": "对接详情（含保密协议签署情况）",
                "security": secured,
                "responses": {"200": _json("DealOut"), **seen},
            }
        },
    )
    spec.path(
        "/deals/claimable",
        operations={
            "get": {
                "summary": "可认领的对接（技术经纪人）：擅长领域内尚无经纪人的进行中对接，"
                "以及当事方邀请本人的对接",
                "security": secured,
                "parameters": _query(*PAGING),
                "responses": {"200": _page_of("DealOut"), **_errors("403")},
            }
        },
    )
    spec.path(
        "/deals/{id}/claim",
        parameters=id_param,
        operations={
            "post": {
                "summary": "认领对接（技术经纪人；须在擅长领域内或受当事方邀请；已有经纪人时 409）",
                "security": secured,
                "responses": {"200": _json("DealOut"), **_errors("403", "404", "409", "422")},
            }
        },
    )
    spec.path(
        "/deals/{id}/assign",
        parameters=id_param,
        operations={
            "post": {
                "summary": "指派或更换对接的技术经纪人（管理员）",
                "security": secured,
                "requestBody": _body("DealBrokerIn"),
                "responses": {"200": _json("DealOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/deals/{id}/request-broker",
        parameters=id_param,
        operations={
            "post": {
                "summary": "邀请一位技术经纪人（当事方；对接尚无经纪人时），被邀请的经纪人可认领",
                "security": secured,
                "requestBody": _body("DealBrokerIn"),
                "responses": {"200": _json("DealOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/deals/{id}/stage",
        parameters=id_param,
        operations={
            "post": {
                "summary": "推进对接阶段（当事方、技术经纪人、管理员）：意向 → 对接洽谈 → 签约，不能跳过；"
                "任一进行中阶段可终止（须选原因）；"
                "签约时生成预填的合同草稿（contract_id）；合同登记后自动进入登记阶段；已登记或已终止的对接不能再变",
                "security": secured,
                "requestBody": _body("DealStageIn"),
                "responses": {"200": _json("DealOut"), **ERRORS},
            }
        },
    )
    spec.path(
        "/deals/{id}/next-action",
        parameters=id_param,
        operations={
            "put": {
                "summary": "安排下一步和截止日期（该对接的技术经纪人、管理员；两项一并替换，不填为清除）",
                "security": secured,
                "requestBody": _body("DealNextActionIn"),
                "responses": {"200": _json("DealOut"), **_errors("403", "404", "422")},
            }
        },
    )
    message_body = {
        "required": True,
        "content": {
            "application/json": {"schema": "DealMessageIn"},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "body": {"type": "string", "description": "留言，最多5000字（有附件时可不填）"},
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "附件：PDF、PNG、JPG、docx、xlsx、pptx 或 txt，"
                            "按文件内容核对类型，最大 10 MB",
                        },
                    },
                }
            },
        },
    }
    spec.path(
        "/deals/{id}/messages",
        parameters=id_param,
        operations={
            "get": {
                "summary": "对接留言，早的在前（经纪人的沟通记录仅经纪人和管理员可见）",
                "security": secured,
                "responses": {"200": _items_of("DealMessageOut"), **seen},
            },
            "post": {
                "summary": "留言，可附文件（当事方、技术经纪人、管理员；其他参与者会收到通知）",
                "security": secured,
                "requestBody": message_body,
                "responses": {"201": _json("DealMessageOut", "已发送"), **_errors("403", "404", "422")},
            },
        },
    )
    message = [
        *id_param,
        {"name": "message_id", "in": "path", "required": True, "schema": {"type": "integer"}},
    ]
    spec.path(
        "/deals/{id}/messages/{message_id}/file",
        parameters=message,
        operations={
            "get": {
                "summary": "下载留言附件",
                "security": secured,
                "responses": {
                    "200": {
                        "description": "附件文件（以下载方式返回）",
                        "content": {
                            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                        },
                    },
                    **seen,
                },
            }
        },
    )
    spec.path(
        "/deals/{id}/notes",
        parameters=id_param,
        operations={
            "post": {
                "summary": "记录电话、会面或备注（该对接的技术经纪人、管理员；当事方看不到）",
                "security": secured,
                "requestBody": _body("DealNoteIn"),
                "responses": {"201": _json("DealMessageOut", "已记录"), **_errors("403", "404", "422")},
            }
        },
    )
    spec.path(
        "/deals/{id}/nda",
        parameters=id_param,
        operations={
            "post": {
                "summary": "代表本单位签署本次对接的保密协议（当事方；记录时间和版本；已签署的返回原记录）；"
                "签署后可查看成果的保密信息",
                "security": secured,
                "responses": {"200": _json("DealNdaOut", "已签署"), **_errors("403", "404")},
            }
        },
    )
    spec.path(
        "/brokers/performance",
        operations={
            "get": {
                "summary": "技术经纪人考核数据：期间内接手的对接数、阶段转化、"
                "各阶段停留天数和首次回复时间的中位数、已登记合同成交额"
                "（管理员：全部或指定经纪人；技术经纪人：仅本人）",
                "security": secured,
                "parameters": _query(
                    ("from", "string", "起始日期 YYYY-MM-DD（默认当年1月1日）"),
                    ("to", "string", "截止日期 YYYY-MM-DD（默认今天）"),
                    ("broker_id", "integer", "经纪人的用户编号（管理员可选；经纪人只能是本人）"),
                ),
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "meta"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/BrokerPerformanceOut"},
                                        },
                                        "meta": {
                                            "type": "object",
                                            "required": ["from", "to"],
                                            "properties": {
                                                "from": {"type": "string", "format": "date"},
                                                "to": {"type": "string", "format": "date"},
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **_errors("403", "422"),
                },
            }
        },
    )


def _booking_paths(spec, secured, id_param) -> None:
    """Instrument booking: the week and rules are public for published instruments; requests need a token; the
    instrument's organisation (and admins) decide, block periods and record use; others' bookings answer
    404."""
    seen = _errors("404")
    times = "时间为北京时间，返回带 +08:00；提交时写 年-月-日T时:分（整点或半点）"
    spec.path(
        "/equipment/{id}/availability",
        parameters=id_param,
        operations={
            "get": {
                "summary": f"仪器一周的可预约时段（开放时间内每 30 分钟一个：free 空闲 / booked 已被预约 / "
                f"blocked 停机 / mine 我的预约）；{times}",
                "parameters": _query(
                    ("week", "string", "这一周中的任一天 YYYY-MM-DD（按其所在周的周一返回；默认本周）")
                ),
                "responses": {"200": _json("AvailabilityOut"), **_errors("404", "422")},
            }
        },
    )
    spec.path(
        "/equipment/{id}/booking-rules",
        parameters=id_param,
        operations={
            "get": {
                "summary": "仪器的开放时间和预约规则（培训要求、可接收样品、使用须知、取消时限）",
                "responses": {"200": _json("BookingRulesOut"), **seen},
            },
            "put": {
                "summary": "设置开放时间和预约规则（仪器所属单位、管理员；只改提交的字段）",
                "security": secured,
                "requestBody": _body("BookingRulesIn"),
                "responses": {"200": _json("BookingRulesOut"), **_errors("403", "404", "422")},
            },
        },
    )
    spec.path(
        "/equipment/{id}/blocks",
        parameters=id_param,
        operations={
            "post": {
                "summary": f"停机（维护、校准）：该时段不再接受预约；不能覆盖已有预约（409）（仪器所属单位、"
                f"管理员）；{times}",
                "security": secured,
                "requestBody": _body("BlockIn"),
                "responses": {"201": _json("BlockOut", "已停机"), **ERRORS},
            }
        },
    )
    block = [*id_param, {"name": "block_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    spec.path(
        "/equipment/{id}/blocks/{block_id}",
        parameters=block,
        operations={
            "delete": {
                "summary": "取消停机安排（仪器所属单位、管理员）",
                "security": secured,
                "responses": {"204": {"description": "已取消"}, **_errors("403", "404")},
            }
        },
    )
    spec.path(
        "/equipment/{id}/calendar.ics",
        parameters=id_param,
        operations={
            "get": {
                "summary": "仪器日历（iCalendar）：已批准和已完成的预约、停机安排；"
                "预约单位名称仅仪器所属单位可见",
                "responses": {
                    "200": {
                        "description": "iCalendar 文件",
                        "content": {"text/calendar": {"schema": {"type": "string"}}},
                    },
                    **seen,
                },
            }
        },
    )
    spec.path(
        "/equipment/utilisation",
        operations={
            "get": {
                "summary": "仪器使用率和收入（本单位的已发布仪器；管理员为全部）：预约分钟 / 开放分钟，"
                "以及当月完成登记的费用",
                "security": secured,
                "parameters": _query(("month", "string", "月份 YYYY-MM（默认本月）")),
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "meta"],
                                    "properties": {
                                        "items": {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/UtilisationOut"},
                                        },
                                        "meta": {
                                            "type": "object",
                                            "required": ["month"],
                                            "properties": {"month": {"type": "string"}},
                                        },
                                    },
                                }
                            }
                        },
                    },
                    **_errors("422"),
                },
            }
        },
    )
    spec.path(
        "/bookings",
        operations={
            "get": {
                "summary": "预约列表，新的在前：role=mine 我提交的（默认）；"
                "role=incoming 本单位仪器收到的（管理员为全部）",
                "security": secured,
                "parameters": _query(
                    ("role", "string", "mine 或 incoming"),
                    (
                        "status",
                        "string",
                        "requested / proposed / approved / rejected / cancelled / completed",
                    ),
                    ("equipment_id", "integer", "仪器编号"),
                    *PAGING,
                ),
                "responses": {"200": _page_of("BookingOut")},
            },
            "post": {
                "summary": f"预约仪器（已认证单位的用户）：机时预约 slot 填开始和结束时间，须在开放时间内；"
                f"送样检测 samples 填样品数量；"
                f"时段已被占用时 409（code conflict，“时段已被预约”）；{times}",
                "security": secured,
                "requestBody": _body("BookingIn"),
                "responses": {"201": _json("BookingOut", "已提交，待仪器所属单位审批"), **ERRORS},
            },
        },
    )
    spec.path(
        "/bookings/{id}",
        parameters=id_param,
        operations={
            "get": {
                "summary": "预约详情（预约人及其单位、仪器所属单位、管理员）",
                "security": secured,
                "responses": {"200": _json("BookingOut"), **seen},
            }
        },
    )
    for action, schema, text in (
        (
            "decision",
            "BookingDecisionIn",
            "审批（仪器所属单位、管理员）：批准、拒绝（须填原因）或建议改期（占用建议的时段）",
        ),
        ("answer", "BookingAnswerIn", "答复改期建议（预约人）：接受即批准，谢绝即取消"),
        (
            "cancel",
            "BookingCancelIn",
            "取消预约（预约人：已批准的须在开始前规定时限之外；仪器所属单位：须填原因）",
        ),
        (
            "complete",
            "BookingCompleteIn",
            "登记实际使用（仪器所属单位、管理员）：机时填 actual_minutes，送样填 actual_samples；"
            "按收费标准精确计算费用（本单位预约用内部价）",
        ),
    ):
        spec.path(
            f"/bookings/{{id}}/{action}",
            parameters=id_param,
            operations={
                "post": {
                    "summary": text,
                    "security": secured,
                    "requestBody": {
                        "required": action != "cancel",
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": {"200": _json("BookingOut"), **ERRORS},
                }
            },
        )


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
    secured = [{"bearer": []}]
    spec.path(
        "/tokens",
        operations={
            "post": {
                "summary": "用邮箱和密码换取令牌（同一账号连续失败 5 次后需等待，等待时间逐次加倍）",
                "requestBody": _body("TokenIn"),
                "responses": {"201": _json("TokenOut", "已创建"), **_errors("401", "422", "429")},
            }
        },
    )
    spec.path(
        "/me",
        operations={
            "get": {
                "summary": "当前令牌的用户",
                "security": secured,
                "responses": {"200": _json("MeOut"), "401": ERRORS["401"]},
            }
        },
    )
    id_param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
    _account_paths(spec, secured, id_param)
    _admin_paths(spec, secured, id_param)
    _matching_paths(spec, secured, id_param)
    _notification_paths(spec, secured, id_param)
    _contract_paths(spec, secured, id_param)
    _stats_paths(spec, secured, id_param)
    _deal_paths(spec, secured, id_param)
    _booking_paths(spec, secured, id_param)
    for collection, (_kind, out, inp, label) in LISTING_COLLECTIONS.items():
        spec.path(
            f"/{collection}",
            operations={
                "get": {
                    "summary": f"{label}列表",
                    "parameters": LIST_PARAMS,
                    "responses": {"200": _page_of(out)},
                },
                "post": {
                    "summary": f"发布{label}（已认证单位直接发布，否则进入审核）",
                    "security": secured,
                    "requestBody": _body(inp),
                    "responses": {"201": _json(out, "已创建"), **ERRORS},
                },
            },
        )
        spec.path(
            f"/{collection}/{{id}}",
            parameters=id_param,
            operations={
                "get": {"summary": f"{label}详情", "responses": {"200": _json(out), "404": ERRORS["404"]}},
                "patch": {
                    "summary": f"修改{label}（部分字段）",
                    "security": secured,
                    "requestBody": _body(inp),
                    "responses": {"200": _json(out), **ERRORS},
                },
                "put": {
                    "summary": f"修改{label}（全部字段）",
                    "security": secured,
                    "requestBody": _body(inp),
                    "responses": {"200": _json(out), **ERRORS},
                },
                "delete": {
                    "summary": f"删除{label}（仅草稿或已撤回）",
                    "security": secured,
                    "responses": {"204": {"description": "已删除"}, **ERRORS},
                },
            },
        )
        for action, text in (
            ("submit", "提交"),
            ("withdraw", "撤回"),
            ("reopen", "重新编辑"),
            ("approve", "审核通过（管理员）"),
            ("reject", "退回（管理员，需 note）"),
        ):
            spec.path(
                f"/{collection}/{{id}}/{action}",
                parameters=id_param,
                operations={
                    "post": {
                        "summary": f"{text}{label}",
                        "security": secured,
                        "requestBody": {
                            "required": False,
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": {"note": {"type": "string"}}}
                                }
                            },
                        },
                        "responses": {"200": _json(out), **ERRORS},
                    }
                },
            )
    spec.path(
        "/policies",
        operations={
            "get": {
                "summary": "政策列表",
                "parameters": [
                    {"name": n, "in": "query", "schema": {"type": "string"}, "required": False}
                    for n in ("q", "issuer", "tag")
                ]
                + _query(*PAGING),
                "responses": {"200": _page_of("PolicyOut")},
            },
            "post": {
                "summary": "新增政策（管理员）",
                "security": secured,
                "requestBody": _body("PolicyIn"),
                "responses": {"201": _json("PolicyOut", "已创建"), **ERRORS},
            },
        },
    )
    spec.path(
        "/policies/{id}",
        parameters=id_param,
        operations={
            "get": {"summary": "政策详情", "responses": {"200": _json("PolicyOut"), "404": ERRORS["404"]}},
            "patch": {
                "summary": "修改政策（管理员）",
                "security": secured,
                "requestBody": _body("PolicyIn"),
                "responses": {"200": _json("PolicyOut"), **ERRORS},
            },
            "put": {
                "summary": "修改政策（管理员）",
                "security": secured,
                "requestBody": _body("PolicyIn"),
                "responses": {"200": _json("PolicyOut"), **ERRORS},
            },
            "delete": {
                "summary": "删除政策（管理员）",
                "security": secured,
                "responses": {"204": {"description": "已删除"}, **ERRORS},
            },
        },
    )
    hit = {
        "type": "object",
        "required": ["kind", "id", "title", "score", "highlights"],
        "properties": {
            "kind": {"type": "string", "enum": ["achievement", "demand", "equipment", "policy", "broker"]},
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "score": {"type": "number", "description": "相关度，只用于比较同一次搜索中的结果"},
            "highlights": {
                "type": "object",
                "description": "HTML：已转义，仅 <mark> 标记命中词",
                "additionalProperties": {"type": "string"},
            },
        },
    }
    search_params = [
        {"name": n, "in": "query", "required": False, "schema": _schema_of(n, t), "description": d}
        for n, t, d in (
            ("q", "string", '查询词；支持 "短语"'),
            ("kind", "string", "achievement/demand/equipment/policy/broker"),
            ("field", "string", "技术领域"),
            ("maturity", "string", "成熟度"),
            ("region", "string", "区域"),
            ("status", "string", "published 或 expired（本单位与管理员可查其他状态）"),
            ("min", "string", "金额下限（元）"),
            ("max", "string", "金额上限（元）"),
            ("date_from", "string", "发布日期起 YYYY-MM-DD"),
            ("date_to", "string", "发布日期止 YYYY-MM-DD"),
            ("sort", "string", "relevance 或 date"),
            ("page", "integer", "页码"),
            ("per_page", "integer", "每页条数，最多 50（更大的按 50）"),
        )
    ]
    spec.path(
        "/search",
        operations={
            "get": {
                "summary": "全站搜索（成果、需求、设备、政策、经纪人）",
                "parameters": search_params,
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items", "meta"],
                                    "properties": {
                                        "items": {"type": "array", "items": hit},
                                        "meta": {
                                            "type": "object",
                                            "required": ["page", "per_page", "total", "facets"],
                                            "properties": {
                                                "page": {"type": "integer"},
                                                "per_page": {"type": "integer"},
                                                "total": {"type": "integer"},
                                                "facets": {
                                                    "type": "object",
                                                    "additionalProperties": {
                                                        "type": "object",
                                                        "additionalProperties": {"type": "integer"},
                                                    },
                                                },
                                                "correction": {
                                                    "type": "string",
                                                    "nullable": True,
                                                    "description": "您是不是要找：改正后的查询",
                                                },
                                                "relaxed": {
                                                    "type": "boolean",
                                                    "description": "没有结果包含全部关键词，"
                                                    "结果只含部分关键词",
                                                },
                                                "notice": {"type": "string", "nullable": True},
                                                "synonyms": {
                                                    "type": "object",
                                                    "description": "查询中的术语 → "
                                                    "同时搜索的同义词、全称或缩写",
                                                    "additionalProperties": {
                                                        "type": "array",
                                                        "items": {"type": "string"},
                                                    },
                                                },
                                                "by_meaning": {
                                                    "type": "boolean",
                                                    "description": "没有结果包含这些词，结果按语义相近列出",
                                                },
                                            },
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "422": ERRORS["422"],
                },
            }
        },
    )
    spec.path(
        "/duplicates",
        operations={
            "post": {
                "summary": "发布前检查可能重复的已发布内容",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["kind", "title"],
                                "properties": {
                                    "kind": {
                                        "type": "string",
                                        "enum": ["achievement", "demand", "equipment"],
                                    },
                                    "title": {"type": "string"},
                                    "text": {"type": "string"},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["items"],
                                    "properties": {"items": {"type": "array", "items": hit}},
                                }
                            }
                        },
                    },
                    "422": ERRORS["422"],
                },
            }
        },
    )
    spec.path(
        "/openapi.json",
        operations={
            "get": {
                "summary": "本文档",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.0 文档",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    )
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
        for method, operation in operations.items():
            if method == "parameters":
                continue
            operation["responses"].setdefault("401", unauthorised)  # a bad or expired token, on every route
            if any(
                p["in"] == "query" for p in operation.get("parameters", ())
            ):  # market.api.conformance checks them
                operation["responses"].setdefault("422", bad_query)
            if "application/json" in operation.get("requestBody", {}).get("content", {}):  # and JSON bodies
                operation["responses"].setdefault("422", ERRORS["422"])
            if method == "post":
                _idempotent(operation)
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

    def body_of(operation):
        body = (operation or {}).get("requestBody", {}).get("content", {}).get("application/json")
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


def _idempotent(operation: dict) -> None:
    """Every POST accepts an Idempotency-Key, with the answers a retry can get."""
    operation.setdefault("parameters", []).append(IDEMPOTENCY_KEY)
    responses = operation["responses"]
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
def get_openapi():
    return jsonify(build_spec())

"""My follows (收藏/关注) and notification settings over JSON: a token is required, and each user reads and
changes only their own."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, paging, reject_unknown_fields, require_actor
from market.api.docs import PAGING, json_of, object_of, operation, query_params, ref
from market.models.vocab import FOLLOW_KINDS
from market.schemas import (
    FollowIn,
    FollowOut,
    FollowStateOut,
    NotificationSettingsIn,
    NotificationSettingsOut,
)
from market.services import follows, notifications

KIND_TEXT = "、".join(f"{kind}（{label}）" for kind, label in FOLLOW_KINDS.items())
TARGET = {"id": "成果、需求、设备、单位或技术领域的编号"}
KIND_PATH = f"<any({', '.join(FOLLOW_KINDS)}):kind>"
VERB = {kind: "收藏" if kind in follows.LISTING_KINDS else "关注" for kind in FOLLOW_KINDS}
COUNTS = {
    "type": "object",
    "description": "每种类型当前可见的收藏或关注数",
    "required": list(FOLLOW_KINDS),
    "properties": {kind: {"type": "integer"} for kind in FOLLOW_KINDS},
}
FOLLOWING_PAGE = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {
        "items": {"type": "array", "items": ref("FollowOut")},
        "meta": {
            "type": "object",
            "required": ["page", "per_page", "total", "kind", "counts", "hidden"],
            "properties": {
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "kind": {"type": "string"},
                "counts": COUNTS,
                "hidden": {
                    "type": "integer",
                    "description": "该类型中已撤回、过期、删除或不再公开而未返回的条数（重新发布后会再出现）",
                },
            },
        },
    },
}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


@api_bp.get("/my/following")
@operation(
    "我收藏或关注的某一类（最近关注的在前）；已撤回、过期或不再公开的不返回，计入 meta.hidden",
    secured=True,
    query=query_params(("kind", "string", f"必填，{KIND_TEXT}"), *PAGING),
    responses={"200": object_of(FOLLOWING_PAGE)},
    errors=("422",),
)
def list_following():
    user = require_actor()
    result = follows.list_following(user, request.args.get("kind", ""), *paging())
    return jsonify(
        {
            "items": FollowOut(many=True).dump(result.items),
            "meta": {
                "page": result.page,
                "per_page": result.per_page,
                "total": result.total,
                "kind": result.kind,
                "counts": result.counts,
                "hidden": result.hidden,
            },
        }
    )


@api_bp.post("/my/following")
@operation(
    "收藏一项成果、需求或设备，或关注一个单位或技术领域；已关注的再次提交不重复（返回 200）",
    secured=True,
    body="FollowIn",
    responses={"201": json_of("FollowOut", "已关注"), "200": json_of("FollowOut", "此前已关注")},
    errors=("404", "422"),
)
def create_follow():
    row, target, created = follows.follow(require_actor(), _body(FollowIn))
    return jsonify(FollowOut().dump(follows.FollowedItem(row, target))), 201 if created else 200


@api_bp.get(f"/my/following/{KIND_PATH}/<int:target_id>")
@operation(
    secured=True,
    responses={"200": "FollowStateOut"},
    errors=("404",),
    path_descriptions=TARGET,
    vary=lambda kind: {"summary": f"是否已{VERB[kind]}该{FOLLOW_KINDS[kind]}，以及{VERB[kind]}的人数"},
)
def get_follow_state(kind, target_id):
    state = follows.get_follow_state(require_actor(), kind, target_id)
    return jsonify(
        FollowStateOut().dump(
            {"kind": kind, "target_id": target_id, "following": state.following, "followers": state.followers}
        )
    )


@api_bp.delete(f"/my/following/{KIND_PATH}/<int:target_id>")
@operation(
    secured=True,
    responses={"204": {"description": "已取消"}},
    errors=("404",),
    path_descriptions=TARGET,
    vary=lambda kind: {"summary": f"取消{VERB[kind]}该{FOLLOW_KINDS[kind]}（未{VERB[kind]}的也返回 204）"},
)
def delete_follow(kind, target_id):
    follows.unfollow(require_actor(), kind, target_id)
    return "", 204


@api_bp.get("/my/notification-settings")
@operation(
    "我的通知设置：可以关闭的通知类型（目前为关注动态）",
    secured=True,
    responses={"200": "NotificationSettingsOut"},
)
def get_notification_settings():
    return jsonify(NotificationSettingsOut().dump(notifications.notification_settings(require_actor())))


@api_bp.patch("/my/notification-settings")
@operation(
    "开启或关闭某类通知（只改提交的类型）",
    secured=True,
    body="NotificationSettingsIn",
    responses={"200": "NotificationSettingsOut"},
    errors=("422",),
)
def update_notification_settings():
    user = require_actor()
    values = notifications.update_notification_settings(user, _body(NotificationSettingsIn))
    return jsonify(NotificationSettingsOut().dump(values))

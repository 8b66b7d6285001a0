"""My notifications and saved searches over JSON (a token is required; others' rows are 404)."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, page_envelope, paging, reject_unknown_fields, require_actor
from market.api.docs import PAGING, items_of, json_of, object_of, operation, query_params, ref
from market.schemas import NotificationOut, SavedSearchIn, SavedSearchOut, SavedSearchUpdateIn
from market.services import notifications, saved_searches

NOTIFICATIONS_PAGE = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {
        "items": {"type": "array", "items": ref("NotificationOut")},
        "meta": {
            "type": "object",
            "required": ["page", "per_page", "total", "unread"],
            "properties": {
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "unread": {"type": "integer", "description": "未读且未删除的通知数（不受 unread 筛选影响）"},
            },
        },
    },
}


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


# ---- notifications ---------------------------------------------------------------------------------


@api_bp.get("/notifications")
@operation(
    "我的通知（最新在前；已删除的不返回）",
    secured=True,
    query=query_params(("unread", "boolean", "1 只看未读"), *PAGING),
    responses={"200": object_of(NOTIFICATIONS_PAGE)},
)
def list_notifications():
    user = require_actor()
    unread_only = request.args.get("unread", "").strip().lower() in ("1", "true")
    result = notifications.list_notifications(user, *paging(), unread_only=unread_only)
    envelope = page_envelope(result, NotificationOut().dump)
    envelope["meta"]["unread"] = notifications.unread_count(user)
    return jsonify(envelope)


@api_bp.post("/notifications/<int:notification_id>/read")
@operation("标为已读", secured=True, responses={"200": "NotificationOut"}, errors=("404",))
def mark_notification_read(notification_id):
    return jsonify(NotificationOut().dump(notifications.mark_read(require_actor(), notification_id)))


@api_bp.post("/notifications/read-all")
@operation(
    "全部标为已读",
    secured=True,
    responses={
        "200": object_of(
            {
                "type": "object",
                "required": ["updated", "unread"],
                "properties": {
                    "updated": {"type": "integer", "description": "本次标为已读的条数"},
                    "unread": {"type": "integer"},
                },
            }
        )
    },
)
def mark_all_notifications_read():
    user = require_actor()
    return jsonify({"updated": notifications.mark_all_read(user), "unread": notifications.unread_count(user)})


@api_bp.delete("/notifications/<int:notification_id>")
@operation(
    "删除（不再显示）一条通知", secured=True, responses={"204": {"description": "已删除"}}, errors=("404",)
)
def dismiss_notification(notification_id):
    notifications.dismiss(require_actor(), notification_id)
    return "", 204


# ---- saved searches --------------------------------------------------------------------------------


@api_bp.get("/saved-searches")
@operation("我保存的搜索（最新在前）", secured=True, responses={"200": items_of("SavedSearchOut")})
def list_saved_searches():
    return jsonify(
        {"items": SavedSearchOut(many=True).dump(saved_searches.list_saved_searches(require_actor()))}
    )


@api_bp.post("/saved-searches")
@operation(
    "保存一个搜索（每人最多 50 个；有新发布的成果、需求、设备时通知）",
    secured=True,
    body="SavedSearchIn",
    responses={"201": json_of("SavedSearchOut", "已创建")},
    errors=("422",),
)
def create_saved_search():
    user = require_actor()
    data = _body(SavedSearchIn)
    saved = saved_searches.save_search(user, data.get("name"), data.get("query"))
    return jsonify(SavedSearchOut().dump(saved)), 201


@api_bp.patch("/saved-searches/<int:saved_search_id>")
@operation(
    "开启或关闭新结果通知",
    secured=True,
    body="SavedSearchUpdateIn",
    responses={"200": "SavedSearchOut"},
    errors=("404", "422"),
)
def update_saved_search(saved_search_id):
    user = require_actor()
    data = _body(SavedSearchUpdateIn)
    return jsonify(
        SavedSearchOut().dump(
            saved_searches.set_saved_search_notify(user, saved_search_id, data.get("notify"))
        )
    )


@api_bp.delete("/saved-searches/<int:saved_search_id>")
@operation("删除保存的搜索", secured=True, responses={"204": {"description": "已删除"}}, errors=("404",))
def delete_saved_search(saved_search_id):
    saved_searches.delete_saved_search(require_actor(), saved_search_id)
    return "", 204

"""My notifications and saved searches over JSON (a token is required; others' rows are 404)."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, page_envelope, paging, reject_unknown_fields, require_actor
from market.errors import ValidationFailed
from market.schemas import NotificationOut, SavedSearchIn, SavedSearchOut, SavedSearchUpdateIn
from market.services import notifications, saved_searches


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


# ---- notifications ---------------------------------------------------------------------------------


@api_bp.get("/notifications")
def list_notifications():
    user = require_actor()
    unread_only = request.args.get("unread", "").strip().lower() in ("1", "true")
    result = notifications.list_notifications(user, *paging(), unread_only=unread_only)
    envelope = page_envelope(result, NotificationOut().dump)
    envelope["meta"]["unread"] = notifications.unread_count(user)
    return jsonify(envelope)


@api_bp.post("/notifications/<int:notification_id>/read")
def mark_notification_read(notification_id):
    return jsonify(NotificationOut().dump(notifications.mark_read(require_actor(), notification_id)))


@api_bp.post("/notifications/read-all")
def mark_all_notifications_read():
    user = require_actor()
    return jsonify({"updated": notifications.mark_all_read(user), "unread": notifications.unread_count(user)})


@api_bp.delete("/notifications/<int:notification_id>")
def dismiss_notification(notification_id):
    notifications.dismiss(require_actor(), notification_id)
    return "", 204


# ---- saved searches --------------------------------------------------------------------------------


@api_bp.get("/saved-searches")
def list_saved_searches():
    return jsonify(
        {"items": SavedSearchOut(many=True).dump(saved_searches.list_saved_searches(require_actor()))}
    )


@api_bp.post("/saved-searches")
def create_saved_search():
    user = require_actor()
    data = _body(SavedSearchIn)
    saved = saved_searches.save_search(user, data.get("name"), data.get("query"))
    return jsonify(SavedSearchOut().dump(saved)), 201


@api_bp.patch("/saved-searches/<int:saved_search_id>")
def update_saved_search(saved_search_id):
    user = require_actor()
    data = _body(SavedSearchUpdateIn)
    if "notify" not in data:
        raise ValidationFailed({"notify": "请说明是否通知（true 或 false）"})
    return jsonify(
        SavedSearchOut().dump(saved_searches.set_saved_search_notify(user, saved_search_id, data["notify"]))
    )


@api_bp.delete("/saved-searches/<int:saved_search_id>")
def delete_saved_search(saved_search_id):
    saved_searches.delete_saved_search(require_actor(), saved_search_id)
    return "", 204

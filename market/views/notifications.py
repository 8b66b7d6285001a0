"""My notifications and saved searches, and the unread badge in the header."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from market.errors import ValidationFailed
from market.forms import ConfirmForm
from market.models.vocab import LISTING_STATUSES
from market.services import notifications, saved_searches
from market.views.common import KIND_NAMES, page_args, safe_next

bp = Blueprint("notifications", __name__, url_prefix="/my")

QUERY_LABELS = {
    "q": "关键词",
    "kind": "类型",
    "field": "领域",
    "maturity": "成熟度",
    "region": "区域",
    "status": "状态",
    "min": "金额下限（元）",
    "max": "金额上限（元）",
    "date_from": "发布日期起",
    "date_to": "发布日期止",
}


@bp.before_request
@login_required
def _require_login():
    pass


@bp.app_context_processor
def _unread_badge():
    def unread_notifications() -> int:
        """Called by the header only for signed-in users: one COUNT query."""
        if not current_user.is_authenticated:
            return 0
        try:
            return notifications.unread_count(current_user)
        except SQLAlchemyError:  # the error page after a failed transaction must still render
            return 0

    return {"unread_notifications": unread_notifications}


# ---- notifications ---------------------------------------------------------------------------------


@bp.get("/notifications")
def list_notifications():
    unread_only = request.args.get("unread") == "1"
    page = notifications.list_notifications(current_user, *page_args(), unread_only=unread_only)
    return render_template(
        "workspace/notifications.html",
        page=page,
        unread_only=unread_only,
        unread=notifications.unread_count(current_user),
        categories=notifications.CATEGORIES,
    )


def _back_to_list():
    return redirect(safe_next(request.form.get("next"), url_for("notifications.list_notifications")))


@bp.post("/notifications/<int:notification_id>/read")
def mark_notification_read(notification_id):
    if ConfirmForm().validate_on_submit():
        notifications.mark_read(current_user, notification_id)
        flash("已标为已读", "success")
    return _back_to_list()


@bp.post("/notifications/<int:notification_id>/open")
def open_notification(notification_id):
    """Follow a notification's link, marking it read on the way."""
    if not ConfirmForm().validate_on_submit():
        return _back_to_list()
    notification = notifications.mark_read(current_user, notification_id)
    return redirect(safe_next(notification.link, url_for("notifications.list_notifications")))


@bp.post("/notifications/read-all")
def mark_all_notifications_read():
    if ConfirmForm().validate_on_submit():
        count = notifications.mark_all_read(current_user)
        flash(f"已将 {count} 条通知标为已读" if count else "没有未读通知", "success")
    return _back_to_list()


@bp.post("/notifications/<int:notification_id>/dismiss")
def dismiss_notification(notification_id):
    if ConfirmForm().validate_on_submit():
        notifications.dismiss(current_user, notification_id)
        flash("已删除通知", "success")
    return _back_to_list()


@bp.route("/notification-settings", methods=["GET", "POST"])
def edit_notification_settings():
    """通知设置: switch the kinds of notification a user may do without (关注动态) on or off."""
    if request.method == "POST" and ConfirmForm().validate_on_submit():
        category = request.form.get("category", "")
        try:
            if category not in notifications.SWITCHABLE:
                raise ValidationFailed({"category": "没有这类可以设置的通知"})
            values = notifications.update_notification_settings(
                current_user, {category: request.form.get("enabled", "")}
            )
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()) or exc.message, "danger")
        else:
            label = notifications.SWITCHABLE.get(category, category)
            flash(f"已{'开启' if values.get(category) else '关闭'}“{label}”通知", "success")
        return redirect(
            safe_next(request.form.get("next"), url_for("notifications.edit_notification_settings"))
        )
    return render_template(
        "workspace/notification_settings.html",
        settings=notifications.notification_settings(current_user),
        labels=notifications.SWITCHABLE,
        always=[
            label
            for key, label in notifications.CATEGORIES.items()
            if key not in notifications.SWITCHABLE and key != "saved_search"  # switched per search
        ],
    )


# ---- saved searches --------------------------------------------------------------------------------


@bp.get("/saved-searches")
def list_saved_searches():
    return render_template(
        "workspace/saved_searches.html",
        searches=saved_searches.list_saved_searches(current_user),
        labels=QUERY_LABELS,
        kind_names=KIND_NAMES,
        statuses=LISTING_STATUSES,
        link=saved_searches.search_link,
    )


@bp.post("/saved-searches")
def save_search():
    """The 保存此搜索 form of /search: the current conditions as hidden fields, plus a name."""
    query = {
        key: value for key, value in request.form.items() if key not in ("csrf_token", "submit_token", "name")
    }
    back = url_for("search.show_results", **{k: v for k, v in query.items() if k in QUERY_LABELS})
    if ConfirmForm().validate_on_submit():
        try:
            saved = saved_searches.save_search(current_user, request.form.get("name", ""), query)
        except ValidationFailed as exc:
            flash("未能保存搜索：" + "；".join(exc.fields.values() or [exc.message]), "danger")
        else:
            flash(f"已保存搜索「{saved.name}」，有新发布的结果时会通知您", "success")
    return redirect(back)


@bp.post("/saved-searches/<int:saved_search_id>/notify")
def set_saved_search_notify(saved_search_id):
    if ConfirmForm().validate_on_submit():
        try:
            saved = saved_searches.set_saved_search_notify(
                current_user, saved_search_id, request.form.get("notify", "")
            )
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()), "danger")
        else:
            flash(f"「{saved.name}」" + ("有新结果时会通知您" if saved.notify else "已关闭通知"), "success")
    return redirect(url_for("notifications.list_saved_searches"))


@bp.post("/saved-searches/<int:saved_search_id>/delete")
def delete_saved_search(saved_search_id):
    if ConfirmForm().validate_on_submit():
        saved_searches.delete_saved_search(current_user, saved_search_id)
        flash("已删除保存的搜索", "success")
    return redirect(url_for("notifications.list_saved_searches"))

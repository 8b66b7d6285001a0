"""My follows, /my/following (收藏的成果、需求、设备, 关注的单位, 关注的领域), and the buttons' form."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.forms import ConfirmForm
from market.services import follows, notifications
from market.views.common import page_args, safe_next

bp = Blueprint("following", __name__, url_prefix="/my")

# tab → its name on the page (the order of the tabs)
TABS = {
    "achievement": "收藏的成果",
    "demand": "收藏的需求",
    "equipment": "收藏的设备",
    "organisation": "关注的单位",
    "field": "关注的领域",
}
# kind → (what following it is called, what stopping is called)
VERBS = {kind: ("收藏", "取消收藏") for kind in follows.LISTING_KINDS} | {
    kind: ("关注", "取消关注") for kind in follows.FOLLOWED_KINDS
}


@bp.before_request
@login_required
def _require_login():
    pass


@bp.get("/following")
def list_following():
    tab = request.args.get("tab", "")
    if tab not in TABS:
        counts = follows.following_counts(current_user)
        tab = next((kind for kind in TABS if counts[kind]), "achievement")
    return render_template(
        "workspace/following.html",
        page=follows.list_following(current_user, tab, *page_args()),
        tab=tab,
        tabs=TABS,
        verbs=VERBS,
        settings=notifications.notification_settings(current_user),
    )


@bp.post("/following/<kind>/<int:target_id>")
def change_follow(kind, target_id):
    """The 收藏/关注 button: `action` follow or unfollow (not a toggle, so a form sent twice changes nothing
    more), then back to the page it was pressed on."""
    back = safe_next(request.form.get("next"), url_for("following.list_following", tab=kind))
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    done, undone = VERBS.get(kind, ("关注", "取消关注"))
    if request.form.get("action") == "unfollow":
        follows.unfollow(current_user, kind, target_id)
        flash(f"已{undone}", "success")
    else:
        follows.follow(current_user, {"kind": kind, "target_id": target_id})
        flash(
            f"已{done}，可在“我的关注”中查看"
            + ("" if kind in follows.LISTING_KINDS else "，有新发布时会通知您"),
            "success",
        )
    return redirect(back)

"""The signed-in workspace: my listings (create, edit, submit, withdraw, delete) and my broker profile."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.errors import InvalidTransition, ValidationFailed
from market.forms import LISTING_FORMS, BrokerProfileForm, ConfirmForm, MatchDecisionForm
from market.inputs.listing_files import MAX_FILES
from market.models import LISTING_MODELS
from market.models.vocab import LISTING_STATUSES, ROLES
from market.money import fen_to_yuan
from market.services import brokers, listing_gallery, listings, matching
from market.services.permissions import CREATOR_ROLES, can_create
from market.services.search import find_possible_duplicates
from market.services.taxonomy import field_names
from market.views.common import COLLECTIONS, KIND_COLLECTIONS, KIND_NAMES, page_args

bp = Blueprint("workspace", __name__, url_prefix="/my")

ACTION_MESSAGES = {"submit": "已提交", "withdraw": "已撤回", "reopen": "已转为草稿，可继续编辑"}
PUBLISHERS = {"achievement": "高校院所和企业", "demand": "企业", "equipment": "高校院所和企业"}


@bp.before_request
@login_required
def _require_login():
    pass


def _kind(collection: str) -> str:
    if collection not in COLLECTIONS:
        abort(404)
    return COLLECTIONS[collection]


@bp.get("/")
def show_dashboard():
    kinds = [kind for kind, roles in CREATOR_ROLES.items() if current_user.role in roles]
    counts = {kind: listings.list_managed_listings(current_user, kind, {}, 1, 1).total for kind in kinds}
    return render_template(
        "workspace/dashboard.html",
        kinds=kinds,
        counts=counts,
        kind_names=KIND_NAMES,
        collections=KIND_COLLECTIONS,
    )


@bp.get("/<collection>")
def list_my_listings(collection):
    kind = _kind(collection)
    status = request.args.get("status", "")
    result = listings.list_managed_listings(current_user, kind, {"status": status}, *page_args())
    return render_template(
        "workspace/listings.html",
        kind=kind,
        kind_name=KIND_NAMES[kind],
        collection=collection,
        page=result,
        status=status,
        statuses=LISTING_STATUSES,
        confirm_form=ConfirmForm(),
        can_create=can_create(current_user, kind),
        empty=_empty_state(kind, status),
    )


def _empty_state(kind: str, status: str) -> dict:
    """What an empty 我的… list says: it points only to what this person can do (a university has no
    发布技术需求 button, so its empty 我的技术需求 must not send it to one)."""
    name = KIND_NAMES[kind]
    library = {"label": f"浏览{name}库", "url": url_for(f"public.list_{KIND_COLLECTIONS[kind]}")}
    if status in LISTING_STATUSES:
        return {
            "text": f"没有“{LISTING_STATUSES[status]}”的{name}",
            "hint": f"点击“全部”查看本单位的全部{name}",
        }
    if can_create(current_user, kind):
        return {"text": f"还没有{name}", "hint": f"点击右上角“发布{name}”开始"}
    if current_user.role in CREATOR_ROLES[kind]:  # the role publishes, but the account has no organisation
        return {
            "text": f"还没有{name}",
            "hint": f"账号关联单位后才能发布{name}，请联系平台管理员",
            "link": library,
        }
    return {
        "text": f"{ROLES.get(current_user.role, '您的身份')}不发布{name}",
        "hint": f"{name}由{PUBLISHERS[kind]}发布，可以到{name}库查看已发布的{name}",
        "link": library,
    }


def _form_for(kind: str, **kwargs):
    form = LISTING_FORMS[kind](**kwargs)
    form.field.choices = [("", "请选择")] + [(name, name) for name in field_names()]
    return form


def _form_data(listing) -> dict:
    """A listing's stored values as the form shows them (yuan strings, joined lists)."""
    data = {name: getattr(listing, name, None) for name in LISTING_FORMS[listing.kind]()._fields}
    data["field"] = listing.field.name if listing.field else ""
    for attr, fen_attr in (
        ("price_yuan", "price_fen"),
        ("budget_min_yuan", "budget_min_fen"),
        ("budget_max_yuan", "budget_max_fen"),
        ("reward_yuan", "reward_fen"),
    ):
        if hasattr(listing, fen_attr):
            data[attr] = fen_to_yuan(getattr(listing, fen_attr)) or ""
    if listing.kind == "achievement":
        data["keywords"] = "、".join(listing.keywords or [])
        data["patent_numbers"] = "\n".join(listing.patent_numbers or [])
    if listing.kind == "demand":
        data["deadline"] = listing.deadline.isoformat() if listing.deadline else ""
    if listing.kind == "equipment":
        data["fee_items"] = [
            {
                "label": f.label,
                "unit": f.unit,
                "price_yuan": fen_to_yuan(f.price_fen) or "",
                "internal_price_yuan": fen_to_yuan(f.internal_price_fen) or "",
                "note": f.note or "",
            }
            for f in listing.fee_items
        ]
    return data


@bp.route("/<collection>/new", methods=["GET", "POST"])
def create_listing(collection):
    kind = _kind(collection)
    if current_user.role not in CREATOR_ROLES[kind]:
        abort(403)
    form = _form_for(kind)
    duplicates = []
    if form.validate_on_submit():
        submit = request.form.get("submit_action") == "submit"
        data = form.to_data()
        try:
            listings.check_listing(current_user, kind, data)
            if request.form.get("duplicates_seen") != "1":
                duplicates = find_possible_duplicates(kind, *_title_and_text(kind, data))
            if not duplicates:
                listing = listings.create_listing(current_user, kind, data, submit=submit)
                flash(_saved_message(listing), "success")
                return redirect(url_for("workspace.list_my_listings", collection=collection))
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
    return render_template(
        "workspace/form.html",
        form=form,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        collection=collection,
        listing=None,
        duplicates=duplicates,
    ), 422 if form.errors else 200


def _title_and_text(kind: str, data: dict) -> tuple[str, str]:
    model = LISTING_MODELS[kind]
    return data.get(model.TITLE_FIELD) or "", data.get(model.BODY_FIELD) or ""


@bp.route("/<collection>/<int:listing_id>/edit", methods=["GET", "POST"])
def edit_listing(collection, listing_id):
    kind = _kind(collection)
    listing = listings.get_managed_listing(current_user, kind, listing_id)
    form = _form_for(kind, data=None if request.method == "POST" else _form_data(listing))
    if form.validate_on_submit():
        try:
            listing = listings.update_listing(current_user, kind, listing_id, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash("已保存" + ("，修改内容需重新审核" if listing.status == "pending" else ""), "success")
            return redirect(url_for("workspace.list_my_listings", collection=collection))
    return render_template(
        "workspace/form.html",
        form=form,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        collection=collection,
        listing=listing,
        **_files_panel(listing),
    ), 422 if form.errors else 200


def _files_panel(listing) -> dict:
    """The edit page's pictures and documents (market/views/listing_files.py takes their forms)."""
    files = listing_gallery.files_of(listing.kind, listing.id)
    first_image = next((i for i, f in enumerate(files) if f.is_image), None)
    return {"files": files, "first_image_index": first_image, "max_files": MAX_FILES}


@bp.post("/<collection>/<int:listing_id>/<any(submit, withdraw, reopen):action>")
def change_listing_status(collection, listing_id, action):
    kind = _kind(collection)
    if ConfirmForm().validate_on_submit():
        try:
            listing = listings.change_status(current_user, kind, listing_id, action)
        except ValidationFailed as exc:
            flash(exc.message + "：" + "；".join(exc.fields.values()), "danger")
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash(_saved_message(listing) if action == "submit" else ACTION_MESSAGES[action], "success")
    return redirect(url_for("workspace.list_my_listings", collection=collection))


@bp.post("/<collection>/<int:listing_id>/delete")
def delete_listing(collection, listing_id):
    kind = _kind(collection)
    if ConfirmForm().validate_on_submit():
        try:
            listings.delete_listing(current_user, kind, listing_id)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash("已删除", "success")
    return redirect(url_for("workspace.list_my_listings", collection=collection))


def _saved_message(listing) -> str:
    return {"draft": "草稿已保存", "pending": "已提交，等待平台审核", "published": "已发布"}.get(
        listing.status, "已保存"
    )


@bp.route("/broker-profile", methods=["GET", "POST"])
def edit_broker_profile():
    if current_user.role != "broker":
        abort(403)
    profile = current_user.broker_profile
    form = BrokerProfileForm(
        data=None
        if request.method == "POST"
        else {
            "bio": profile.bio if profile else "",
            "specialties": [f.name for f in profile.specialties] if profile else [],
        }
    )
    form.specialties.choices = [(name, name) for name in field_names()]
    if form.validate_on_submit():
        try:
            brokers.update_broker_profile(current_user, current_user.id, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash("经纪人资料已保存", "success")
            return redirect(url_for("workspace.edit_broker_profile"))
    return render_template("workspace/broker_profile.html", form=form, profile=profile)


# ---- brokers' match queue ----------------------------------------------------------------------------

QUEUE_PER_PAGE = 10


@bp.get("/matches")
def list_match_queue():
    page = matching.match_queue(current_user, request.args.get("page", 1), QUEUE_PER_PAGE)
    return render_template("workspace/matches.html", page=page, reasons=matching.REJECT_REASONS)


@bp.post("/matches/decide")
def decide_match():
    form = MatchDecisionForm()
    if not form.validate_on_submit():
        flash("页面已过期或内容无效，请刷新后重试", "warning")
    else:
        try:
            decision = matching.decide_match(
                current_user,
                form.demand_id.data,
                form.achievement_id.data,
                form.decision.data,
                reason_code=form.reason_code.data or None,
                note=form.note.data,
                score=form.score.data,
            )
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()) or exc.message, "danger")
        else:
            verdict = (
                "已接受"
                if decision.decision == "accepted"
                else f"已拒绝（{matching.REJECT_REASONS[decision.reason_code]}）"
            )
            flash(f"{verdict}：{decision.demand.title} ↔ {decision.achievement.title}", "success")
            return redirect(
                url_for(
                    "workspace.list_match_queue",
                    page=request.args.get("page", type=int) or 1,
                    deal=getattr(decision, "opened_deal_id", None),
                )
            )
    return redirect(url_for("workspace.list_match_queue", page=request.args.get("page", type=int) or 1))

"""Deals in HTML: open (我要对接), thread, stages, NDA, the broker's board, claimable deals, performance."""

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from market.errors import InvalidTransition, NotFound, ValidationFailed
from market.forms import ConfirmForm
from market.forms.deals import (
    BrokerChoiceForm,
    DealNoteForm,
    MessageForm,
    NextActionForm,
    OpenDealForm,
    StageForm,
)
from market.models.base import utcnow
from market.models.vocab import DEAL_NOTE_KINDS, DEAL_STAGES, DEAL_TERMINATION_REASONS
from market.services import brokers, contracts, deals, listings
from market.services.permissions import is_admin
from market.views.common import page_args

bp = Blueprint("deals", __name__, url_prefix="/deals")

# Who sees the 我要对接 button on which listing page: enterprises ask about results, universities answer
# demands.
OPENER_ROLES = {"achievement": ("enterprise",), "demand": ("university",)}
STAGE_PATH = ("intent", "negotiation", "signing", "registered")
BROKERS_SHOWN = 100


@bp.before_request
@login_required
def _require_login():
    pass


# ---- presentation helpers ----------------------------------------------------------------------------


def quiet_days(deal) -> int:
    """Whole days since the deal's last activity."""
    return max(0, (utcnow() - deal.last_activity_at).days)


def other_party(deal) -> str:
    """The organisation on the other side for a party; both sides for a broker or an admin."""
    org_id = current_user.organisation_id
    if org_id == deal.seller_org_id:
        return deal.buyer.name
    if org_id == deal.buyer_org_id:
        return deal.seller.name
    return f"{deal.seller.name} ↔ {deal.buyer.name}"


def _helpers() -> dict:
    return {
        "is_stale": deals.is_stale,
        "quiet_days": quiet_days,
        "other_party": other_party,
        "stages": DEAL_STAGES,
        "stale_days": deals.stale_days(),
    }


def _field_broker_options(field_name: str | None) -> list[tuple[str, str]]:
    if not field_name:
        return []
    profiles = brokers.list_brokers({"field": field_name}, 1, BROKERS_SHOWN).items
    return [(str(p.user.id), f"{p.user.display_name}（{p.certification_label}）") for p in profiles]


def _offer_brokers(form: OpenDealForm, listing) -> OpenDealForm:
    """The broker select of the 我要对接 form: the brokers of the listing's field."""
    field_name = listing.field.name if listing is not None and listing.field else None
    form.requested_broker_id.choices = form.requested_broker_id.choices[:1] + _field_broker_options(
        field_name
    )
    return form


@bp.app_template_global("deal_entry")
def deal_entry(listing) -> dict:
    """What a listing page offers for 我要对接: the form, a sign-in link, or why the user cannot."""
    roles = OPENER_ROLES.get(listing.kind)
    if roles is None or listing.status != "published":
        return {"state": "none"}
    if not current_user.is_authenticated:
        return {"state": "anonymous"}
    if current_user.role not in roles:
        return {"state": "broker" if current_user.role == "broker" else "none"}
    if current_user.organisation_id == listing.org_id:
        return {"state": "own"}
    if not current_user.is_verified:
        return {"state": "unverified"}
    form = OpenDealForm(formdata=None, data={f"{listing.kind}_id": str(listing.id)})
    return {"state": "open", "form": _offer_brokers(form, listing)}


# ---- opening -----------------------------------------------------------------------------------------


@bp.post("/")
def open_deal():
    form = OpenDealForm()
    if form.validate_on_submit():
        try:
            deal, is_new = deals.open_deal(current_user, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(
                "已发起对接，对方会收到通知；技术经纪人认领后将协助推进"
                if is_new
                else "已有进行中的对接，请在此继续沟通",
                "success" if is_new else "info",
            )
            return redirect(url_for("deals.show_deal", deal_id=deal.id))
    listing = _listing_of(form)
    return render_template("deals/open.html", form=_offer_brokers(form, listing), listing=listing), 422


def _listing_of(form):
    """The listing the form named, for showing the form again; None when it cannot be shown."""
    for kind in ("achievement", "demand"):
        raw = getattr(form, f"{kind}_id").data
        if raw:
            try:
                return listings.get_listing(current_user, kind, raw)
            except NotFound:
                return None
    return None


# ---- lists -------------------------------------------------------------------------------------------


@bp.get("/")
def list_deals():
    filters = {"stage": request.args.get("stage", ""), "stale": request.args.get("stale", "")}
    page = deals.list_deals(current_user, filters, *page_args())
    return render_template(
        "deals/list.html", page=page, filters=filters, filtered=any(filters.values()), **_helpers()
    )


@bp.get("/board")
def show_board():
    columns = deals.board(current_user)
    return render_template("deals/board.html", columns=columns, **_helpers())


@bp.get("/claimable")
def list_claimable_deals():
    page = deals.claimable_deals(current_user, *page_args())
    return render_template("deals/claimable.html", page=page, confirm_form=ConfirmForm())


@bp.post("/<int:deal_id>/claim")
def claim_deal(deal_id):
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("deals.list_claimable_deals"))
    try:
        deals.claim_deal(current_user, deal_id)
    except InvalidTransition as exc:
        flash(exc.message, "warning")
        return redirect(url_for("deals.list_claimable_deals"))
    flash("已认领该对接，请尽快与双方联系", "success")
    return _back(deal_id)


# ---- the deal page -----------------------------------------------------------------------------------


def _next_stage(deal) -> str | None:
    return next((s for s in deals.TRANSITIONS[deal.stage] if s != "terminated"), None)


def _actions(deal) -> dict:
    """Which blocks and buttons the user sees: the same conditions the service checks."""
    admin = is_admin(current_user)
    party = deals.is_party(current_user, deal)
    broker = deals.is_deal_broker(current_user, deal)
    acting = admin or party or broker
    return {
        "party": party,
        "broker": broker,
        "admin": admin,
        "move": acting and deal.is_open and _next_stage(deal) is not None,
        "terminate": acting and deal.is_open,
        "message": acting,
        "note": broker or admin,
        "next_action": (broker or admin) and deal.is_open,
        "request_broker": party and deal.broker_id is None and deal.is_open,
        "assign_broker": admin and deal.is_open,
    }


def _render_deal(deal, status=200, **forms):
    can = _actions(deal)
    if "broker_form" not in forms:
        forms["broker_form"] = BrokerChoiceForm(formdata=None)
    if can["assign_broker"]:
        forms["broker_form"].broker_id.choices = [("", "请选择")] + [
            (str(b.id), b.display_name) for b in contracts.broker_choices()
        ]
    elif can["request_broker"]:
        forms["broker_form"].broker_id.choices = [("", "请选择")] + _field_broker_options(
            deal.field.name if deal.field else None
        )
    ndas = {org_id: deals.nda_accepted(deal, org_id) for org_id in (deal.seller_org_id, deal.buyer_org_id)}
    achievement = deal.achievement
    has_confidential = bool(achievement is not None and achievement.confidential_details)
    confidential = None
    if has_confidential and deals.can_see_confidential(current_user, achievement):
        confidential = achievement.confidential_details
    next_form = forms.pop("next_action_form", None) or NextActionForm(
        formdata=None,
        data={
            "next_action": deal.next_action or "",
            "next_action_due": deal.next_action_due.isoformat() if deal.next_action_due else "",
        },
    )
    return render_template(
        "deals/show.html",
        deal=deal,
        can=can,
        thread=deals.thread(current_user, deal.id),
        ndas=ndas,
        nda_text=deals.NDA_TEXT,
        nda_needed=can["party"] and ndas.get(current_user.organisation_id) is None,
        confidential=confidential,
        has_confidential=has_confidential,
        next_stage=_next_stage(deal),
        stage_path=STAGE_PATH,
        reasons=DEAL_TERMINATION_REASONS,
        note_kinds=DEAL_NOTE_KINDS,
        message_form=forms.pop("message_form", None) or MessageForm(formdata=None),
        stage_form=forms.pop("stage_form", None) or StageForm(formdata=None),
        note_form=forms.pop("note_form", None) or DealNoteForm(formdata=None),
        next_action_form=next_form,
        confirm_form=ConfirmForm(),
        max_file_mb=deals.MAX_FILE_BYTES // 1024 // 1024,
        **forms,
        **_helpers(),
    ), status


def _back(deal_id):
    return redirect(url_for("deals.show_deal", deal_id=deal_id))


@bp.get("/<int:deal_id>")
def show_deal(deal_id):
    return _render_deal(deals.get_deal(current_user, deal_id))


STAGE_MESSAGES = {
    "negotiation": "对接已进入“对接洽谈”阶段",
    "signing": "对接已进入“签约”阶段，已生成合同草稿：请在合同页面核对金额等信息后提交登记",
    "terminated": "对接已终止",
}


@bp.post("/<int:deal_id>/stage")
def move_stage(deal_id):
    form = StageForm()
    if not form.validate_on_submit():
        return _back(deal_id)
    to = form.to.data or ""
    try:
        if to == "terminated":
            deals.move_stage(current_user, deal_id, to, reason=form.reason.data, note=form.note.data)
        else:
            deals.move_stage(current_user, deal_id, to)
    except InvalidTransition as exc:
        flash(exc.message, "danger")
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_deal(deals.get_deal(current_user, deal_id), 422, stage_form=form)
    else:
        flash(STAGE_MESSAGES.get(to, "已更新"), "success")
    return _back(deal_id)


@bp.post("/<int:deal_id>/messages")
def post_message(deal_id):
    form = MessageForm()
    if not form.validate_on_submit():
        return _back(deal_id)
    upload = form.file.data
    has_file = bool(upload and getattr(upload, "filename", ""))
    content = upload.stream.read(deals.MAX_FILE_BYTES + 1) if has_file else None
    try:
        deals.post_message(
            current_user, deal_id, form.body.data or "", upload.filename if has_file else None, content
        )
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_deal(deals.get_deal(current_user, deal_id), 422, message_form=form)
    flash("留言已发送", "success")
    return redirect(url_for("deals.show_deal", deal_id=deal_id, _anchor="thread"))


@bp.get("/<int:deal_id>/messages/<int:message_id>/file")
def download_message_file(deal_id, message_id):
    message, path = deals.message_file(current_user, deal_id, message_id)
    return send_file(path, as_attachment=True, download_name=message.filename)


@bp.post("/<int:deal_id>/notes")
def add_note(deal_id):
    form = DealNoteForm()
    if not form.validate_on_submit():
        return _back(deal_id)
    try:
        note = deals.add_note(current_user, deal_id, form.kind.data, form.body.data or "")
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_deal(deals.get_deal(current_user, deal_id), 422, note_form=form)
    flash(f"已记录：{DEAL_NOTE_KINDS.get(note.kind, note.kind)}（仅经纪人和管理员可见）", "success")
    return redirect(url_for("deals.show_deal", deal_id=deal_id, _anchor="thread"))


@bp.post("/<int:deal_id>/next-action")
def set_next_action(deal_id):
    form = NextActionForm()
    if not form.validate_on_submit():
        return _back(deal_id)
    try:
        deals.set_next_action(current_user, deal_id, form.to_data())
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_deal(deals.get_deal(current_user, deal_id), 422, next_action_form=form)
    flash("下一步已保存", "success")
    return _back(deal_id)


@bp.post("/<int:deal_id>/nda")
def accept_nda(deal_id):
    if ConfirmForm().validate_on_submit():
        deals.accept_nda(current_user, deal_id)
        flash("已签署保密协议", "success")
    return _back(deal_id)


@bp.post("/<int:deal_id>/broker-request")
def request_broker(deal_id):
    form = BrokerChoiceForm()
    if not form.validate_on_submit():
        return _back(deal_id)
    try:
        deals.request_broker(current_user, deal_id, form.broker_id.data)
    except InvalidTransition as exc:
        flash(exc.message, "warning")
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_deal(deals.get_deal(current_user, deal_id), 422, broker_form=form)
    else:
        flash("已邀请该技术经纪人，对方认领后即开始跟进", "success")
    return _back(deal_id)


@bp.post("/<int:deal_id>/broker")
def assign_broker(deal_id):
    form = BrokerChoiceForm()
    if not form.validate_on_submit():
        return _back(deal_id)
    try:
        deal = deals.assign_broker(current_user, deal_id, form.broker_id.data)
    except InvalidTransition as exc:
        flash(exc.message, "warning")
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_deal(deals.get_deal(current_user, deal_id), 422, broker_form=form)
    else:
        flash(f"已指派技术经纪人：{deal.broker.display_name}", "success")
    return _back(deal_id)

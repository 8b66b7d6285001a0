"""揭榜挂帅 pages: the public list and a call's page, publishing and changing a call, its clarifications and
cancellation, suggested applicants and invitations, the owner's list of applications, and /my/challenges.
The application pages add their routes to this blueprint (views/challenge_applications)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.forms.challenges import CancelForm, ChallengeForm, ClarificationForm, InvitationForm
from market.models.challenge_vocab import CHALLENGE_PUBLIC_STATUSES
from market.services import challenges
from market.services.permissions import can_see_contact, is_admin
from market.services.taxonomy import field_names
from market.views.common import page_args

bp = Blueprint("challenges", __name__)

# What the public list filters by: the statuses a visitor looks for (即将征集 and 已终止 too).
LIST_STATUSES = CHALLENGE_PUBLIC_STATUSES
MY_TABS = {"calls": "我发布的榜单", "applications": "本单位的揭榜方案", "invitations": "收到的揭榜邀请"}


@bp.app_template_global()
def challenge_links(demand_ids) -> dict:
    """Demand id → /challenges/<id> for the demands that carry a call (demand page, home, search, review)."""
    return {
        demand: f"/challenges/{call}" for demand, call in challenges.call_ids_of(list(demand_ids)).items()
    }


@bp.app_template_global()
def challenge_status(challenge) -> tuple:
    """(public status code, its label, days left) of a call, for the lists."""
    return (
        challenges.public_status(challenge),
        challenges.public_status_label(challenge),
        challenges.days_left(challenge),
    )


@bp.get("/challenges")
def list_challenges():
    filters = {"status": request.args.get("status", ""), "field": request.args.get("field", "")}
    page = challenges.list_public_calls(filters, *page_args())
    return render_template(
        "challenges/list.html",
        page=page,
        filters=filters,
        statuses=LIST_STATUSES,
        fields=field_names(),
        can_publish=challenges.can_publish(current_user),
    )


@bp.get("/challenges/<int:challenge_id>")
def show_challenge(challenge_id):
    challenge = challenges.get_challenge(current_user, challenge_id)
    manage = challenges.can_manage_challenge(current_user, challenge)
    own = challenges.own_application(current_user, challenge)
    refusal = challenges.eligibility_problem(current_user, challenge) or challenges.window_problem(challenge)
    return render_template(
        "challenges/call_show.html",
        challenge=challenge,
        demand=challenge.demand,
        history=challenges.history(challenge),
        status=challenges.public_status(challenge),
        status_label=challenges.public_status_label(challenge),
        days_left=challenges.days_left(challenge),
        manage=manage,
        edit_block=challenges.edit_block(challenge) if manage else None,
        own=own,
        may_apply=own is None and refusal is None,
        apply_refusal=refusal,
        invitation=challenges.invitation_for(current_user, challenge),
        show_contact=can_see_contact(current_user),
        clarify_form=ClarificationForm() if manage else None,
        cancel_form=CancelForm() if manage else None,
        can_invite=manage and challenges.can_invite(challenge),
    )


# ---- publish and change ----------------------------------------------------------------------------------


def _call_form(**kwargs) -> ChallengeForm:
    form = ChallengeForm(**kwargs)
    if request.method != "POST":  # a stored call with every row filled gets a spare one
        for rows in (form.funding_shares, form.criteria, form.milestones):
            if all(
                any((f.data or "") for f in entry.form if f.name.endswith(("source", "name", "title")))
                for entry in rows
            ):
                rows.append_entry()
    form.field.choices = [("", "请选择")] + [(name, name) for name in field_names()]
    form.org_id.choices = [(str(org.id), org.name) for org in challenges.publishing_orgs(current_user)]
    return form


def _new_defaults() -> dict:
    return {
        "funding_shares": [{"source": "发榜单位", "percent": "100"}],
        "selection_mode": "single",
        "org_id": str(current_user.organisation_id or ""),
    }


def _render_form(form, challenge=None):
    return render_template(
        "challenges/call_form.html", form=form, challenge=challenge, choose_org=is_admin(current_user)
    ), 422 if form.errors else 200


@bp.route("/challenges/new", methods=["GET", "POST"])
@login_required
def new_challenge():
    if reason := challenges.publish_refusal(current_user):
        raise PermissionDenied(reason)
    form = _call_form(data=None if request.method == "POST" else _new_defaults())
    if form.validate_on_submit():
        data = form.to_data()
        if not is_admin(current_user):
            data.pop("org_id", None)
        try:
            challenge = challenges.create_call(current_user, data)
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash("榜单已提交平台审核，审核通过后公开发布", "success")
            return redirect(url_for("challenges.show_challenge", challenge_id=challenge.id))
    return _render_form(form)


@bp.route("/challenges/<int:challenge_id>/edit", methods=["GET", "POST"])
@login_required
def edit_challenge(challenge_id):
    challenge = challenges.get_managed_challenge(current_user, challenge_id)
    if reason := challenges.edit_block(challenge):
        flash(reason, "warning")
        return redirect(url_for("challenges.show_challenge", challenge_id=challenge.id))
    form = _call_form(data=None if request.method == "POST" else challenges.call_data(challenge))
    if form.validate_on_submit():
        data = {k: v for k, v in form.to_data().items() if k != "org_id"}
        try:
            challenges.update_call(current_user, challenge_id, data)
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
            return redirect(url_for("challenges.show_challenge", challenge_id=challenge_id))
        else:
            flash("榜单已修改并重新提交平台审核", "success")
            return redirect(url_for("challenges.show_challenge", challenge_id=challenge_id))
    return _render_form(form, challenge)


def _act_on_call(challenge_id, form, act, done: str):
    """A POST from the call page's owner panel: the service's refusal is flashed, the page shown again."""
    if form.validate_on_submit():
        try:
            act(current_user, challenge_id, form.to_data())
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()) or exc.message, "danger")
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash(done, "success")
    return redirect(url_for("challenges.show_challenge", challenge_id=challenge_id))


@bp.post("/challenges/<int:challenge_id>/clarify")
@login_required
def clarify_challenge(challenge_id):
    return _act_on_call(
        challenge_id, ClarificationForm(), challenges.clarify_call, "补充说明已发布，已通知各揭榜单位"
    )


@bp.post("/challenges/<int:challenge_id>/cancel")
@login_required
def cancel_challenge(challenge_id):
    return _act_on_call(challenge_id, CancelForm(), challenges.cancel_call, "榜单已终止，已通知各揭榜单位")


# ---- the owner's pages -----------------------------------------------------------------------------------


@bp.get("/challenges/<int:challenge_id>/applications")
@login_required
def list_challenge_applications(challenge_id):
    challenge = challenges.get_managed_challenge(current_user, challenge_id)
    page = challenges.list_applications(current_user, challenge.id, *page_args())
    return render_template("challenges/call_applications.html", challenge=challenge, page=page)


@bp.get("/challenges/<int:challenge_id>/suggestions")
@login_required
def list_challenge_suggestions(challenge_id):
    challenge, suggested = challenges.suggested_applicants(current_user, challenge_id)
    return render_template(
        "challenges/call_suggestions.html",
        challenge=challenge,
        strong=[s for s in suggested if not s.weak],
        weak=[s for s in suggested if s.weak],
        invitations=challenges.list_invitations(current_user, challenge.id, *page_args()),
        can_invite=challenges.can_invite(challenge),
    )


@bp.post("/challenges/<int:challenge_id>/invitations")
@login_required
def invite_to_challenge(challenge_id):
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invitation = challenges.invite(current_user, challenge_id, form.to_data())
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()), "danger")
        except (InvalidTransition, Conflict) as exc:
            flash(exc.message, "warning")
        else:
            flash(f"已邀请{invitation.organisation.name}揭榜，并通知了该单位", "success")
    return redirect(url_for("challenges.list_challenge_suggestions", challenge_id=challenge_id))


@bp.get("/my/challenges")
@login_required
def my_challenges():
    tab = request.args.get("tab", "")
    if tab not in MY_TABS:
        tab = "calls" if current_user.role in ("enterprise", "admin") else "applications"
    listing = {
        "calls": challenges.list_managed_calls,
        "applications": challenges.list_own_applications,
        "invitations": challenges.received_invitations,
    }[tab]
    return render_template(
        "challenges/my.html",
        tab=tab,
        tabs=MY_TABS,
        page=listing(current_user, *page_args()),
        can_publish=challenges.can_publish(current_user),
    )

"""Admin pages: verification, review queue, users, taxonomy, settings, policies, audit log."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.errors import InvalidTransition, NotFound, ValidationFailed
from market.forms import ConfirmForm, NoteForm
from market.forms.admin import FieldForm, PolicyForm
from market.models.vocab import AUDIT_OBJECT_TYPES, ROLES, VERIFICATION_STATES
from market.services import (
    accounts,
    audit_log,
    event_jobs,
    indexing,
    listings,
    mailbox,
    matching,
    organisations,
    policies,
    settings,
    taxonomy,
)
from market.services.permissions import is_admin
from market.views.common import COLLECTIONS, KIND_COLLECTIONS, KIND_NAMES, page_args

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _require_admin():
    if not is_admin(current_user):
        abort(403)


@bp.get("/")
def show_dashboard():
    pending_orgs = organisations.list_organisations(current_user, "pending", 1, 1).total
    return render_template(
        "admin/dashboard.html",
        pending=listings.pending_counts(current_user),
        pending_orgs=pending_orgs,
        kind_names=KIND_NAMES,
        collections=KIND_COLLECTIONS,
    )


@bp.get("/organisations")
def list_organisations():
    state = request.args.get("state", "pending")
    result = organisations.list_organisations(current_user, state, *page_args())
    return render_template(
        "admin/organisations.html",
        page=result,
        state=state,
        states=VERIFICATION_STATES,
        confirm_form=ConfirmForm(),
        note_form=NoteForm(),
    )


@bp.post("/organisations/<int:org_id>/<any(verify, reject):decision>")
def decide_organisation(org_id, decision):
    form = NoteForm()
    if form.validate_on_submit():
        try:
            org = organisations.decide_verification(
                current_user, org_id, decision == "verify", form.note.data
            )
        except (ValidationFailed, InvalidTransition) as exc:
            flash("；".join(exc.fields.values()) or exc.message, "danger")
        else:
            flash(f"{org.name}：{org.verification_label}", "success")
    return redirect(url_for("admin.list_organisations", state=request.args.get("state", "pending")))


@bp.get("/review/<collection>")
def list_review_queue(collection):
    if collection not in COLLECTIONS:
        abort(404)
    kind = COLLECTIONS[collection]
    return render_template(
        "admin/review.html",
        page=listings.review_queue(current_user, kind, *page_args()),
        kind=kind,
        collection=collection,
        kind_names=KIND_NAMES,
        collections=KIND_COLLECTIONS,
        pending=listings.pending_counts(current_user),
        note_form=NoteForm(),
    )


@bp.post("/review/<collection>/<int:listing_id>/<any(approve, reject):action>")
def review_listing(collection, listing_id, action):
    if collection not in COLLECTIONS:
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            listing = listings.change_status(
                current_user, COLLECTIONS[collection], listing_id, action, form.note.data
            )
        except (ValidationFailed, InvalidTransition) as exc:
            flash("；".join(exc.fields.values()) or exc.message, "danger")
        else:
            flash(f"《{listing.title}》{'已发布' if action == 'approve' else '已退回'}", "success")
    return redirect(url_for("admin.list_review_queue", collection=collection))


@bp.get("/users")
def list_users():
    q, role = request.args.get("q", ""), request.args.get("role", "")
    return render_template(
        "admin/users.html",
        page=accounts.list_users(current_user, q, role, *page_args()),
        q=q,
        role=role,
        roles=ROLES,
        confirm_form=ConfirmForm(),
    )


@bp.post("/users/<int:user_id>")
def update_user(user_id):
    if ConfirmForm().validate_on_submit():
        data = {k: request.form[k] for k in ("role", "active") if k in request.form}
        try:
            user = accounts.update_user(current_user, user_id, data)
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()), "danger")
        else:
            flash(f"已更新用户 {user.email}", "success")
    return redirect(
        request.referrer
        if (request.referrer or "").startswith(request.host_url)
        else url_for("admin.list_users")
    )


@bp.post("/users/<int:user_id>/sign-out")
def sign_out_user(user_id):
    if ConfirmForm().validate_on_submit():
        try:
            user = accounts.sign_out_everywhere(current_user, user_id)
        except NotFound as exc:
            flash(exc.message, "danger")
        else:
            flash(f"已让 {user.email} 在所有设备上退出登录，其 API 令牌已作废", "success")
    return redirect(
        request.referrer
        if (request.referrer or "").startswith(request.host_url)
        else url_for("admin.list_users")
    )


@bp.get("/mail")
def list_mail():
    return render_template(
        "admin/mail.html",
        messages=mailbox.kept_mail(current_user),
        server=current_app.config.get("MAIL_SERVER"),
    )


@bp.get("/mail/<name>")
def show_mail(name):
    return render_template("admin/mail_message.html", message=mailbox.kept_message(current_user, name))


@bp.route("/fields", methods=["GET", "POST"])
def list_fields():
    form = FieldForm()
    if form.validate_on_submit():
        try:
            field = taxonomy.create_field(current_user, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(f"已添加领域：{field.name}", "success")
            return redirect(url_for("admin.list_fields"))
    return render_template(
        "admin/fields.html",
        fields=taxonomy.list_fields(active_only=False),
        form=form,
        confirm_form=ConfirmForm(),
    ), 422 if form.errors else 200


@bp.post("/fields/<int:field_id>")
def update_field(field_id):
    form = FieldForm()
    if form.validate_on_submit():
        data = {**form.to_data(), **({"active": request.form["active"]} if "active" in request.form else {})}
        try:
            field = taxonomy.update_field(current_user, field_id, data)
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()), "danger")
        else:
            flash(f"已更新领域：{field.name}", "success")
    return redirect(url_for("admin.list_fields"))


@bp.route("/settings", methods=["GET", "POST"])
def edit_settings():
    form = ConfirmForm()
    typed, errors = {}, {}
    if form.validate_on_submit():
        typed = {
            "auto_publish_verified": request.form.get("auto_publish_verified") == "1",
            "deal_stale_days": request.form.get("deal_stale_days"),
        }
        try:
            settings.update_settings(current_user, typed)
        except ValidationFailed as exc:
            errors = exc.fields
        else:
            flash("设置已保存", "success")
            return redirect(url_for("admin.edit_settings"))
    values = {**settings.get_settings(current_user), **{k: v for k, v in typed.items() if v is not None}}
    return render_template(
        "admin/settings.html", form=form, values=values, errors=errors
    ), 422 if errors else 200


@bp.get("/policies")
def list_policies():
    q = request.args.get("q", "")
    return render_template(
        "admin/policies.html",
        page=policies.list_policies({"q": q}, *page_args()),
        q=q,
        confirm_form=ConfirmForm(),
    )


@bp.route("/policies/new", methods=["GET", "POST"])
@bp.route("/policies/<int:policy_id>/edit", methods=["GET", "POST"])
def edit_policy(policy_id=None):
    policy = policies.get_policy(policy_id) if policy_id else None
    data = None
    if policy and request.method == "GET":
        data = {name: getattr(policy, name) for name in PolicyForm()._fields if hasattr(policy, name)}
        data["tags"] = "、".join(policy.tags or [])
        for name in ("published_on", "effective_on", "expires_on"):
            data[name] = data[name].isoformat() if data[name] else ""
    form = PolicyForm(data=data)
    if form.validate_on_submit():
        try:
            if policy:
                policy = policies.update_policy(current_user, policy.id, form.to_data())
            else:
                policy = policies.create_policy(current_user, form.to_data())
        except ValidationFailed as exc:
            form.apply_errors(exc.fields)
        else:
            flash(f"已保存：{policy.title}", "success")
            return redirect(url_for("admin.list_policies"))
    return render_template("admin/policy_form.html", form=form, policy=policy), 422 if form.errors else 200


@bp.post("/policies/<int:policy_id>/delete")
def delete_policy(policy_id):
    if ConfirmForm().validate_on_submit():
        policies.delete_policy(current_user, policy_id)
        flash("政策已删除", "success")
    return redirect(url_for("admin.list_policies"))


@bp.get("/search-index")
def show_index_status():
    return render_template(
        "admin/search_index.html",
        status=indexing.index_status(),
        kind_names=KIND_NAMES,
        jobs=event_jobs.job_counts(),
        parked=event_jobs.list_jobs(current_user, "parked", *page_args()),
        confirm_form=ConfirmForm(),
    )


@bp.post("/jobs/<int:job_id>/retry")
def retry_event_job(job_id):
    if ConfirmForm().validate_on_submit():
        try:
            job = event_jobs.retry_job(current_user, job_id)
        except InvalidTransition as exc:
            flash(exc.message, "warning")
        else:
            flash(f"任务 #{job.id} 已重新排队，后台任务进程会再次处理", "success")
    return redirect(url_for("admin.show_index_status"))


@bp.post("/jobs/retry-parked")
def retry_parked_jobs():
    if ConfirmForm().validate_on_submit():
        flash(f"已重新排队 {event_jobs.retry_parked_jobs(current_user)} 个任务", "success")
    return redirect(url_for("admin.show_index_status"))


@bp.get("/audit")
def list_audit_entries():
    object_type = request.args.get("type", "")
    return render_template(
        "admin/audit.html",
        page=audit_log.list_audit_entries(current_user, object_type, *page_args()),
        object_type=object_type,
        object_types=AUDIT_OBJECT_TYPES,
    )


@bp.get("/matching")
def show_match_precision():
    return render_template(
        "admin/matching.html",
        weeks=matching.decision_precision(current_user),
        weights=matching.fusion_weights_report(current_user),
        thresholds=matching.band_thresholds(),
    )

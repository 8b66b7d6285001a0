"""揭榜 pages on the challenges blueprint: apply to a call (save as draft or submit, with the plan PDF), an
application's page for those allowed, changing, submitting and withdrawing it, and its plan PDF."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.downloads import send_stored_file
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.forms import ConfirmForm
from market.forms.challenges import ApplicationForm
from market.services import challenges
from market.services.base import parse_row_id
from market.services.challenges.documents import MAX_DOCUMENT_BYTES
from market.views.challenges import bp

MISSING_FILE_AGAIN = "页面有误，文件未保存：请改正后重新选择 PDF 文件"


def _application_form(challenge, application=None, **kwargs) -> ApplicationForm:
    """The form, its schedule one row per milestone of the call (the saved dates filled in)."""
    form = ApplicationForm(**kwargs)
    form.prior_achievement_ids.choices = [
        (str(result.id), result.title) for result in challenges.own_results(current_user)
    ]
    if request.method != "POST":
        saved = {item["milestone_id"]: item for item in (application.schedule if application else [])}
        while form.schedule.entries:
            form.schedule.pop_entry()
        for milestone in challenge.milestones:
            item = saved.get(milestone.id, {})
            form.schedule.append_entry(
                {
                    "milestone_id": milestone.id,
                    "planned_on": item.get("planned_on", ""),
                    "note": item.get("note", ""),
                }
            )
    return form


def _plan_file():
    """The uploaded PDF as (filename, bytes), or None when none was chosen."""
    upload = request.files.get("plan_file")
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.stream.read(MAX_DOCUMENT_BYTES + 1)


def _render_form(form, challenge, application=None):
    milestones = {m.id: m for m in challenge.milestones}
    rows = [(entry, milestones.get(parse_row_id(entry.form.milestone_id.data))) for entry in form.schedule]
    return render_template(
        "challenges/application_form.html",
        form=form,
        challenge=challenge,
        application=application,
        schedule_rows=rows,
        plan_document=challenges.plan_document(application) if application else None,
    ), 422 if form.errors else 200


def _refused(form, exc: ValidationFailed, sent_file) -> None:
    form.apply_errors(exc.fields)
    if sent_file is not None and "plan_file" not in exc.fields:
        form.plan_file.errors = [MISSING_FILE_AGAIN]


@bp.route("/challenges/<int:challenge_id>/apply", methods=["GET", "POST"])
@login_required
def apply_to_challenge(challenge_id):
    challenge = challenges.get_challenge(current_user, challenge_id)
    if (own := challenges.own_application(current_user, challenge)) is not None:
        flash("本单位已揭榜该榜单，请在已有的揭榜方案上修改", "info")
        return redirect(url_for("challenges.show_application", application_id=own.id))
    if problem := challenges.eligibility_problem(current_user, challenge):
        raise PermissionDenied(problem)
    if problem := challenges.window_problem(challenge):
        flash(problem, "warning")
        return redirect(url_for("challenges.show_challenge", challenge_id=challenge.id))
    form = _application_form(challenge)
    if form.validate_on_submit():
        submit, sent_file = request.form.get("action") == "submit", _plan_file()
        try:
            application = challenges.create_application(
                current_user, challenge.id, form.to_data(), submit=submit, plan_file=sent_file
            )
        except ValidationFailed as exc:
            _refused(form, exc, sent_file)
        except (Conflict, InvalidTransition) as exc:
            flash(exc.message, "warning")
            return redirect(url_for("challenges.show_challenge", challenge_id=challenge.id))
        else:
            flash("揭榜方案已提交，发榜单位会收到通知" if submit else "揭榜方案草稿已保存", "success")
            return redirect(url_for("challenges.show_application", application_id=application.id))
    return _render_form(form, challenge)


@bp.get("/challenges/applications/<int:application_id>")
@login_required
def show_application(application_id):
    application = challenges.get_application(current_user, application_id)
    challenge = application.challenge
    planned = {item["milestone_id"]: item for item in application.schedule or []}
    return render_template(
        "challenges/application_show.html",
        application=application,
        challenge=challenge,
        schedule_rows=[(m, planned.get(m.id)) for m in challenge.milestones],
        prior_results=challenges.prior_results(application),
        plan_document=challenges.plan_document(application),
        can_change=challenges.can_change(current_user, application),
        manage=challenges.can_manage_challenge(current_user, challenge),
    )


@bp.route("/challenges/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit_application(application_id):
    application = challenges.get_application(current_user, application_id)
    if not challenges.can_change(current_user, application):
        flash("揭榜方案现在不能修改（只有揭榜单位在征集截止日当天及之前可以修改）", "warning")
        return redirect(url_for("challenges.show_application", application_id=application.id))
    challenge = application.challenge
    data = None if request.method == "POST" else challenges.application_data(application)
    if data is not None:
        data["prior_achievement_ids"] = [str(i) for i in data["prior_achievement_ids"]]
    form = _application_form(challenge, application, data=data)
    if form.validate_on_submit():
        submit, sent_file = request.form.get("action") == "submit", _plan_file()
        try:
            challenges.update_application(
                current_user, application.id, form.to_data(), submit=submit, plan_file=sent_file
            )
        except ValidationFailed as exc:
            _refused(form, exc, sent_file)
        except InvalidTransition as exc:
            flash(exc.message, "warning")
            return redirect(url_for("challenges.show_application", application_id=application.id))
        else:
            flash("揭榜方案已提交，发榜单位会收到通知" if submit else "揭榜方案已保存", "success")
            return redirect(url_for("challenges.show_application", application_id=application.id))
    return _render_form(form, challenge, application)


def _step(application_id, act, done: str):
    if ConfirmForm().validate_on_submit():
        try:
            act(current_user, application_id)
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()), "danger")
        except InvalidTransition as exc:
            flash(exc.message, "warning")
        else:
            flash(done, "success")
    return redirect(url_for("challenges.show_application", application_id=application_id))


@bp.post("/challenges/applications/<int:application_id>/submit")
@login_required
def submit_application(application_id):
    return _step(application_id, challenges.submit_application, "揭榜方案已提交，发榜单位会收到通知")


@bp.post("/challenges/applications/<int:application_id>/withdraw")
@login_required
def withdraw_application(application_id):
    return _step(application_id, challenges.withdraw_application, "揭榜方案已撤回；征集截止前可以再次提交")


@bp.get("/challenges/applications/<int:application_id>/plan")
@login_required
def download_plan(application_id):
    application = challenges.get_application(current_user, application_id)
    document = challenges.plan_document(application)
    if document is None:
        raise NotFound("尚未上传揭榜方案文件")
    document, path = challenges.get_document(current_user, document.id)
    return send_stored_file(
        path, "application/pdf", inline=False, download_name=document.filename, public=False
    )

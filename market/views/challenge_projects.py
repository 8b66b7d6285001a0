"""揭榜挂帅 定榜 and 攻关与验收 in HTML: the selection page (one winner, the racing teams, eliminations, the
race's final winners — each with its reason and a confirmation step), and a team's project page
(milestones, reports, decisions, payments). Application pages are linked by plain href
(/challenges/applications/<id>), as the publishing part serves them."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.clock import today_in_beijing
from market.downloads import send_stored_file
from market.errors import InvalidTransition, ValidationFailed
from market.forms.challenge_projects import (
    DecisionForm,
    EliminationForm,
    PaymentForm,
    ReportForm,
    SelectionForm,
)
from market.services import challenges
from market.services.uploads import MAX_FILE_BYTES
from market.views.contract_history import exact_yuan

bp = Blueprint("challenge_projects", __name__)

DONE = {
    "select": "已定榜：入选团队已生成对接和技术开发合同草稿；其他揭榜方已收到致谢通知",
    "race": "已确定赛马团队：各团队已生成对接和技术开发合同草稿；其他揭榜方已收到致谢通知",
}


@bp.before_request
@login_required
def _require_login():
    pass


def _uploads(field) -> list[tuple[str, bytes]]:
    """The files a file field received (name, content), at most one byte past the limit of each read."""
    return [
        (item.filename, item.stream.read(MAX_FILE_BYTES + 1))
        for item in (field.data or [])
        if getattr(item, "filename", "")
    ]


def _own_ids(form, prefix: str) -> None:
    """Each milestone has its own forms on the page: their fields keep their names but get ids of their own,
    so every label points at its own input."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id


# ---- 定榜 ------------------------------------------------------------------------------------------------


def _render_selection(challenge_id, status=200, form=None, failed=None):
    """The selection page; `failed`: {application id: the elimination form sent, with its errors}."""
    state = challenges.selection_state(current_user, challenge_id)
    eliminations = {a.id: (failed or {}).get(a.id) or EliminationForm(formdata=None) for a in state.racing}
    for application_id, elimination in eliminations.items():
        _own_ids(elimination, f"e{application_id}")
    return render_template(
        "challenges/project_selection.html",
        state=state,
        challenge=state.challenge,
        title=challenges.call_title(state.challenge),
        form=form or SelectionForm(formdata=None),
        eliminations=eliminations,
        failed=failed or {},
    ), status


@bp.get("/challenges/<int:challenge_id>/selection")
def show_selection(challenge_id):
    return _render_selection(challenge_id)


def _back_to_selection(challenge_id):
    return redirect(url_for("challenge_projects.show_selection", challenge_id=challenge_id))


@bp.post("/challenges/<int:challenge_id>/selection")
def decide_selection(challenge_id):
    form = SelectionForm()
    if not form.validate_on_submit():
        return _back_to_selection(challenge_id)
    try:
        if form.confirmed.data != "1":  # the first step: show what will happen
            plan = challenges.preview_selection(current_user, challenge_id, form.to_data())
            return render_template(
                "challenges/project_confirm.html",
                plan=plan,
                title=challenges.call_title(plan.challenge),
                form=form,
            )
        challenges.decide_selection(current_user, challenge_id, form.to_data())
    except InvalidTransition as exc:
        flash(exc.message, "warning")
        return _back_to_selection(challenge_id)
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_selection(challenge_id, 422, form=form)
    flash(DONE.get(form.action.data, "已定榜"), "success")
    return _back_to_selection(challenge_id)


@bp.post("/challenges/applications/<int:application_id>/eliminate")
def eliminate_team(application_id):
    form = EliminationForm()
    if not form.validate_on_submit():
        return redirect(request.referrer or "/")
    try:
        application = challenges.preview_elimination(current_user, application_id, form.to_data())
        if form.confirmed.data != "1":
            return render_template(
                "challenges/project_confirm.html",
                elimination=application,
                title=challenges.call_title(application.challenge),
                form=form,
            )
        challenges.eliminate(current_user, application_id, form.to_data())
    except InvalidTransition as exc:
        flash(exc.message, "warning")
        application = challenges.get_application(current_user, application_id)
        return _back_to_selection(application.challenge_id)
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        application = challenges.get_application(current_user, application_id)
        return _render_selection(application.challenge_id, 422, failed={application.id: form})
    flash(f"已淘汰{application.organisation.name}；该团队已收到致谢通知", "success")
    return _back_to_selection(application.challenge_id)


# ---- the project -----------------------------------------------------------------------------------------


def _render_project(application_id, status=200, failed=None):
    """The project page; `failed`: {milestone id: {form name: the form sent, with its errors}}."""
    view = challenges.project(current_user, application_id)
    failed = failed or {}
    forms = {
        m.milestone.id: {
            "report": ReportForm(formdata=None),
            "decision": DecisionForm(formdata=None),
            "payment": PaymentForm(formdata=None, data={"paid_on": today_in_beijing().isoformat()}),
            **failed.get(m.milestone.id, {}),
        }
        for m in view.milestones
    }
    for milestone_id, named in forms.items():
        for form in named.values():
            _own_ids(form, f"m{milestone_id}")
    return render_template(
        "challenges/project_show.html",
        view=view,
        application=view.application,
        challenge=view.challenge,
        title=challenges.call_title(view.challenge),
        forms=forms,
        open_milestone=next(iter(failed), None),
        exact_yuan=exact_yuan,
    ), status


@bp.get("/challenges/applications/<int:application_id>/project")
def show_project(application_id):
    return _render_project(application_id)


def _to_project(milestone, anchor=None):
    return redirect(
        url_for(
            "challenge_projects.show_project",
            application_id=milestone.application_id,
            _anchor=anchor or f"milestone-{milestone.id}",
        )
    )


def _milestone_step(milestone_id, form, name: str, run, done: str):
    """Run one step on a milestone from its form: back to the project with a message, or the page again
    with the form's errors (422)."""
    milestone = challenges.get_milestone(current_user, milestone_id)
    if not form.validate_on_submit():
        return _to_project(milestone)
    try:
        run(milestone)
    except InvalidTransition as exc:
        flash(exc.message, "warning")
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_project(milestone.application_id, 422, {milestone.id: {name: form}})
    else:
        flash(done, "success")
    return _to_project(milestone)


@bp.post("/challenges/project-milestones/<int:milestone_id>/reports")
def submit_report(milestone_id):
    form = ReportForm()
    return _milestone_step(
        milestone_id,
        form,
        "report",
        lambda m: challenges.submit_report(current_user, m.id, form.to_data(), _uploads(form.files)),
        "进展报告已提交，发榜单位会收到通知",
    )


@bp.post("/challenges/project-milestones/<int:milestone_id>/decision")
def decide_milestone(milestone_id):
    form = DecisionForm()
    return _milestone_step(
        milestone_id,
        form,
        "decision",
        lambda m: challenges.decide_milestone(current_user, m.id, form.to_data(), _uploads(form.files)),
        "结论已记录，揭榜团队会收到通知",
    )


@bp.post("/challenges/project-milestones/<int:milestone_id>/payments")
def record_payment(milestone_id):
    form = PaymentForm()
    return _milestone_step(
        milestone_id,
        form,
        "payment",
        lambda m: challenges.record_payment(current_user, m.id, form.to_data()),
        "拨付已登记",
    )


@bp.get("/challenges/applications/<int:application_id>/project/documents/<int:document_id>")
def download_document(application_id, document_id):
    document, path = challenges.get_project_document(current_user, application_id, document_id)
    return send_stored_file(
        path, "application/pdf", inline=False, download_name=document.filename, public=False
    )

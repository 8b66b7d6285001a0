"""评榜 in HTML: the panel (the call's owner and admins), a reviewer's queue (declare, then score), the score
form, the ranking with the 路演答辩 shortlist, and the workspace's 待评审 card.

Pages of the publish part are linked by plain paths (/challenges/<id>, /challenges/applications/<id>)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.errors import ValidationFailed
from market.models.challenge_vocab import SCORE_MAX, SCORE_MIN
from market.services import brokers, challenges

bp = Blueprint("challenge_reviews", __name__)
BROKERS_OFFERED = 100


@bp.before_request
@login_required
def _require_login():
    pass


@bp.app_template_filter("two_places")
def two_places(value) -> str:
    """An exact score or mean rounded half up to two decimals for display ("—" when there is none)."""
    rounded = challenges.two_places(value)
    return "—" if rounded is None else f"{rounded}"


@bp.app_template_global("review_todo")
def review_todo() -> list[dict]:
    """The calls the signed-in user reviews and what is left to do (the workspace's 待评审 card)."""
    return challenges.review_todo(current_user)


# ---- the panel (owner, admins) -----------------------------------------------------------------------------


def _render_panel(challenge_id, errors=None, values=None, status=200):
    challenge, members, state = challenges.panel_members(current_user, challenge_id)
    offered = [
        profile.user
        for profile in brokers.list_brokers({}, 1, BROKERS_OFFERED).items
        if not any(member.seat.user_id == profile.user.id for member in members)
    ]
    return render_template(
        "challenges/review_panel.html",
        challenge=challenge,
        members=members,
        applications=state.applications,
        offered=offered,
        errors=errors or {},
        values=values or {},
        can_change=challenge.phase == "open" and challenge.demand.is_public,
        reviewing=challenges.public_status(challenge) == "reviewing",
    ), status


@bp.get("/challenges/<int:challenge_id>/panel")
def show_panel(challenge_id):
    return _render_panel(challenge_id)


@bp.post("/challenges/<int:challenge_id>/panel")
def add_reviewer(challenge_id):
    data = {name: request.form.get(name, "") for name in ("user_id", "email", "expertise")}
    try:
        seat = challenges.add_reviewer(current_user, challenge_id, data)
    except ValidationFailed as exc:
        return _render_panel(challenge_id, exc.fields, data, 422)
    flash(f"已将{seat.user.display_name}加入评审专家组，并通知本人", "success")
    return redirect(url_for("challenge_reviews.show_panel", challenge_id=challenge_id))


@bp.post("/challenges/<int:challenge_id>/panel/<int:reviewer_id>/delete")
def remove_reviewer(challenge_id, reviewer_id):
    challenges.remove_reviewer(current_user, challenge_id, reviewer_id)
    flash("已将该评审专家移出专家组", "success")
    return redirect(url_for("challenge_reviews.show_panel", challenge_id=challenge_id))


@bp.post("/challenges/<int:challenge_id>/panel/<int:reviewer_id>/reopen")
def reopen_conflicts(challenge_id, reviewer_id):
    try:
        challenges.reopen_conflicts(
            current_user, challenge_id, reviewer_id, {"reason": request.form.get("reason")}
        )
    except ValidationFailed as exc:
        flash("；".join(exc.fields.values()), "danger")
    else:
        flash("已重新开放该评审专家的利益冲突声明，并通知本人", "success")
    return redirect(url_for("challenge_reviews.show_panel", challenge_id=challenge_id))


# ---- a reviewer's queue and declaration --------------------------------------------------------------------


def _render_queue(challenge_id, errors=None, status=200):
    queue = challenges.review_queue(current_user, challenge_id)
    return render_template(
        "challenges/review_queue.html", queue=queue, challenge=queue.challenge, errors=errors or {}
    ), status


@bp.get("/challenges/<int:challenge_id>/review")
def show_review_queue(challenge_id):
    return _render_queue(challenge_id)


@bp.post("/challenges/<int:challenge_id>/conflicts")
def declare_conflicts(challenge_id):
    answers = {"yes": True, "no": False}
    rows = [
        {
            "application_id": application_id,
            "conflict": answers.get(request.form.get(f"conflict_{application_id}", "")),
            "reason": request.form.get(f"reason_{application_id}", ""),
        }
        for application_id in request.form.getlist("application_id")
    ]
    try:
        challenges.declare_conflicts(current_user, challenge_id, {"declarations": rows})
    except ValidationFailed as exc:
        return _render_queue(challenge_id, exc.fields, 422)
    flash("利益冲突声明已提交，现在可以查看并评审揭榜方案", "success")
    return redirect(url_for("challenge_reviews.show_review_queue", challenge_id=challenge_id))


# ---- the score form ----------------------------------------------------------------------------------------


def _form_values(mine, typed: dict | None) -> dict:
    """What the score form shows: what was typed (after an error), else the saved draft."""
    if typed is not None:
        rows = {str(row["criterion_id"]): row for row in typed["scores"]}
        return {
            "comment": typed["comment"],
            **{c.id: rows.get(str(c.id), {"score": "", "comment": ""}) for c in mine.criteria},
        }
    saved = mine.scores
    return {
        "comment": mine.review.comment if mine.review else "",
        **{
            c.id: {"score": saved[c.id].score, "comment": saved[c.id].comment} if c.id in saved else {}
            for c in mine.criteria
        },
    }


def _render_review(application_id, errors=None, typed=None, status=200):
    mine = challenges.get_my_review(current_user, application_id)
    return render_template(
        "challenges/review_form.html",
        mine=mine,
        challenge=mine.challenge,
        application=mine.application,
        errors=errors or {},
        values=_form_values(mine, typed),
        confirming=mine.editable and request.args.get("confirm") == "1" and not errors,
        score_min=SCORE_MIN,
        score_max=SCORE_MAX,
    ), status


@bp.get("/challenges/applications/<int:application_id>/review")
def show_review(application_id):
    return _render_review(application_id)


@bp.post("/challenges/applications/<int:application_id>/review")
def save_review(application_id):
    typed = {
        "scores": [
            {
                "criterion_id": criterion_id,
                "score": request.form.get(f"score_{criterion_id}", ""),
                "comment": request.form.get(f"comment_{criterion_id}", ""),
            }
            for criterion_id in request.form.getlist("criterion_id")
        ],
        "comment": request.form.get("comment", ""),
    }
    try:
        challenges.save_review(current_user, application_id, typed)
    except ValidationFailed as exc:
        return _render_review(application_id, exc.fields, typed, 422)
    if request.form.get("action") == "review":  # 提交评分: saved; now the summary to confirm
        return redirect(url_for("challenge_reviews.show_review", application_id=application_id, confirm=1))
    flash("评分草稿已保存（提交前可随时修改）", "success")
    return redirect(url_for("challenge_reviews.show_review", application_id=application_id))


@bp.post("/challenges/applications/<int:application_id>/review/submit")
def submit_review(application_id):
    try:
        challenges.submit_review(current_user, application_id)
    except ValidationFailed as exc:
        return _render_review(application_id, exc.fields, None, 422)
    flash("评分已提交，不能再修改；现在可以看到其他专家对该方案的评分", "success")
    return redirect(url_for("challenge_reviews.show_review", application_id=application_id))


# ---- the ranking and the shortlist -------------------------------------------------------------------------


def _render_ranking(challenge_id, errors=None, status=200):
    ranked = challenges.ranking(current_user, challenge_id)
    return render_template(
        "challenges/review_ranking.html",
        ranked=ranked,
        challenge=ranked.challenge,
        errors=errors or {},
        reviewing=challenges.public_status(ranked.challenge) == "reviewing",
    ), status


@bp.get("/challenges/<int:challenge_id>/ranking")
def show_ranking(challenge_id):
    return _render_ranking(challenge_id)


@bp.post("/challenges/applications/<int:application_id>/shortlist")
def shortlist_application(application_id):
    data = {name: request.form.get(name, "") for name in ("defense_at", "defense_place")}
    try:
        application = challenges.shortlist_application(current_user, application_id, data)
    except ValidationFailed as exc:
        application = challenges.get_application(current_user, application_id)
        errors = {application.id: {"fields": exc.fields, "values": data}}
        return _render_ranking(application.challenge_id, errors, 422)
    flash(f"已确定{application.organisation.name}入围路演答辩，并通知该团队", "success")
    return redirect(url_for("challenge_reviews.show_ranking", challenge_id=application.challenge_id))

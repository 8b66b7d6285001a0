"""评榜, scoring: a reviewer scores each application they may see on every criterion of the call (integers
SCORE_MIN..SCORE_MAX, each with an optional comment, plus an overall comment), saves drafts, then submits.

- Only while the call is 评审中 (window closed, not yet decided) and the application is submitted or
  shortlisted; only a panel member who declared and has no conflict with it (access.reviewer_may_see).
- A draft is replaced whole by each save; a submit needs every criterion scored and happens once: a
  submitted review is never edited, by anyone (the submit is a conditional UPDATE … WHERE submitted_at IS
  NULL, and every write of a seat first locks its row, so a save racing a submit loses).
- When the last expected review of the call comes in, the owner is told (once per set of reviews) and the
  public history says the panel is done (no scores in it)."""

from dataclasses import dataclass

from sqlalchemy import select, update

from market import events
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenge_reviews import ChallengeReviewIn, ChallengeScoreIn
from market.models.base import utcnow
from market.models.challenge import Challenge, ChallengeEvent
from market.models.challenge_application import ChallengeApplication
from market.models.challenge_review import ChallengeReview, ChallengeScore
from market.services import audit
from market.services.base import parse_row_id, unit_of_work
from market.services.challenges.access import (
    can_view_application,
    get_challenge,
    reviewer_for,
    reviewer_may_see,
)
from market.services.challenges.history import record_event
from market.services.challenges.panel_state import (
    IN_REVIEW,
    SCORABLE,
    load_panel,
    locked_seat,
    owner_ids,
)
from market.services.challenges.ranking import RankedApplication, application_scores, weighted_score
from market.services.challenges.status import public_status
from market.services.notifications import add_notifications

SUBMITTED = "评分已提交，不能修改"


def _target(actor, application_id):
    """(application, call, seat) for a reviewer who may score it; 403 for a reviewer yet to declare or
    someone else who sees it, 404 for everyone else (a conflicted reviewer included)."""
    row_id = parse_row_id(application_id)
    application = db.session.get(ChallengeApplication, row_id) if row_id else None
    if application is None:
        raise NotFound("该揭榜方案不存在")
    challenge = get_challenge(actor, application.challenge_id)
    seat = reviewer_for(actor, challenge)
    if reviewer_may_see(seat, application):
        return application, challenge, seat
    if seat is not None and seat.declared_at is None and application.status in IN_REVIEW:
        raise PermissionDenied("请先在评审页声明利益冲突，再查看和评分揭榜方案")
    if can_view_application(actor, application):
        raise PermissionDenied("只有本榜单的评审专家可以评分")
    raise NotFound("该揭榜方案不存在")


def _scoring_open(challenge: Challenge, application: ChallengeApplication) -> bool:
    return public_status(challenge) == "reviewing" and application.status in SCORABLE


def _require_scoring_open(challenge: Challenge, application: ChallengeApplication) -> None:
    if public_status(challenge) in ("upcoming", "collecting"):
        raise InvalidTransition("申报截止后才能评分")
    if not _scoring_open(challenge, application):
        raise InvalidTransition("评审已结束，不能再评分")


def _my_review(seat, application) -> ChallengeReview | None:
    return db.session.scalars(
        select(ChallengeReview).where(
            ChallengeReview.reviewer_id == seat.id, ChallengeReview.application_id == application.id
        )
    ).first()


@dataclass
class MyReview:
    """A reviewer's review of one application, the call's criteria, and what they may do and see."""

    application: ChallengeApplication
    challenge: Challenge
    review: ChallengeReview | None
    criteria: list
    editable: bool
    scores_of_all: RankedApplication | None  # every reviewer's scores, once the reader may see them

    @property
    def scores(self) -> dict:
        return {score.criterion_id: score for score in (self.review.scores if self.review else [])}

    @property
    def submitted(self) -> bool:
        return self.review is not None and self.review.submitted_at is not None

    @property
    def weighted(self):
        if not self.submitted:
            return None
        weights = {criterion.id: criterion.weight for criterion in self.criteria}
        return weighted_score(weights, {cid: score.score for cid, score in self.scores.items()})


def get_my_review(actor, application_id) -> MyReview:
    """The actor's review of an application (a panel member who may see it), with the others' scores once
    they have submitted theirs."""
    application, challenge, seat = _target(actor, application_id)
    review = _my_review(seat, application)
    editable = _scoring_open(challenge, application) and (review is None or review.submitted_at is None)
    return MyReview(
        application,
        challenge,
        review,
        list(challenge.criteria),
        editable,
        application_scores(actor, application),
    )


def read_scores(criteria, rows: list, errors: dict) -> dict:
    """{criterion id: (score, comment)} of the rows scored; each wrong row's message goes into `errors` under
    scores.<criterion id> (or scores when the row names no criterion of the call)."""
    by_id = {criterion.id: criterion for criterion in criteria}
    out: dict = {}
    for number, row in enumerate(rows, start=1):
        row_errors: dict = {}
        item = ChallengeScoreIn.clean(row, errors=row_errors)
        criterion = by_id.get(item.get("criterion_id"))
        key, label = (f"scores.{criterion.id}", criterion.name) if criterion else ("scores", f"第{number}项")
        if row_errors:
            errors.setdefault(key, f"{label}：" + "；".join(row_errors.values()))
        elif criterion is None:
            errors.setdefault(key, f"{label}：该评审标准不属于本榜单")
        elif criterion.id in out:
            errors[key] = f"{label}：同一评审标准只能评一次"
        elif item.get("score") is None:
            if item.get("comment"):
                errors[key] = f"{label}：填写评语时请同时打分"
        else:
            out[criterion.id] = (item["score"], item.get("comment"))
    return out


@unit_of_work
def save_review(actor, application_id, data: dict) -> ChallengeReview:
    """Save the actor's draft: the scores and comments sent replace the draft's."""
    application, challenge, seat = _target(actor, application_id)
    _require_scoring_open(challenge, application)
    seat = locked_seat(seat)
    if not reviewer_may_see(seat, application):  # the declaration was reopened meanwhile
        raise PermissionDenied("请先在评审页声明利益冲突，再查看和评分揭榜方案")
    review = _my_review(seat, application)
    if review is not None and review.submitted_at is not None:
        raise InvalidTransition(SUBMITTED)
    errors: dict = {}
    values = ChallengeReviewIn.clean(data, errors=errors)
    criteria = list(challenge.criteria)
    scored = read_scores(criteria, values.get("scores") or [], errors)
    if errors:
        raise ValidationFailed(errors)
    if review is None:
        review = ChallengeReview(application_id=application.id, reviewer_id=seat.id)
        db.session.add(review)
    kept = {score.criterion_id: score for score in review.scores}
    review.scores = [
        _score(kept.get(criterion_id), criterion_id, score, comment)
        for criterion_id, (score, comment) in scored.items()
    ]
    review.comment = values.get("comment")
    review.updated_at = utcnow()  # a save of the same values still counts as the reviewer's last touch
    db.session.flush()
    audit.record(
        actor,
        "challenge.save_review",
        "challenge_application",
        application.id,
        {"reviewer_id": seat.id, "scored": len(scored), "criteria": len(criteria)},
    )
    return review


def _score(row: ChallengeScore | None, criterion_id: int, score: int, comment: str | None) -> ChallengeScore:
    row = row or ChallengeScore(criterion_id=criterion_id)
    row.score, row.comment = score, comment
    return row


@unit_of_work
def submit_review(actor, application_id, data: dict | None = None) -> ChallengeReview:
    """Submit the actor's review, once: every criterion must be scored. With `data`, save it first (both
    in one unit of work)."""
    if data is not None:
        save_review(actor, application_id, data)
    application, challenge, seat = _target(actor, application_id)
    _require_scoring_open(challenge, application)
    seat = locked_seat(seat)
    if not reviewer_may_see(seat, application):
        raise PermissionDenied("请先在评审页声明利益冲突，再查看和评分揭榜方案")
    review = _my_review(seat, application)
    if review is not None and review.submitted_at is not None:
        raise InvalidTransition(SUBMITTED)
    scores = {score.criterion_id: score.score for score in (review.scores if review else [])}
    criteria = list(challenge.criteria)
    missing = {f"scores.{c.id}": f"请为“{c.name}”打分" for c in criteria if c.id not in scores}
    if missing or review is None:
        raise ValidationFailed(missing or {"scores": "请先打分"}, "提交前请为每项评审标准打分")
    now = utcnow()
    done = db.session.execute(
        update(ChallengeReview)
        .where(ChallengeReview.id == review.id, ChallengeReview.submitted_at.is_(None))
        .values(submitted_at=now, updated_at=now)
    )
    if done.rowcount != 1:
        raise InvalidTransition(SUBMITTED)
    review.submitted_at = now
    weights = {criterion.id: criterion.weight for criterion in criteria}
    audit.record(
        actor,
        "challenge.submit_review",
        "challenge_application",
        application.id,
        {
            "reviewer_id": seat.id,
            "scores": {c.name: scores[c.id] for c in criteria},
            "weighted": str(weighted_score(weights, scores)),
        },
    )
    tell_owner_when_complete(challenge)
    return review


def tell_owner_when_complete(challenge: Challenge) -> None:
    """Within a submit (or a removal or declaration that leaves nothing owed): when every expected review of
    the call is in, tell the owner and say so in the public history (once)."""
    # One at a time per call, so that the last two reviewers cannot both miss being the last.
    db.session.execute(select(Challenge.id).where(Challenge.id == challenge.id).with_for_update())
    db.session.flush()
    state = load_panel(challenge)
    if not state.complete():
        return
    reviews = sum(len(state.submitted(application)) for application in state.applications)
    said = db.session.scalars(
        select(ChallengeEvent.id).where(
            ChallengeEvent.challenge_id == challenge.id, ChallengeEvent.kind == "reviews_complete"
        )
    ).first()
    if said is None:
        record_event(challenge, "reviews_complete", "评审专家已完成全部评分")
    events.record(
        "challenge.reviews_complete",
        challenge_id=challenge.id,
        reviews=reviews,
        title=f"揭榜挂帅榜单「{challenge.demand.title}」的评审专家已完成全部评分",
    )


@events.subscribe("challenge.reviews_complete")
def notify_owner_reviews_complete(payload: dict) -> None:
    """Tell the call's owner that every review is in, with the link to the ranking."""
    challenge = db.session.get(Challenge, payload["challenge_id"])
    if challenge is None:
        return
    add_notifications(
        owner_ids(challenge),
        "challenge",
        title=payload["title"],
        body=f"共 {payload['reviews']} 份评分，可查看排名并确定入围路演答辩的团队。",
        link=f"/challenges/{challenge.id}/ranking",
        dedupe_key=f"challenge-reviews-complete:{challenge.id}:{payload['reviews']}",
    )

"""评榜 totals and the ranking, exact.

- A review's weighted score is Σ(weight × score) / 100: an integer over 100, so an exact Decimal with two
  places.
- An application's total is the mean of the weighted scores of its submitted reviews that count (by members
  without a conflict with it): an exact Fraction (1/3 stays 1/3), rounded half up to two places only when
  shown (`two_places`). Per-criterion means likewise.
- Ranking by the exact total, highest first. Equal totals share a rank (1, 2, 2, 4: competition ranking) and
  are marked as ties; within a tie, and among applications without a submitted review yet (listed last,
  unranked), the order is the order applications were handed in (submitted_at, then id), so the list never
  reshuffles between two readings.
- Who sees what (access.can_view_all_scores): the owner and admins every score, by reviewer name; a reviewer,
  while the call is open, every score of an application they have submitted their own review of, other
  reviewers numbered (评审专家 1, 2 …) and without ranks; after the decision the owner and admins only; the
  applicant never."""

import math
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction

from market.errors import PermissionDenied
from market.models.challenge import Challenge
from market.services.challenges.access import (
    can_manage_challenge,
    can_view_all_scores,
    get_challenge,
    reviewer_for,
)
from market.services.challenges.panel_state import PanelState, load_panel


def weighted_score(weights: dict[int, int], scores: dict[int, int]) -> Decimal:
    """Σ(weight × score) / 100 over the criteria, exact (a criterion not scored counts 0)."""
    return Decimal(sum(weight * scores.get(criterion, 0) for criterion, weight in weights.items())).scaleb(-2)


def mean_of(values) -> Fraction | None:
    """The exact mean of integers or Decimals; None for none."""
    values = [Fraction(value) for value in values]
    return sum(values, Fraction(0)) / len(values) if values else None


def two_places(value) -> Decimal | None:
    """A non-negative exact value rounded half up to two decimals (83.935 → 83.94, 251.81/3 → 83.94)."""
    if value is None:
        return None
    hundredths = math.floor(Fraction(value) * 100 + Fraction(1, 2))
    return Decimal(hundredths).scaleb(-2)


@dataclass
class ReviewLine:
    """One submitted review as a reader may see it."""

    reviewer: str  # the reviewer's name (owner, admins) or 评审专家 n / 我 (reviewers)
    mine: bool
    scores: dict  # criterion id → score
    comments: dict  # criterion id → comment
    comment: str | None
    weighted: Decimal
    submitted_at: datetime


@dataclass
class RankedApplication:
    application: object
    total: Fraction | None
    criterion_means: dict  # criterion id → Fraction
    reviews: list
    submitted: int  # submitted reviews that count
    expected: int  # panel members without a conflict with it
    missing: list = field(default_factory=list)  # (reviewer name, what is missing), owner and admins only
    rank: int | None = None
    tied: bool = False

    @property
    def total_text(self) -> str:
        return f"{two_places(self.total)}" if self.total is not None else "—"


@dataclass
class Ranking:
    challenge: Challenge
    criteria: list
    rows: list
    full: bool  # the owner's and admins' view: every application, ranks, names, missing reviews
    complete: bool  # every expected review is in


def _handed_in(application) -> tuple:
    return (application.submitted_at or application.created_at, application.id)


def _row(state: PanelState, application, criteria, viewer_seat, full: bool) -> RankedApplication:
    weights = {criterion.id: criterion.weight for criterion in criteria}
    numbers = {seat.id: n for n, seat in enumerate(state.seats, start=1)}
    lines = []
    for review in state.submitted(application):
        seat = next(seat for seat in state.seats if seat.id == review.reviewer_id)
        mine = viewer_seat is not None and seat.id == viewer_seat.id
        scores = {score.criterion_id: score.score for score in review.scores}
        lines.append(
            ReviewLine(
                reviewer=seat.user.display_name
                if full
                else ("我" if mine else f"评审专家 {numbers[seat.id]}"),
                mine=mine,
                scores=scores,
                comments={score.criterion_id: score.comment for score in review.scores if score.comment},
                comment=review.comment,
                weighted=weighted_score(weights, scores),
                submitted_at=review.submitted_at,
            )
        )
    return RankedApplication(
        application=application,
        total=mean_of(line.weighted for line in lines),
        criterion_means={
            criterion.id: mean_of(line.scores[criterion.id] for line in lines if criterion.id in line.scores)
            for criterion in criteria
        },
        reviews=lines,
        submitted=len(lines),
        expected=len(state.expected(application)),
        missing=[(seat.user.display_name, why) for seat, why in state.missing(application)] if full else [],
    )


def rank_rows(rows: list[RankedApplication]) -> list[RankedApplication]:
    """Highest exact total first with competition ranks (ties share one), then the unscored; ties and the
    unscored in the order they were handed in."""
    scored = sorted(
        (row for row in rows if row.total is not None),
        key=lambda row: (-row.total, *_handed_in(row.application)),
    )
    for position, row in enumerate(scored, start=1):
        before = scored[position - 2] if position > 1 else None
        if before is not None and before.total == row.total:
            row.rank, row.tied, before.tied = before.rank, True, True
        else:
            row.rank = position
    unscored = sorted((row for row in rows if row.total is None), key=lambda row: _handed_in(row.application))
    return scored + unscored


def ranking(actor, challenge_id) -> Ranking:
    """The call's scores as the actor may see them (see the module's docstring)."""
    challenge = get_challenge(actor, challenge_id)
    full = can_manage_challenge(actor, challenge)
    seat = None if full else reviewer_for(actor, challenge)
    if not full:
        if seat is None:
            raise PermissionDenied("只有发榜单位、管理员和本榜单的评审专家可以查看评分")
        if challenge.phase != "open":
            raise PermissionDenied("定榜后评分仅发榜单位和管理员可见")
    state = load_panel(challenge)
    criteria = list(challenge.criteria)
    shown = [a for a in state.applications if full or can_view_all_scores(actor, a)]
    rows = [_row(state, application, criteria, seat, full) for application in shown]
    rows = rank_rows(rows) if full else sorted(rows, key=lambda row: _handed_in(row.application))
    return Ranking(challenge, criteria, rows, full, state.complete())


def application_scores(actor, application) -> RankedApplication | None:
    """Every score of one application, when the actor may see them all (else None)."""
    if not can_view_all_scores(actor, application):
        return None
    challenge = application.challenge
    full = can_manage_challenge(actor, challenge)
    seat = None if full else reviewer_for(actor, challenge)
    return _row(load_panel(challenge), application, list(challenge.criteria), seat, full)

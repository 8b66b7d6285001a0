"""评榜 (evaluate): the call's panel, each reviewer's conflict declaration, and their scores per criterion."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.challenge_vocab import SCORE_MAX, SCORE_MIN


class ChallengeReviewer(TimestampMixin, Base):
    """A member of a call's panel: a broker or a named expert with an account. They see applications only
    after declaring conflicts (`declared_at`), and never the ones they declared a conflict with."""

    __tablename__ = "challenge_reviewers"
    __table_args__ = (UniqueConstraint("challenge_id", "user_id", name="uq_challenge_reviewers_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    expertise: Mapped[str | None] = mapped_column(String(100))  # shown to the owner: why this reviewer
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", foreign_keys=[user_id])
    conflicts = relationship("ChallengeConflict", cascade="all, delete-orphan", back_populates="reviewer")


class ChallengeConflict(Base):
    """A reviewer's declared conflict of interest with one application: they neither see nor score it."""

    __tablename__ = "challenge_conflicts"
    __table_args__ = (UniqueConstraint("reviewer_id", "application_id", name="uq_challenge_conflicts_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("challenge_reviewers.id", ondelete="CASCADE"))
    application_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_applications.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str | None] = mapped_column(String(300))

    reviewer = relationship("ChallengeReviewer", back_populates="conflicts")


class ChallengeReview(TimestampMixin, Base):
    """One reviewer's review of one application: a draft until `submitted_at`, then never edited."""

    __tablename__ = "challenge_reviews"
    __table_args__ = (UniqueConstraint("application_id", "reviewer_id", name="uq_challenge_reviews_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_applications.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("challenge_reviewers.id", ondelete="CASCADE"))
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    reviewer = relationship("ChallengeReviewer")
    scores = relationship("ChallengeScore", cascade="all, delete-orphan", back_populates="review")


class ChallengeScore(Base):
    """A score on one criterion, an integer on the call's scale."""

    __tablename__ = "challenge_scores"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id", name="uq_challenge_scores_criterion"),
        CheckConstraint(f"score >= {SCORE_MIN} AND score <= {SCORE_MAX}", name="score_on_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("challenge_reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("challenge_criteria.id", ondelete="CASCADE"))
    score: Mapped[int]
    comment: Mapped[str | None] = mapped_column(String(500))

    review = relationship("ChallengeReview", back_populates="scores")
    criterion = relationship("ChallengeCriterion")

"""揭榜挂帅 end to end (issue 19): calls, criteria, milestones, invitations, history, applications, documents,
the review panel and scores, project milestones, progress reports and tranche payments.

- challenges: one per open-call demand (demand_id unique): 考核指标, funding shares, eligibility, the
  application window (close ≥ open), selection mode (单一 / 赛马制 with 2–10 teams) and the lifecycle phase.
- challenge_criteria (weights 1–100, a call's add up to 100, checked in the service), challenge_milestones
  (the plan; tranche percents 0–100), challenge_invitations (one per call and organisation), challenge_events
  (the public history).
- challenge_applications: one per call and organisation; budget > 0; selection links a deal and a contract.
- challenge_documents: PDFs of plans, reports and acceptance, under the instance folder.
- challenge_reviewers (one per call and user), challenge_conflicts, challenge_reviews (one per application
  and reviewer), challenge_scores (one per review and criterion, 0–100).
- project_milestones (one per application and position, tranche ≥ 0), progress_reports, tranche_payments
  (amount > 0).
New tables only; nothing existing changes.

Revision ID: 5b7d3e9c1f20
Revises: 19ededc5d054
Create Date: 2026-12-09 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b7d3e9c1f20"
down_revision = "19ededc5d054"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demand_id", sa.Integer(), nullable=False),
        sa.Column("programme", sa.String(length=100), nullable=True),
        sa.Column("indicators", sa.Text(), nullable=False),
        sa.Column("funding_shares", sa.JSON(), nullable=False),
        sa.Column("eligible_org_kinds", sa.JSON(), nullable=False),
        sa.Column("eligible_regions", sa.JSON(), nullable=False),
        sa.Column("qualifications", sa.Text(), nullable=True),
        sa.Column("applications_open_on", sa.Date(), nullable=False),
        sa.Column("applications_close_on", sa.Date(), nullable=False),
        sa.Column("selection_mode", sa.String(length=10), nullable=False),
        sa.Column("race_teams", sa.Integer(), nullable=True),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("phase_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(selection_mode = 'single' AND race_teams IS NULL) OR "
            "(selection_mode = 'race' AND race_teams >= 2 AND race_teams <= 10)",
            name=op.f("ck_challenges_race_teams_with_mode"),
        ),
        sa.CheckConstraint(
            "applications_close_on >= applications_open_on", name=op.f("ck_challenges_window_in_order")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_challenges_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["demand_id"], ["demands.id"], name=op.f("fk_challenges_demand_id_demands")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenges")),
        sa.UniqueConstraint("demand_id", name=op.f("uq_challenges_demand_id")),
    )
    op.create_index(
        op.f("ix_challenges_applications_close_on"), "challenges", ["applications_close_on"], unique=False
    )
    op.create_index(op.f("ix_challenges_phase"), "challenges", ["phase"], unique=False)

    op.create_table(
        "challenge_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.CheckConstraint(
            "weight > 0 AND weight <= 100", name=op.f("ck_challenge_criteria_weight_in_range")
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_criteria_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_criteria")),
        sa.UniqueConstraint("challenge_id", "position", name="uq_challenge_criteria_position"),
    )
    op.create_table(
        "challenge_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_events_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_events")),
    )
    op.create_index(
        "ix_challenge_events_challenge", "challenge_events", ["challenge_id", "created_at"], unique=False
    )

    op.create_table(
        "challenge_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("achievement_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=500), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["achievement_id"],
            ["achievements.id"],
            name=op.f("fk_challenge_invitations_achievement_id_achievements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_invitations_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_challenge_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_challenge_invitations_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_invitations")),
        sa.UniqueConstraint("challenge_id", "org_id", name="uq_challenge_invitations_org"),
    )
    op.create_index(
        op.f("ix_challenge_invitations_org_id"), "challenge_invitations", ["org_id"], unique=False
    )

    op.create_table(
        "challenge_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("deliverable", sa.String(length=500), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("tranche_percent", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "tranche_percent >= 0 AND tranche_percent <= 100",
            name=op.f("ck_challenge_milestones_tranche_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_milestones_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_milestones")),
        sa.UniqueConstraint("challenge_id", "position", name="uq_challenge_milestones_position"),
    )
    op.create_table(
        "challenge_reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expertise", sa.String(length=100), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_challenge_reviewers_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_reviewers_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_challenge_reviewers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_reviewers")),
        sa.UniqueConstraint("challenge_id", "user_id", name="uq_challenge_reviewers_user"),
    )
    op.create_index(op.f("ix_challenge_reviewers_user_id"), "challenge_reviewers", ["user_id"], unique=False)

    op.create_table(
        "challenge_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("team", sa.JSON(), nullable=False),
        sa.Column("schedule", sa.JSON(), nullable=False),
        sa.Column("prior_achievement_ids", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("defense_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("defense_place", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("budget_fen > 0", name=op.f("ck_challenge_applications_budget_positive")),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_applications_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_challenge_applications_contract_id_contracts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_challenge_applications_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deals.id"],
            name=op.f("fk_challenge_applications_deal_id_deals"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_challenge_applications_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organisations.id"], name=op.f("fk_challenge_applications_org_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_applications")),
        sa.UniqueConstraint("challenge_id", "org_id", name="uq_challenge_applications_org"),
    )
    op.create_index(
        "ix_challenge_applications_challenge_status",
        "challenge_applications",
        ["challenge_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_challenge_applications_org_id"), "challenge_applications", ["org_id"], unique=False
    )

    op.create_table(
        "challenge_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_applications.id"],
            name=op.f("fk_challenge_conflicts_application_id_challenge_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["challenge_reviewers.id"],
            name=op.f("fk_challenge_conflicts_reviewer_id_challenge_reviewers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_conflicts")),
        sa.UniqueConstraint("reviewer_id", "application_id", name="uq_challenge_conflicts_pair"),
    )
    op.create_index(
        op.f("ix_challenge_conflicts_application_id"), "challenge_conflicts", ["application_id"], unique=False
    )

    op.create_table(
        "challenge_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_applications.id"],
            name=op.f("fk_challenge_reviews_application_id_challenge_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["challenge_reviewers.id"],
            name=op.f("fk_challenge_reviews_reviewer_id_challenge_reviewers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_reviews")),
        sa.UniqueConstraint("application_id", "reviewer_id", name="uq_challenge_reviews_pair"),
    )
    op.create_index(
        op.f("ix_challenge_reviews_application_id"), "challenge_reviews", ["application_id"], unique=False
    )

    op.create_table(
        "project_milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("deliverable", sa.String(length=500), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("tranche_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("overdue_notified_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("tranche_fen >= 0", name=op.f("ck_project_milestones_tranche_not_negative")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_applications.id"],
            name=op.f("fk_project_milestones_application_id_challenge_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_project_milestones_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_milestones")),
        sa.UniqueConstraint("application_id", "position", name="uq_project_milestones_position"),
    )
    op.create_index(op.f("ix_project_milestones_due_on"), "project_milestones", ["due_on"], unique=False)

    op.create_table(
        "challenge_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=True),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_challenge_scores_score_on_scale")),
        sa.ForeignKeyConstraint(
            ["criterion_id"],
            ["challenge_criteria.id"],
            name=op.f("fk_challenge_scores_criterion_id_challenge_criteria"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["challenge_reviews.id"],
            name=op.f("fk_challenge_scores_review_id_challenge_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_scores")),
        sa.UniqueConstraint("review_id", "criterion_id", name="uq_challenge_scores_criterion"),
    )
    op.create_table(
        "progress_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["project_milestones.id"],
            name=op.f("fk_progress_reports_milestone_id_project_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_progress_reports_submitted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_reports")),
    )
    op.create_index(
        op.f("ix_progress_reports_milestone_id"), "progress_reports", ["milestone_id"], unique=False
    )

    op.create_table(
        "tranche_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_tranche_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["project_milestones.id"],
            name=op.f("fk_tranche_payments_milestone_id_project_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_tranche_payments_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tranche_payments")),
    )
    op.create_index(
        op.f("ix_tranche_payments_milestone_id"), "tranche_payments", ["milestone_id"], unique=False
    )

    op.create_table(
        "challenge_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["challenge_applications.id"],
            name=op.f("fk_challenge_documents_application_id_challenge_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["milestone_id"],
            ["project_milestones.id"],
            name=op.f("fk_challenge_documents_milestone_id_project_milestones"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["progress_reports.id"],
            name=op.f("fk_challenge_documents_report_id_progress_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_challenge_documents_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_documents")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_challenge_documents_stored_name")),
    )
    op.create_index(
        op.f("ix_challenge_documents_application_id"), "challenge_documents", ["application_id"], unique=False
    )
    op.create_index(
        op.f("ix_challenge_documents_milestone_id"), "challenge_documents", ["milestone_id"], unique=False
    )


def downgrade():
    # Dropping a table drops its indexes; children first.
    op.drop_table("challenge_documents")
    op.drop_table("tranche_payments")
    op.drop_table("progress_reports")
    op.drop_table("challenge_scores")
    op.drop_table("project_milestones")
    op.drop_table("challenge_reviews")
    op.drop_table("challenge_conflicts")
    op.drop_table("challenge_applications")
    op.drop_table("challenge_reviewers")
    op.drop_table("challenge_milestones")
    op.drop_table("challenge_invitations")
    op.drop_table("challenge_events")
    op.drop_table("challenge_criteria")
    op.drop_table("challenges")

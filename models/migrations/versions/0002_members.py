"""members: moderation, cross-sector rounds, award instalments, reports, former members

Ideas can be hidden by moderators with a reason; rounds say whether teams must span sectors;
awards are paid in instalments; members report ideas; a membership outlives a deleted profile
as a "former member" (profile_id NULL) when its team has a submission; one pending invite per
sender, recipient and idea.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'PENDING'")
LEAD = sa.text("role = 'LEAD'")


def upgrade() -> None:
    op.add_column("idea", sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("idea", sa.Column("hidden_reason", sa.String(length=2000), nullable=True))
    op.create_index("ix_idea_visibility", "idea", ["status", "hidden_at", "owner_id", "id"], unique=False)
    op.add_column(
        "contest_round",
        sa.Column("cross_sector_required", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE contest_round SET cross_sector_required = true WHERE kind = 'IDEA_CONTEST'")

    op.drop_index("ux_membership_one_lead", table_name="membership")
    with op.batch_alter_table("membership") as batch:
        batch.alter_column("profile_id", existing_type=sa.Integer(), nullable=True)
    op.create_index(
        "ux_membership_one_lead",
        "membership",
        ["team_id"],
        unique=True,
        sqlite_where=LEAD,
        postgresql_where=LEAD,
    )
    op.create_index(
        "ux_invite_one_pending",
        "invite",
        ["sender_id", "recipient_id", "idea_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )

    op.create_table(
        "award_instalment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount_eur", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=500), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount_eur > 0", name=op.f("ck_award_instalment_amount_positive")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name=op.f("fk_award_instalment_submission_id_submission"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_award_instalment")),
        sa.UniqueConstraint("submission_id", "position", name="one_instalment_per_position"),
    )
    op.create_table(
        "idea_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"], ["idea.id"], name=op.f("fk_idea_report_idea_id_idea"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["profile.id"],
            name=op.f("fk_idea_report_reporter_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_report")),
        sa.UniqueConstraint("idea_id", "reporter_id", name="one_report_per_member"),
    )
    op.create_index(op.f("ix_idea_report_reporter_id"), "idea_report", ["reporter_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_idea_report_reporter_id"), table_name="idea_report")
    op.drop_table("idea_report")
    op.drop_table("award_instalment")
    op.drop_index("ux_invite_one_pending", table_name="invite")
    op.execute("DELETE FROM membership WHERE profile_id IS NULL")
    op.drop_index("ux_membership_one_lead", table_name="membership")
    with op.batch_alter_table("membership") as batch:
        batch.alter_column("profile_id", existing_type=sa.Integer(), nullable=False)
    op.create_index(
        "ux_membership_one_lead", "membership", ["team_id"], unique=True, sqlite_where=LEAD, postgresql_where=LEAD
    )
    op.drop_column("contest_round", "cross_sector_required")
    op.drop_index("ix_idea_visibility", table_name="idea")
    op.drop_column("idea", "hidden_reason")
    op.drop_column("idea", "hidden_at")

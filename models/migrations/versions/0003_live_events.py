"""live events: what happened to invitations and teams, for replay after being offline

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = (
    "INVITE_RECEIVED",
    "INVITE_ACCEPTED",
    "INVITE_DECLINED",
    "INVITE_WITHDRAWN",
    "INVITE_EXPIRED",
    "MEMBER_JOINED",
    "MEMBER_LEFT",
    "SUBMISSION_STATUS_CHANGED",
    "PROGRESS_POSTED",
    "TEAM_DISSOLVED",
)
REFERENCES = (
    ("audience_id", "profile", "CASCADE"),
    ("team_id", "team", "CASCADE"),
    ("invite_id", "invite", "CASCADE"),
    ("member_id", "profile", "SET NULL"),
    ("submission_id", "submission", "CASCADE"),
    ("progress_update_id", "progress_update", "CASCADE"),
)


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="eventkind", native_enum=False, create_constraint=True, length=32),
            nullable=False,
        ),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        *(sa.Column(column, sa.Integer(), nullable=True) for column, _, _ in REFERENCES),
        sa.CheckConstraint("audience_id IS NOT NULL OR team_id IS NOT NULL", name=op.f("ck_event_addressed")),
        *(
            sa.ForeignKeyConstraint(
                [column], [f"{table}.id"], name=op.f(f"fk_event_{column}_{table}"), ondelete=ondelete
            )
            for column, table, ondelete in REFERENCES
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index("ix_event_audience_id_occurred_at", "event", ["audience_id", "occurred_at"], unique=False)
    op.create_index("ix_event_team_id_occurred_at", "event", ["team_id", "occurred_at"], unique=False)
    for column in ("invite_id", "member_id", "submission_id", "progress_update_id"):
        op.create_index(op.f(f"ix_event_{column}"), "event", [column], unique=False)


def downgrade() -> None:
    op.drop_table("event")

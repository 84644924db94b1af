"""initial schema: every table of the CIP graph, with full-text search over ideas

SQLite gets an FTS5 index kept in step by triggers; PostgreSQL a generated tsvector
column with the german configuration (so "Verwaltungen" finds "Verwaltung").

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contest_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "IDEA_CONTEST",
                "FUNDING_ROUND",
                name="roundkind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("max_award_eur", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "max_award_eur > 0 AND ((kind = 'IDEA_CONTEST' AND max_award_eur <= 20000) OR (kind = 'FUNDING_ROUND' AND max_award_eur <= 500000))",
            name=op.f("ck_contest_round_max_award_range"),
        ),
        sa.CheckConstraint(
            "closes_at > opens_at", name=op.f("ck_contest_round_closes_after_opening")
        ),
        sa.CheckConstraint(
            "year BETWEEN 2000 AND 2100", name=op.f("ck_contest_round_year_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contest_round")),
        sa.UniqueConstraint("kind", "year", "name", name="unique_round_name"),
    )
    op.create_index(
        op.f("ix_contest_round_year"), "contest_round", ["year"], unique=False
    )
    op.create_table(
        "profile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "PERSON",
                "ORGANISATION",
                name="profilekind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("organisation_name", sa.String(length=200), nullable=True),
        sa.Column(
            "sector",
            sa.Enum(
                "CIVIL_SOCIETY",
                "ASSOCIATION",
                "TRADE_UNION",
                "MUNICIPALITY",
                "PUBLIC_ADMINISTRATION",
                "SME",
                "STARTUP",
                "CORPORATION",
                "RESEARCH",
                "OTHER",
                name="sector",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "region",
            sa.Enum(
                "BADEN_WUERTTEMBERG",
                "BAYERN",
                "BERLIN",
                "BRANDENBURG",
                "BREMEN",
                "HAMBURG",
                "HESSEN",
                "MECKLENBURG_VORPOMMERN",
                "NIEDERSACHSEN",
                "NORDRHEIN_WESTFALEN",
                "RHEINLAND_PFALZ",
                "SAARLAND",
                "SACHSEN",
                "SACHSEN_ANHALT",
                "SCHLESWIG_HOLSTEIN",
                "THUERINGEN",
                name="region",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("bio", sa.String(), nullable=True),
        sa.Column("ai_interests", sa.String(), nullable=True),
        sa.Column("prior_experience", sa.String(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind <> 'ORGANISATION' OR organisation_name IS NOT NULL",
            name=op.f("ck_profile_organisation_has_name"),
        ),
        sa.CheckConstraint(
            "length(display_name) BETWEEN 1 AND 120",
            name=op.f("ck_profile_display_name_length"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_profile")),
        sa.UniqueConstraint("subject_id", name=op.f("uq_profile_subject_id")),
    )
    op.create_index(op.f("ix_profile_region"), "profile", ["region"], unique=False)
    op.create_index(op.f("ix_profile_sector"), "profile", ["sector"], unique=False)
    op.create_table(
        "skill",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "AI_METHODS",
                "DATA",
                "SOFTWARE",
                "DESIGN",
                "DOMAIN",
                "LAW_AND_ETHICS",
                "COMMUNITY",
                "PROJECT",
                name="skillcategory",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "slug = lower(slug) AND length(slug) BETWEEN 1 AND 64",
            name=op.f("ck_skill_slug_form"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill")),
        sa.UniqueConstraint("slug", name=op.f("uq_skill_slug")),
    )
    op.create_index(op.f("ix_skill_category"), "skill", ["category"], unique=False)
    op.create_table(
        "topic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.String(), nullable=True),
        sa.CheckConstraint(
            "slug = lower(slug) AND length(slug) BETWEEN 1 AND 64",
            name=op.f("ck_topic_slug_form"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topic")),
        sa.UniqueConstraint("slug", name=op.f("uq_topic_slug")),
    )
    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("teaser", sa.String(length=280), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "PUBLISHED",
                "ARCHIVED",
                name="ideastatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status = 'DRAFT' OR published_at IS NOT NULL",
            name=op.f("ck_idea_published_has_date"),
        ),
        sa.CheckConstraint(
            "length(teaser) BETWEEN 1 AND 280", name=op.f("ck_idea_teaser_length")
        ),
        sa.CheckConstraint(
            "length(title) BETWEEN 1 AND 120", name=op.f("ck_idea_title_length")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["profile.id"],
            name=op.f("fk_idea_owner_id_profile"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea")),
    )
    op.create_index(op.f("ix_idea_owner_id"), "idea", ["owner_id"], unique=False)
    op.create_index("ix_idea_status_id", "idea", ["status", "id"], unique=False)
    op.create_table(
        "profile_skill",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column(
            "direction",
            sa.Enum(
                "OFFERS",
                "SEEKS",
                name="skilldirection",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "level",
            sa.Enum(
                "BASIC",
                "ADVANCED",
                "EXPERT",
                name="skilllevel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_profile_skill_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skill.id"],
            name=op.f("fk_profile_skill_skill_id_skill"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "profile_id", "skill_id", "direction", name=op.f("pk_profile_skill")
        ),
    )
    op.create_index(
        "ix_profile_skill_skill_direction",
        "profile_skill",
        ["skill_id", "direction"],
        unique=False,
    )
    op.create_table(
        "idea_skill",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_idea_skill_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skill.id"],
            name=op.f("fk_idea_skill_skill_id_skill"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "skill_id", name=op.f("pk_idea_skill")),
    )
    op.create_index(
        op.f("ix_idea_skill_skill_id"), "idea_skill", ["skill_id"], unique=False
    )
    op.create_table(
        "idea_topic",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_idea_topic_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topic.id"],
            name=op.f("fk_idea_topic_topic_id_topic"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("idea_id", "topic_id", name=op.f("pk_idea_topic")),
    )
    op.create_index(
        op.f("ix_idea_topic_topic_id"), "idea_topic", ["topic_id"], unique=False
    )
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 120", name=op.f("ck_team_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_team_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("idea_id", name="one_team_per_idea"),
    )
    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(length=2000), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "ACCEPTED",
                "DECLINED",
                "WITHDRAWN",
                "EXPIRED",
                name="invitestatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'PENDING') = (responded_at IS NULL)",
            name=op.f("ck_invite_responded_unless_pending"),
        ),
        sa.CheckConstraint(
            "idea_id IS NOT NULL OR team_id IS NOT NULL",
            name=op.f("ck_invite_about_something"),
        ),
        sa.CheckConstraint(
            "sender_id <> recipient_id", name=op.f("ck_invite_not_to_self")
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
            name=op.f("fk_invite_idea_id_idea"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recipient_id"],
            ["profile.id"],
            name=op.f("fk_invite_recipient_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["profile.id"],
            name=op.f("fk_invite_sender_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_invite_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invite")),
    )
    op.create_index(op.f("ix_invite_idea_id"), "invite", ["idea_id"], unique=False)
    op.create_index(
        "ix_invite_recipient_status", "invite", ["recipient_id", "status"], unique=False
    )
    op.create_index(op.f("ix_invite_sender_id"), "invite", ["sender_id"], unique=False)
    op.create_index(op.f("ix_invite_team_id"), "invite", ["team_id"], unique=False)
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "LEAD",
                "MEMBER",
                name="teamrole",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "joined_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["profile.id"],
            name=op.f("fk_membership_profile_id_profile"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_membership_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("team_id", "profile_id", name="one_membership_per_profile"),
    )
    op.create_index(
        op.f("ix_membership_profile_id"), "membership", ["profile_id"], unique=False
    )
    op.create_index(
        "ux_membership_one_lead",
        "membership",
        ["team_id"],
        unique=True,
        sqlite_where=sa.text("role = 'LEAD'"),
        postgresql_where=sa.text("role = 'LEAD'"),
    )
    op.create_table(
        "progress_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "ONGOING",
                "DELIVERED",
                "SUCCESSFUL_FAILURE",
                name="progressoutcome",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("lessons_learned", sa.String(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "outcome <> 'SUCCESSFUL_FAILURE' OR length(coalesce(lessons_learned, '')) > 0",
            name=op.f("ck_progress_update_failure_has_lessons"),
        ),
        sa.CheckConstraint(
            "length(title) BETWEEN 1 AND 200",
            name=op.f("ck_progress_update_title_length"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["profile.id"],
            name=op.f("fk_progress_update_author_id_profile"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_progress_update_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_update")),
    )
    op.create_index(
        op.f("ix_progress_update_author_id"),
        "progress_update",
        ["author_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_progress_update_team_id"), "progress_update", ["team_id"], unique=False
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("project_draft", sa.String(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "SUBMITTED",
                "SHORTLISTED",
                "AWARDED",
                "REJECTED",
                "WITHDRAWN",
                name="submissionstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("award_eur", sa.Integer(), nullable=True),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "award_eur IS NULL OR (status = 'AWARDED' AND award_eur > 0)",
            name=op.f("ck_submission_award_only_when_awarded"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["contest_round.id"],
            name=op.f("fk_submission_round_id_contest_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_submission_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission")),
        sa.UniqueConstraint("team_id", "round_id", name="one_submission_per_round"),
    )
    op.create_index(
        "ix_submission_round_status", "submission", ["round_id", "status"], unique=False
    )
    create_idea_search()


SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE idea_search USING fts5(
        title, teaser, description,
        content='idea', content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER idea_search_insert AFTER INSERT ON idea BEGIN
        INSERT INTO idea_search(rowid, title, teaser, description)
        VALUES (new.id, new.title, new.teaser, new.description);
    END""",
    """CREATE TRIGGER idea_search_delete AFTER DELETE ON idea BEGIN
        INSERT INTO idea_search(idea_search, rowid, title, teaser, description)
        VALUES ('delete', old.id, old.title, old.teaser, old.description);
    END""",
    """CREATE TRIGGER idea_search_update AFTER UPDATE OF title, teaser, description ON idea BEGIN
        INSERT INTO idea_search(idea_search, rowid, title, teaser, description)
        VALUES ('delete', old.id, old.title, old.teaser, old.description);
        INSERT INTO idea_search(rowid, title, teaser, description)
        VALUES (new.id, new.title, new.teaser, new.description);
    END""",
]

POSTGRESQL_SEARCH = [
    """ALTER TABLE idea ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('german', title), 'A')
        || setweight(to_tsvector('german', teaser), 'B')
        || setweight(to_tsvector('german', description), 'C')) STORED""",
    "CREATE INDEX ix_idea_search_vector ON idea USING gin (search_vector)",
]


def create_idea_search() -> None:
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRESQL_SEARCH:
        op.execute(statement)


def drop_idea_search() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER idea_search_{trigger}")
        op.execute("DROP TABLE idea_search")
    else:
        op.execute("DROP INDEX ix_idea_search_vector")
        op.execute("ALTER TABLE idea DROP COLUMN search_vector")


def downgrade() -> None:
    drop_idea_search()
    op.drop_index("ix_submission_round_status", table_name="submission")
    op.drop_table("submission")
    op.drop_index(op.f("ix_progress_update_team_id"), table_name="progress_update")
    op.drop_index(op.f("ix_progress_update_author_id"), table_name="progress_update")
    op.drop_table("progress_update")
    op.drop_index(
        "ux_membership_one_lead",
        table_name="membership",
        sqlite_where=sa.text("role = 'LEAD'"),
        postgresql_where=sa.text("role = 'LEAD'"),
    )
    op.drop_index(op.f("ix_membership_profile_id"), table_name="membership")
    op.drop_table("membership")
    op.drop_index(op.f("ix_invite_team_id"), table_name="invite")
    op.drop_index(op.f("ix_invite_sender_id"), table_name="invite")
    op.drop_index("ix_invite_recipient_status", table_name="invite")
    op.drop_index(op.f("ix_invite_idea_id"), table_name="invite")
    op.drop_table("invite")
    op.drop_table("team")
    op.drop_index(op.f("ix_idea_topic_topic_id"), table_name="idea_topic")
    op.drop_table("idea_topic")
    op.drop_index(op.f("ix_idea_skill_skill_id"), table_name="idea_skill")
    op.drop_table("idea_skill")
    op.drop_index("ix_profile_skill_skill_direction", table_name="profile_skill")
    op.drop_table("profile_skill")
    op.drop_index("ix_idea_status_id", table_name="idea")
    op.drop_index(op.f("ix_idea_owner_id"), table_name="idea")
    op.drop_table("idea")
    op.drop_table("topic")
    op.drop_index(op.f("ix_skill_category"), table_name="skill")
    op.drop_table("skill")
    op.drop_index(op.f("ix_profile_sector"), table_name="profile")
    op.drop_index(op.f("ix_profile_region"), table_name="profile")
    op.drop_table("profile")
    op.drop_index(op.f("ix_contest_round_year"), table_name="contest_round")
    op.drop_table("contest_round")

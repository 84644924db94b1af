"""Registers the platform's vocabularies (models.enums) as GraphQL enums with descriptions."""

import strawberry

from models import enums
from models.enums import (
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    ProgressOutcome,
    Region,
    RoundKind,
    RoundPhase,
    Sector,
    SkillCategory,
    SkillDirection,
    SkillLevel,
    SubmissionStatus,
    TeamRole,
)

strawberry.enum(enums.ProfileKind, description="A single person or an organisation.")
strawberry.enum(
    enums.Sector,
    description="The part of society a profile belongs to; teams are meant to span sectors.",
)
strawberry.enum(enums.Region, description="A German federal state (Land).")
strawberry.enum(enums.SkillCategory, description="The group a skill belongs to.")
strawberry.enum(enums.SkillDirection, description="Whether a profile offers a skill or seeks it in partners.")
strawberry.enum(enums.SkillLevel, description="How deep the skill goes: offered, or wanted in a partner.")
strawberry.enum(
    enums.IdeaStatus,
    description="DRAFT is seen by its owner only, PUBLISHED by everyone, ARCHIVED is kept for the record.",
)
strawberry.enum(enums.TeamRole, description="A team has exactly one LEAD.")
strawberry.enum(
    enums.RoundKind,
    description="IDEA_CONTEST awards up to 20,000 EUR; FUNDING_ROUND funds joint projects "
    "with up to 500,000 EUR.",
)
strawberry.enum(
    enums.RoundPhase,
    description="Derived from the round's dates: UPCOMING before it opens, OPEN until it closes, "
    "CLOSED after.",
)
strawberry.enum(enums.SubmissionStatus, description="Where a submission stands.")
strawberry.enum(enums.InviteStatus, description="Where an invitation stands.")
strawberry.enum(
    enums.ProgressOutcome,
    description="SUCCESSFUL_FAILURE is a documented result with lessons learned, valued as such.",
)

__all__ = [
    "IdeaStatus",
    "InviteStatus",
    "ProfileKind",
    "ProgressOutcome",
    "Region",
    "RoundKind",
    "RoundPhase",
    "Sector",
    "SkillCategory",
    "SkillDirection",
    "SkillLevel",
    "SubmissionStatus",
    "TeamRole",
]

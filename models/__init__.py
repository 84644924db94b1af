"""SQLModel tables, the database handle and migrations. Nothing here knows about GraphQL."""

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from models.contest import AwardInstalment, ContestRound, Submission  # noqa: E402
from models.event import Event  # noqa: E402
from models.idea import Idea, IdeaReport, IdeaSkill, IdeaTopic  # noqa: E402
from models.invite import Invite  # noqa: E402
from models.profile import Profile  # noqa: E402
from models.progress import ProgressUpdate  # noqa: E402
from models.skill import ProfileSkill, Skill  # noqa: E402
from models.team import Membership, Team  # noqa: E402
from models.topic import Topic  # noqa: E402

metadata = SQLModel.metadata

__all__ = [
    "AwardInstalment",
    "ContestRound",
    "Event",
    "Idea",
    "IdeaReport",
    "IdeaSkill",
    "IdeaTopic",
    "Invite",
    "Membership",
    "Profile",
    "ProfileSkill",
    "ProgressUpdate",
    "Skill",
    "Submission",
    "Team",
    "Topic",
    "metadata",
]

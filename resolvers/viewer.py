"""Who is asking: the signed-in subject, their roles, their profile and the teams they are in."""

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import col

from models import Membership, Profile, Team
from models.db import RequestReader
from models.query import Query


class Role(StrEnum):
    """Roles the portal grants in the token's `roles` claim."""

    JURY = "jury"
    ADMIN = "admin"


class Reach(Enum):
    """How far a viewer sees, from the public keyhole to everything."""

    ANONYMOUS = "anonymous"
    MEMBER = "member"
    JURY = "jury"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Identity:
    """What a verified token says: the portal's subject id and the roles it grants."""

    subject: str
    roles: frozenset[Role] = frozenset()
    expires_at: datetime | None = None
    """When the token stops being valid; a live subscription ends then."""

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True, slots=True)
class Viewer:
    subject: str | None = None
    roles: frozenset[Role] = frozenset()
    profile_id: int | None = None
    """None until the signed-in member has created a profile."""
    team_ids: frozenset[int] = field(default_factory=frozenset)
    team_idea_ids: frozenset[int] = field(default_factory=frozenset)
    """The ideas the viewer's teams carry: team members see them whatever their status."""

    @property
    def signed_in(self) -> bool:
        return self.subject is not None

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def reach(self) -> Reach:
        if Role.ADMIN in self.roles:
            return Reach.ADMIN
        if Role.JURY in self.roles:
            return Reach.JURY
        return Reach.MEMBER if self.signed_in else Reach.ANONYMOUS

    @property
    def parameters(self) -> dict[str, Any]:
        """The bind parameters of the visibility conditions (resolvers.policy)."""
        return {
            "viewer_profile": self.profile_id or 0,
            "viewer_teams": sorted(self.team_ids),
            "viewer_ideas": sorted(self.team_idea_ids),
        }


ANONYMOUS = Viewer()

VIEWER_BY_SUBJECT = Query(
    select(col(Profile.id), col(Membership.team_id), col(Team.idea_id))
    .outerjoin(Membership, col(Membership.profile_id) == col(Profile.id))
    .outerjoin(Team, col(Team.id) == col(Membership.team_id))
    .where(col(Profile.subject_id) == bindparam("subject"))
)


async def viewer_of(reader: RequestReader, identity: Identity | None) -> Viewer:
    """One statement: the viewer's profile with the teams it belongs to."""
    if identity is None:
        return ANONYMOUS
    rows = await reader.fetch_all(VIEWER_BY_SUBJECT, subject=identity.subject)
    return Viewer(
        subject=identity.subject,
        roles=identity.roles,
        profile_id=rows[0].id if rows else None,
        team_ids=frozenset(row.team_id for row in rows if row.team_id is not None),
        team_idea_ids=frozenset(row.idea_id for row in rows if row.idea_id is not None),
    )

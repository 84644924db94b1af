"""Partner and idea matching: who completes whom, and which ideas need what a member offers.

A partner's complementarity with a member is the summed weight of the skills they offer that
the member seeks, and of the skills they seek that the member offers. A skill's weight is
IDF-style over the whole network (resolvers.skill_index), so a rare skill counts for more than
one everybody has. Partners from another sector score `CROSS_SECTOR_BONUS` more, since bringing
sectors together is the platform's principle. Current teammates and the people a member has a
pending invitation with are left out: they have already met."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

import numpy as np
from sqlalchemy import ColumnElement, bindparam, exists, func, literal, not_, or_, select, union_all
from sqlmodel import col

from models import Idea, IdeaSkill, Invite, Membership, Profile, ProfileSkill, Team
from models.db import Database, RequestReader
from models.enums import IdeaStatus, InviteStatus, ProfileKind, Region, Sector, SkillDirection
from models.query import AnySelect, Query, in_array
from resolvers.errors import UserInputError
from resolvers.skill_index import KINDS, REGIONS, SECTORS, SkillIndex, skill_index
from resolvers.team import MAX_TEAM_SIZE

MAX_MATCHES = 50
DEFAULT_MATCHES = 10
CROSS_SECTOR_BONUS = 0.25
"""A partner from another sector scores this much more: score = complementarity × 1.25."""


class Notice(StrEnum):
    """Why matching found nothing to go on, so the member knows what to do instead of seeing noise."""

    NO_PROFILE = "NO_PROFILE"
    NO_SKILLS = "NO_SKILLS"
    NO_OFFERS = "NO_OFFERS"
    NO_NEEDS = "NO_NEEDS"
    NEEDS_COVERED = "NEEDS_COVERED"
    NO_CANDIDATES = "NO_CANDIDATES"
    SINGLE_SECTOR = "SINGLE_SECTOR"


NOTICES = {
    Notice.NO_PROFILE: "Create your profile first: matching compares the skills profiles offer and seek.",
    Notice.NO_SKILLS: "Add the skills you offer and seek (setSkills): partners are matched on them.",
    Notice.NO_OFFERS: "Add the skills you offer (setSkills): ideas are matched on what they need.",
    Notice.NO_NEEDS: "The idea names no skills it needs; add them so partners can be matched to it.",
    Notice.NEEDS_COVERED: "The team already offers every skill the idea needs.",
    Notice.NO_CANDIDATES: "No other profile offers the skills the idea still needs.",
    Notice.SINGLE_SECTOR: "No candidate could make the team span two sectors, as the idea contest "
    "requires; this team spans one.",
}


@dataclass(frozen=True, slots=True)
class Weighted:
    skill_id: int
    weight: float


@dataclass(frozen=True, slots=True)
class PartnerMatch:
    profile_id: int
    score: float
    complementarity: float
    they_offer: tuple[Weighted, ...]
    """Skills the partner offers that the member (or idea) seeks."""
    they_seek: tuple[Weighted, ...]
    """Skills the partner seeks that the member offers."""
    cross_sector: bool


@dataclass(frozen=True, slots=True)
class IdeaMatch:
    idea_id: int
    score: float
    complementarity: float
    skills: tuple[Weighted, ...]
    """The idea's open needs the member offers."""
    cross_sector: bool


Item = TypeVar("Item")


@dataclass(frozen=True, slots=True)
class Matches(Generic[Item]):
    items: list[Item] = field(default_factory=list)
    notice: Notice | None = None


@dataclass(frozen=True, slots=True)
class PartnerCriteria:
    """Optional narrowing of partner candidates; within a list any value matches."""

    sectors: Sequence[Sector] = ()
    regions: Sequence[Region] = ()
    kinds: Sequence[ProfileKind] = ()


def match_count(first: int | None) -> int:
    if first is None:
        return DEFAULT_MATCHES
    if first < 0 or first > MAX_MATCHES:
        raise UserInputError("first", f"'first' must be between 0 and {MAX_MATCHES}, got {first}.")
    return first


def _score(complementarity: float, cross_sector: bool) -> float:
    return complementarity * (1 + CROSS_SECTOR_BONUS) if cross_sector else complementarity


def _matched(skills: Iterable[int], wanted: dict[int, float]) -> tuple[Weighted, ...]:
    found = [Weighted(skill, wanted[skill]) for skill in skills if skill in wanted]
    return tuple(sorted(found, key=lambda w: (-w.weight, w.skill_id)))


def _codes(values: Sequence[Any], vocabulary: tuple[Any, ...]) -> list[int]:
    return [vocabulary.index(value) for value in values]


def _rank(
    index: SkillIndex,
    offered: dict[int, float],
    sought: dict[int, float],
    home: set[Sector],
    excluded: Iterable[int],
    criteria: PartnerCriteria,
    first: int,
) -> list[PartnerMatch]:
    """The `first` profiles with the highest score: offering skills in `offered`, seeking those in
    `sought`, from outside the `home` sectors for the bonus; ties go to the older profile."""
    profiles = index.profiles
    complementarity = index.complement(offered, sought)
    cross = ~np.isin(profiles.sector, _codes(sorted(home), SECTORS))
    score = np.where(cross, complementarity * (1 + CROSS_SECTOR_BONUS), complementarity)
    eligible = complementarity > 0
    eligible[index.positions(list(excluded))] = False
    for codes, vocabulary, chosen in (
        (profiles.sector, SECTORS, criteria.sectors),
        (profiles.region, REGIONS, criteria.regions),
        (profiles.kind, KINDS, criteria.kinds),
    ):
        if chosen:
            eligible &= np.isin(codes, _codes(chosen, vocabulary))
    candidates = np.flatnonzero(eligible)
    best = candidates[np.lexsort((profiles.ids[candidates], -score[candidates]))[:first]]
    matches = []
    for position in best.tolist():
        offers, seeks = index.skills_of(position)
        matches.append(
            PartnerMatch(
                profile_id=int(profiles.ids[position]),
                score=float(score[position]),
                complementarity=float(complementarity[position]),
                they_offer=_matched(offers, offered),
                they_seek=_matched(seeks, sought),
                cross_sector=bool(cross[position]),
            )
        )
    return matches


_teammates: AnySelect = select(col(Membership.profile_id).label("profile_id")).join(
    Team, col(Team.id) == col(Membership.team_id)
)
_mine = select(col(Membership.team_id)).where(col(Membership.profile_id) == bindparam("profile"))
_pending = col(Invite.status) == InviteStatus.PENDING
_met = union_all(
    _teammates.where(col(Team.id).in_(_mine), col(Membership.profile_id).is_not(None)),
    select(col(Invite.recipient_id)).where(col(Invite.sender_id) == bindparam("profile"), _pending),
    select(col(Invite.sender_id)).where(col(Invite.recipient_id) == bindparam("profile"), _pending),
).subquery()
ALREADY_MET = Query(select(_met.c.profile_id))
"""A profile's teammates (a former member without a profile aside) and the other side of its
pending invitations."""

_about_idea = or_(
    col(Invite.idea_id) == bindparam("idea"),
    col(Invite.team_id).in_(select(col(Team.id)).where(col(Team.idea_id) == bindparam("idea"))),
)
_circle = union_all(
    select(col(Idea.owner_id).label("profile_id"), literal("CREW").label("relation")).where(
        col(Idea.id) == bindparam("idea")
    ),
    _teammates.add_columns(literal("CREW")).where(
        col(Team.idea_id) == bindparam("idea"), col(Membership.profile_id).is_not(None)
    ),
    select(col(Invite.recipient_id), col(Invite.status)).where(_about_idea),
    select(col(Invite.sender_id), col(Invite.status)).where(_about_idea),
).subquery()
IDEA_CIRCLE = Query(select(_circle.c.profile_id, _circle.c.relation))
"""Who is around an idea: its crew (owner and team) and both sides of invitations about it."""


@dataclass(frozen=True, slots=True)
class Circle:
    crew: list[int]
    pending: set[int]
    interested: set[int]
    """Invited or inviting about the idea, pending or accepted, and not in the crew."""


async def idea_circle(reader: RequestReader, idea_id: int) -> Circle:
    rows = await reader.fetch_all(IDEA_CIRCLE, idea=idea_id)
    crew = list(dict.fromkeys(row.profile_id for row in rows if row.relation == "CREW"))
    others = [row for row in rows if row.profile_id not in crew]
    return Circle(
        crew=crew,
        pending={row.profile_id for row in others if row.relation == InviteStatus.PENDING},
        interested={
            row.profile_id for row in others if row.relation in (InviteStatus.PENDING, InviteStatus.ACCEPTED)
        },
    )


@dataclass(frozen=True, slots=True)
class Member:
    """A profile in the index, with what it offers and seeks."""

    index: SkillIndex
    position: int
    offers: set[int]
    seeks: set[int]

    @property
    def sector(self) -> Sector:
        return self.index.sector_of(self.position)


async def member(database: Database, reader: RequestReader, profile_id: int) -> Member | None:
    """None when the profile has no skills (or no longer exists)."""
    index = await skill_index(database, reader)
    position = index.position(profile_id)
    if position is None:
        return None
    offers, seeks = index.skills_of(position)
    return Member(index, position, offers, seeks) if offers or seeks else None


async def match_partners(
    database: Database,
    reader: RequestReader,
    profile_id: int | None,
    first: int | None,
    criteria: PartnerCriteria,
) -> Matches[PartnerMatch]:
    """The profiles that complete `profile_id` best, leaving out those it has already met."""
    count = match_count(first)
    if profile_id is None:
        return Matches(notice=Notice.NO_PROFILE)
    me = await member(database, reader, profile_id)
    if me is None:
        return Matches(notice=Notice.NO_SKILLS)
    met = [row.profile_id for row in await reader.fetch_all(ALREADY_MET, profile=profile_id)]
    index = me.index
    matches = _rank(
        index,
        offered={skill: index.weight(skill) for skill in me.seeks},
        sought={skill: index.weight(skill) for skill in me.offers},
        home={me.sector},
        excluded=[profile_id, *met],
        criteria=criteria,
        first=count,
    )
    return Matches(matches)


@dataclass(frozen=True, slots=True)
class IdeaNeeds:
    """An idea's needed skills, what its crew already offers, and the sectors it spans."""

    index: SkillIndex
    circle: Circle
    needed: list[int]
    open: dict[int, float]
    sectors: set[Sector]

    @property
    def notice(self) -> Notice | None:
        if not self.needed:
            return Notice.NO_NEEDS
        return None if self.open else Notice.NEEDS_COVERED


async def idea_needs(
    database: Database, reader: RequestReader, idea_id: int, needed: Sequence[int]
) -> IdeaNeeds:
    index = await skill_index(database, reader)
    circle = await idea_circle(reader, idea_id)
    covered: set[int] = set()
    sectors = set()
    for position in index.positions(circle.crew):
        covered |= index.skills_of(position)[0]
        sectors.add(index.sector_of(position))
    return IdeaNeeds(
        index=index,
        circle=circle,
        needed=list(needed),
        open={skill: index.weight(skill) for skill in needed if skill not in covered},
        sectors=sectors,
    )


def partners_for_needs(
    needs: IdeaNeeds, first: int, criteria: PartnerCriteria, *, with_pending: bool = False
) -> list[PartnerMatch]:
    """Profiles offering the idea's open needs, from outside the crew's sectors for the bonus;
    those with a pending invitation about the idea only `with_pending`."""
    excluded = needs.circle.crew if with_pending else [*needs.circle.crew, *needs.circle.pending]
    return _rank(needs.index, needs.open, {}, needs.sectors, excluded, criteria, first)


async def suggested_partners(
    database: Database,
    reader: RequestReader,
    idea_id: int,
    needed: Sequence[int],
    first: int | None,
    criteria: PartnerCriteria,
) -> Matches[PartnerMatch]:
    count = match_count(first)
    needs = await idea_needs(database, reader, idea_id, needed)
    if needs.notice is not None:
        return Matches(notice=needs.notice)
    return Matches(partners_for_needs(needs, count, criteria))


_need, _idea = IdeaSkill, Idea


def _crew_has(has: Callable[[Any], ColumnElement[bool]]) -> ColumnElement[bool]:
    """The idea's owner, or a member of its team, `has` (a lookup by profile id). Each is its own
    indexed lookup: an OR over both, or a join the planner may start from the other end, scans."""
    members = (
        select(literal(1))
        .select_from(Membership)
        .join(Team, col(Team.id) == col(Membership.team_id))
        .where(col(Team.idea_id) == col(_idea.id), has(col(Membership.profile_id)))
    )
    return or_(has(col(_idea.owner_id)), exists(members))


def _offers_need(profile_id: Any) -> ColumnElement[bool]:
    return exists(
        select(literal(1))
        .select_from(ProfileSkill)
        .where(
            col(ProfileSkill.profile_id) == profile_id,
            col(ProfileSkill.skill_id) == col(_need.skill_id),
            col(ProfileSkill.direction) == SkillDirection.OFFERS,
        )
        .correlate_except(ProfileSkill)
    )


def _in_my_sector(profile_id: Any) -> ColumnElement[bool]:
    return exists(
        select(literal(1))
        .select_from(Profile)
        .where(col(Profile.id) == profile_id, col(Profile.sector) == bindparam("sector"))
        .correlate_except(Profile)
    )


_covered = _crew_has(_offers_need)
_same_sector = _crew_has(_in_my_sector)
_team_size = (
    select(func.count())
    .select_from(Membership)
    .join(Team, col(Team.id) == col(Membership.team_id))
    .where(col(Team.idea_id) == col(_idea.id))
    .scalar_subquery()
)
OPEN_NEEDS_OFFERED = Query(
    select(
        col(_need.idea_id),
        col(_need.skill_id),
        _same_sector.label("same_sector"),
        _team_size.label("team_size"),
    )
    .join(_idea, col(_idea.id) == col(_need.idea_id))
    .where(
        in_array(col(_need.skill_id), "offers"),
        col(_idea.status) == IdeaStatus.PUBLISHED,
        col(_idea.hidden_at).is_(None),
        col(_idea.owner_id) != bindparam("profile"),
        not_(in_array(col(_idea.id), "own_ideas")),
        ~_covered,
    )
)
"""Each published idea's open needs (no one in its crew offers them) among the skills offered, for
ideas the member does not own or work on. Full teams are left out by the caller: as a condition,
the planners count the team of every published idea before joining the needs."""


async def match_ideas(
    database: Database,
    reader: RequestReader,
    profile_id: int | None,
    own_ideas: Iterable[int],
    first: int | None,
) -> Matches[IdeaMatch]:
    """Published ideas whose open needs the member offers, rarest needs first."""
    count = match_count(first)
    if profile_id is None:
        return Matches(notice=Notice.NO_PROFILE)
    me = await member(database, reader, profile_id)
    if me is None or not me.offers:
        return Matches(notice=Notice.NO_OFFERS)
    rows = await reader.fetch_all(
        OPEN_NEEDS_OFFERED,
        offers=sorted(me.offers),
        profile=profile_id,
        own_ideas=sorted(own_ideas),
        sector=me.sector.value,
    )
    skills: defaultdict[int, list[int]] = defaultdict(list)
    cross: dict[int, bool] = {}
    for row in rows:
        if row.team_size >= MAX_TEAM_SIZE:
            continue
        skills[row.idea_id].append(row.skill_id)
        cross[row.idea_id] = not row.same_sector
    weights = {skill: me.index.weight(skill) for skill in me.offers}
    matches = []
    for idea_id, needed in skills.items():
        complementarity = sum(weights[skill] for skill in needed)
        matches.append(
            IdeaMatch(
                idea_id=idea_id,
                score=_score(complementarity, cross[idea_id]),
                complementarity=complementarity,
                skills=_matched(needed, weights),
                cross_sector=cross[idea_id],
            )
        )
    matches.sort(key=lambda match: (-match.score, match.idea_id))
    return Matches(matches[:count])

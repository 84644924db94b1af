"""The partner network: who has worked with whom, and figures on the network as a whole.

Profiles are the nodes. Two profiles are linked by each team they share, each invitation one
accepted from the other and each submission their team entered together (withdrawn ones aside);
an edge's weight counts all three. Only collaboration any member can see counts: teams and
invitations of drafts and of ideas moderators hid are left out, so the network (and the CLI's
exports) never reveal what the member views do not."""

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, UTC, datetime
from functools import cache
from typing import Any

import networkx as nx
from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlmodel import col

from models import (
    ContestRound,
    Idea,
    IdeaTopic,
    Invite,
    Membership,
    Profile,
    ProfileSkill,
    Submission,
    Team,
    Topic,
)
from models.db import RequestReader
from models.enums import InviteStatus, Region, Sector, SkillDirection, SubmissionStatus
from models.query import AnySelect, Query, in_array
from resolvers.errors import UserInputError
from resolvers.policy import ideas_seen_by_every_member

MAX_NETWORK_NODES = 5_000
EXACT_BETWEENNESS_NODES = 1_000
"""Above this many nodes, betweenness is estimated from `BETWEENNESS_SAMPLES` source nodes."""
BETWEENNESS_SAMPLES = 256
SEED = 2026
"""Louvain and sampled betweenness are randomised; a fixed seed gives the same answer each time."""

TEAM, INVITE, SUBMISSION = "TEAM", "INVITE", "SUBMISSION"


@dataclass(frozen=True, slots=True)
class NetworkFilter:
    """Every given part must hold: both ends of an edge in the sectors and regions, the
    collaboration about an idea in the topics (by slug), in the round, or in the year."""

    sectors: Sequence[Sector] = ()
    regions: Sequence[Region] = ()
    topics: Sequence[str] = ()
    round_id: int | None = None
    year: int | None = None

    def parameters(self) -> dict[str, Any]:
        year = self.year or 2000
        return {
            "sectors": [sector.value for sector in self.sectors],
            "regions": [region.value for region in self.regions],
            "topics": list(self.topics),
            "round": self.round_id,
            "year": year,
            "year_starts": datetime(year, 1, 1, tzinfo=UTC),
            "year_ends": datetime(year + 1, 1, 1, tzinfo=UTC),
        }


def _between(moment: Any) -> ColumnElement[bool]:
    return and_(moment >= bindparam("year_starts"), moment < bindparam("year_ends"))


@cache
def _facts(topics: bool, round_: bool, year: bool, sectors: bool, regions: bool) -> Query:
    """One row (a, b, kind) per collaboration fact between profiles a and b, for one shape of filter."""
    one, two = aliased(Membership), aliased(Membership)
    team_ideas = (
        select(col(Team.id)).join(Idea, col(Idea.id) == col(Team.idea_id)).where(ideas_seen_by_every_member())
    )
    entered = select(col(Submission.team_id)).where(col(Submission.status) != SubmissionStatus.WITHDRAWN)

    def topical(idea_id: Any) -> ColumnElement[bool]:
        return exists(
            select(literal(1))
            .select_from(IdeaTopic)
            .join(Topic, col(Topic.id) == col(IdeaTopic.topic_id))
            .where(col(IdeaTopic.idea_id) == idea_id, in_array(col(Topic.slug), "topics"))
        )

    pairs: AnySelect = (
        select(col(one.profile_id).label("a"), col(two.profile_id).label("b"))
        .select_from(one)
        .join(two, and_(col(two.team_id) == col(one.team_id), col(two.profile_id) > col(one.profile_id)))
        .join(Team, col(Team.id) == col(one.team_id))
        .where(col(Team.id).in_(team_ideas))
    )
    teams = pairs.add_columns(literal(TEAM).label("kind"))
    submissions = (
        pairs.add_columns(literal(SUBMISSION))
        .join(Submission, col(Submission.team_id) == col(Team.id))
        .join(ContestRound, col(ContestRound.id) == col(Submission.round_id))
        .where(col(Submission.status) != SubmissionStatus.WITHDRAWN)
    )
    invite_idea = func.coalesce(
        col(Invite.idea_id),
        select(col(Team.idea_id)).where(col(Team.id) == col(Invite.team_id)).scalar_subquery(),
    )
    invite_team = func.coalesce(
        col(Invite.team_id),
        select(col(Team.id)).where(col(Team.idea_id) == col(Invite.idea_id)).scalar_subquery(),
    )
    invites = (
        select(col(Invite.sender_id), col(Invite.recipient_id), literal(INVITE))
        .join(Idea, col(Idea.id) == invite_idea)
        .where(col(Invite.status) == InviteStatus.ACCEPTED, ideas_seen_by_every_member())
    )
    if topics:
        teams = teams.where(topical(col(Team.idea_id)))
        submissions = submissions.where(topical(col(Team.idea_id)))
        invites = invites.where(topical(col(Idea.id)))
    if round_:
        in_round = entered.where(col(Submission.round_id) == bindparam("round"))
        teams = teams.where(col(Team.id).in_(in_round))
        submissions = submissions.where(col(Submission.round_id) == bindparam("round"))
        invites = invites.where(invite_team.in_(in_round))
    if year:
        teams = teams.where(_between(col(Team.created_at)))
        submissions = submissions.where(col(ContestRound.year) == bindparam("year", type_=Integer))
        invites = invites.where(_between(col(Invite.responded_at)))
    facts = union_all(teams, submissions, invites).subquery()
    statement = select(facts.c.a, facts.c.b, facts.c.kind)
    if sectors or regions:
        for end in (facts.c.a, facts.c.b):
            profile = aliased(Profile)
            statement = statement.join(profile, col(profile.id) == end)
            if sectors:
                statement = statement.where(in_array(col(profile.sector), "sectors"))
            if regions:
                statement = statement.where(in_array(col(profile.region), "regions"))
    return Query(statement)


@dataclass(frozen=True, slots=True)
class Edge:
    a: int
    b: int
    teams: int
    invites: int
    submissions: int

    @property
    def weight(self) -> int:
        return self.teams + self.invites + self.submissions


@dataclass(frozen=True, slots=True)
class Node:
    profile_id: int
    degree: int
    strength: int
    """Weighted degree: the sum of the node's edge weights."""
    betweenness: float
    community: int


@dataclass(frozen=True, slots=True)
class Network:
    nodes: list[Node]
    edges: list[Edge]
    communities: int
    betweenness_exact: bool
    graph: nx.Graph = field(repr=False)


def _edges(rows: Sequence[Any]) -> list[Edge]:
    counts: Counter[tuple[int, int, str]] = Counter()
    for row in rows:
        if row.a is not None and row.b is not None and row.a != row.b:
            counts[(min(row.a, row.b), max(row.a, row.b), row.kind)] += 1
    pairs = sorted({(a, b) for a, b, _ in counts})
    return [
        Edge(a, b, counts[(a, b, TEAM)], counts[(a, b, INVITE)], counts[(a, b, SUBMISSION)]) for a, b in pairs
    ]


def analyse(edges: list[Edge]) -> Network:
    """Degree, betweenness and Louvain community of every profile with at least one edge."""
    graph = nx.Graph()
    for edge in edges:
        graph.add_edge(
            edge.a,
            edge.b,
            weight=edge.weight,
            teams=edge.teams,
            invites=edge.invites,
            submissions=edge.submissions,
        )
    exact = graph.number_of_nodes() <= EXACT_BETWEENNESS_NODES
    betweenness = nx.betweenness_centrality(
        graph, k=None if exact else BETWEENNESS_SAMPLES, normalized=True, seed=SEED
    )
    found = nx.community.louvain_communities(graph, weight="weight", seed=SEED) if edges else []
    ordered = sorted(found, key=lambda members: (-len(members), min(members)))
    community = {member: number for number, members in enumerate(ordered) for member in members}
    nodes = [
        Node(
            profile_id=key,
            degree=graph.degree(key),
            strength=graph.degree(key, weight="weight"),
            betweenness=betweenness[key],
            community=community[key],
        )
        for key in sorted(graph.nodes)
    ]
    return Network(nodes, edges, len(ordered), exact, graph)


def _facts_for(given: NetworkFilter) -> Query:
    return _facts(
        bool(given.topics),
        given.round_id is not None,
        given.year is not None,
        bool(given.sectors),
        bool(given.regions),
    )


async def collaboration(reader: RequestReader, given: NetworkFilter) -> list[Edge]:
    """The network's edges for a filter; a filter that matches nothing gives none."""
    if given.year is not None and not MINYEAR <= given.year < MAXYEAR:
        return []
    return _edges(await reader.fetch_all(_facts_for(given), **given.parameters()))


async def partner_network(reader: RequestReader, given: NetworkFilter) -> Network:
    edges = await collaboration(reader, given)
    nodes = len({end for edge in edges for end in (edge.a, edge.b)})
    if nodes > MAX_NETWORK_NODES:
        raise UserInputError(
            "filter",
            f"The network for this filter has {nodes:,} profiles; partnerNetwork returns at most "
            f"{MAX_NETWORK_NODES:,}. Narrow it by sector, region, topic, round or year.",
        )
    return await asyncio.to_thread(analyse, edges)


@dataclass(frozen=True, slots=True)
class SkillBalance:
    skill_id: int
    offered: int
    sought: int

    @property
    def gap(self) -> int:
        """Positive when more profiles seek the skill than offer it."""
        return self.sought - self.offered


@dataclass(frozen=True, slots=True)
class RoundFigures:
    """A round's submissions (withdrawn ones aside) with a member of the sector in their team."""

    round_id: int
    sector: Sector
    submissions: int
    awards: int
    awarded_eur: int


@dataclass(frozen=True, slots=True)
class NetworkStats:
    by_sector: dict[Sector, int]
    by_region: dict[Region | None, int]
    edges: int
    cross_sector_edges: int
    skills: list[SkillBalance]
    rounds: list[RoundFigures]

    @property
    def cross_sector_share(self) -> float:
        return self.cross_sector_edges / self.edges if self.edges else 0.0


PROFILES_BY_SECTOR = Query(select(col(Profile.sector), func.count()).group_by(col(Profile.sector)))
PROFILES_BY_REGION = Query(select(col(Profile.region), func.count()).group_by(col(Profile.region)))
SKILL_CLAIMS = Query(
    select(
        col(ProfileSkill.skill_id),
        func.sum(case((col(ProfileSkill.direction) == SkillDirection.OFFERS, 1), else_=0)).label("offered"),
        func.sum(case((col(ProfileSkill.direction) == SkillDirection.SEEKS, 1), else_=0)).label("sought"),
    )
    .group_by(col(ProfileSkill.skill_id))
    .order_by(col(ProfileSkill.skill_id))
)


def _edge_sectors() -> Query:
    facts = _facts(False, False, False, False, False).statement.subquery()
    pairs = select(facts.c.a, facts.c.b).distinct().subquery()
    one, two = aliased(Profile), aliased(Profile)
    return Query(
        select(
            func.count().label("edges"),
            func.coalesce(func.sum(case((col(one.sector) != col(two.sector), 1), else_=0)), 0).label("cross"),
        )
        .select_from(pairs)
        .join(one, col(one.id) == pairs.c.a)
        .join(two, col(two.id) == pairs.c.b)
    )


EDGE_SECTORS = _edge_sectors()
_entries = (
    select(
        col(Submission.id),
        col(Submission.round_id),
        col(Submission.status),
        col(Submission.award_eur),
        col(Profile.sector),
    )
    .join(Membership, col(Membership.team_id) == col(Submission.team_id))
    .join(Profile, col(Profile.id) == col(Membership.profile_id))
    .where(col(Submission.status) != SubmissionStatus.WITHDRAWN)
    .distinct()
    .subquery()
)
_awarded = _entries.c.status == SubmissionStatus.AWARDED
ROUND_FIGURES = Query(
    select(
        _entries.c.round_id,
        _entries.c.sector,
        func.count().label("submissions"),
        func.sum(case((_awarded, 1), else_=0)).label("awards"),
        func.coalesce(func.sum(case((_awarded, _entries.c.award_eur), else_=0)), 0).label("awarded_eur"),
    )
    .group_by(_entries.c.round_id, _entries.c.sector)
    .order_by(_entries.c.round_id, _entries.c.sector)
)


async def network_stats(reader: RequestReader) -> NetworkStats:
    edges = (await reader.fetch_all(EDGE_SECTORS))[0]
    return NetworkStats(
        by_sector={row.sector: row[1] for row in await reader.fetch_all(PROFILES_BY_SECTOR)},
        by_region={row.region: row[1] for row in await reader.fetch_all(PROFILES_BY_REGION)},
        edges=int(edges.edges),
        cross_sector_edges=int(edges.cross),
        skills=[
            SkillBalance(row.skill_id, int(row.offered), int(row.sought))
            for row in await reader.fetch_all(SKILL_CLAIMS)
        ],
        rounds=[
            RoundFigures(row.round_id, row.sector, row.submissions, int(row.awards), int(row.awarded_eur))
            for row in await reader.fetch_all(ROUND_FIGURES)
        ],
    )

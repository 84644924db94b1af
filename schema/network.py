"""The partner network and figures on it, for members and analysts."""

from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from resolvers import network
from resolvers.ids import key_of
from schema import contest as contest_types
from schema import profile as profile_types
from schema import skill as skill_types
from schema.arguments import described
from schema.base import Info
from schema.enums import Region, Sector
from schema.permissions import SignedIn, guard

if TYPE_CHECKING:
    from schema.contest import ContestRound
    from schema.profile import Profile
    from schema.skill import Skill

ProfileType = Annotated["Profile", strawberry.lazy("schema.profile")]


async def _profile(info: Info, key: int) -> "Profile":
    return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(key))


@strawberry.type(description="A profile in the partner network, with its place in it.")
class NetworkNode:
    profile_id: strawberry.Private[int]
    degree: int = strawberry.field(description="How many partners it has worked with.")
    strength: int = strawberry.field(description="The summed weight of its edges.")
    betweenness: float = strawberry.field(
        description="Normalised betweenness centrality (0 to 1): how often it lies on the shortest "
        "path between two others; high for profiles that bridge groups."
    )
    community: int = strawberry.field(
        description="Its Louvain community, numbered from 0 by size, largest first."
    )

    @strawberry.field(description="The profile.")
    async def profile(self, info: Info) -> ProfileType:
        return await _profile(info, self.profile_id)


@strawberry.type(description="Two profiles who worked together, and how often.")
class NetworkEdge:
    source_id: strawberry.Private[int]
    target_id: strawberry.Private[int]
    weight: int = strawberry.field(description="Teams, accepted invitations and joint submissions together.")
    teams: int = strawberry.field(description="Teams they share.")
    invites: int = strawberry.field(description="Invitations one accepted from the other.")
    submissions: int = strawberry.field(description="Submissions their team entered together.")

    @strawberry.field(description="The profile with the lower ID.")
    async def source(self, info: Info) -> ProfileType:
        return await _profile(info, self.source_id)

    @strawberry.field(description="The profile with the higher ID.")
    async def target(self, info: Info) -> ProfileType:
        return await _profile(info, self.target_id)


@strawberry.type(description="Profiles as nodes, their collaboration as edges.")
class PartnerNetwork:
    nodes: list[NetworkNode] = strawberry.field(description="Every profile with an edge, by ID.")
    edges: list[NetworkEdge] = strawberry.field(description="Every pair that worked together.")
    communities: int = strawberry.field(description="How many Louvain communities the network falls into.")
    betweenness_exact: bool = strawberry.field(
        description=f"False above {network.EXACT_BETWEENNESS_NODES:,} nodes, where betweenness is "
        f"estimated from {network.BETWEENNESS_SAMPLES} sampled sources."
    )

    @classmethod
    def of(cls, found: network.Network) -> Self:
        return cls(
            nodes=[
                NetworkNode(
                    profile_id=n.profile_id,
                    degree=n.degree,
                    strength=n.strength,
                    betweenness=n.betweenness,
                    community=n.community,
                )
                for n in found.nodes
            ],
            edges=[
                NetworkEdge(
                    source_id=e.a,
                    target_id=e.b,
                    weight=e.weight,
                    teams=e.teams,
                    invites=e.invites,
                    submissions=e.submissions,
                )
                for e in found.edges
            ],
            communities=found.communities,
            betweenness_exact=found.betweenness_exact,
        )


@strawberry.input(
    description="Narrows the network; every given field must hold. A filter that matches nothing "
    "gives an empty network."
)
class NetworkFilter:
    sector: list[Sector] | None = strawberry.field(
        default=None, description="Both profiles in any of these sectors."
    )
    region: list[Region] | None = strawberry.field(
        default=None, description="Both profiles in any of these federal states."
    )
    topics: list[str] | None = strawberry.field(
        default=None, description="Collaboration on ideas in any of these topics, by slug."
    )
    round: strawberry.ID | None = strawberry.field(
        default=None,
        description="Collaboration of teams that entered this round (a ContestRound ID): their "
        "membership, their submission to it and invitations about them.",
    )
    year: int | None = strawberry.field(
        default=None,
        description="Collaboration of that year: teams formed, invitations accepted, submissions "
        "to its rounds.",
    )

    def given(self) -> network.NetworkFilter:
        return network.NetworkFilter(
            sectors=self.sector or (),
            regions=self.region or (),
            topics=self.topics or (),
            round_id=None if self.round is None else key_of(self.round, "filter.round", "ContestRound"),
            year=self.year,
        )


@strawberry.type(description="How many profiles are in a sector.")
class SectorCount:
    sector: Sector = strawberry.field(description="The sector.")
    profiles: int = strawberry.field(description="Profiles in it.")


@strawberry.type(description="How many profiles are in a federal state.")
class RegionCount:
    region: Region | None = strawberry.field(description="The federal state; null for profiles without one.")
    profiles: int = strawberry.field(description="Profiles in it.")


@strawberry.type(description="How many profiles offer and seek a skill.")
class SkillBalance:
    skill_id: strawberry.Private[int]
    offered: int = strawberry.field(description="Profiles offering it.")
    sought: int = strawberry.field(description="Profiles seeking it.")
    gap: int = strawberry.field(description="Sought minus offered: positive where the skill is scarce.")

    @strawberry.field(description="The skill.")
    async def skill(self, info: Info) -> Annotated["Skill", strawberry.lazy("schema.skill")]:
        return skill_types.Skill.from_row(await info.context.loaders.skill_by_id.load(self.skill_id))


@strawberry.type(
    description="A round's submissions (withdrawn ones aside) whose team has a member of the "
    "sector; a cross-sector team counts in each of its sectors."
)
class RoundSectorFigures:
    round_id: strawberry.Private[int]
    sector: Sector = strawberry.field(description="The sector.")
    submissions: int = strawberry.field(description="Submissions with a team member from the sector.")
    awards: int = strawberry.field(description="Of those, how many were awarded.")
    awarded_eur: int = strawberry.field(description="What those awards total, in euros.")

    @strawberry.field(description="The round.")
    async def round(self, info: Info) -> Annotated["ContestRound", strawberry.lazy("schema.contest")]:
        return contest_types.ContestRound.from_row(await info.context.loaders.round_by_id.load(self.round_id))


@strawberry.type(description="Figures on the whole network.")
class NetworkStats:
    profiles_by_sector: list[SectorCount] = strawberry.field(description="Profiles per sector, most first.")
    profiles_by_region: list[RegionCount] = strawberry.field(description="Profiles per state, most first.")
    edges: int = strawberry.field(description="Pairs of profiles who worked together.")
    cross_sector_edges: int = strawberry.field(description="Of those, pairs from different sectors.")
    cross_sector_share: float = strawberry.field(description="cross_sector_edges / edges; 0 without edges.")
    skills: list[SkillBalance] = strawberry.field(
        description="Supply and demand of every claimed skill, scarcest (largest gap) first."
    )
    rounds: list[RoundSectorFigures] = strawberry.field(
        description="Submissions and awards per round and sector, by round then sector."
    )

    @classmethod
    def of(cls, found: network.NetworkStats) -> Self:
        return cls(
            profiles_by_sector=[
                SectorCount(sector=s, profiles=n)
                for s, n in sorted(found.by_sector.items(), key=lambda item: (-item[1], item[0]))
            ],
            profiles_by_region=[
                RegionCount(region=r, profiles=n)
                for r, n in sorted(found.by_region.items(), key=lambda item: (-item[1], item[0] or ""))
            ],
            edges=found.edges,
            cross_sector_edges=found.cross_sector_edges,
            cross_sector_share=found.cross_sector_share,
            skills=[
                SkillBalance(skill_id=b.skill_id, offered=b.offered, sought=b.sought, gap=b.gap)
                for b in sorted(found.skills, key=lambda b: (-b.gap, b.skill_id))
            ],
            rounds=[
                RoundSectorFigures(
                    round_id=r.round_id,
                    sector=r.sector,
                    submissions=r.submissions,
                    awards=r.awards,
                    awarded_eur=r.awarded_eur,
                )
                for r in found.rounds
            ],
        )


@strawberry.type
class NetworkQuery:
    @strawberry.field(
        description="Who worked with whom: profiles as nodes; shared teams, accepted invitations and "
        "joint submissions as weighted edges; per node its degree, betweenness and Louvain "
        f"community. At most {network.MAX_NETWORK_NODES:,} nodes: a larger network must be narrowed "
        "by `filter`. Drafts and hidden ideas do not count. Signed-in members only.",
        extensions=guard(SignedIn),
    )
    async def partner_network(
        self,
        info: Info,
        filter: Annotated[NetworkFilter | None, described("Only this part of the network.")] = None,
    ) -> PartnerNetwork | None:
        given = (filter or NetworkFilter()).given()
        return PartnerNetwork.of(await network.partner_network(info.context.reader, given))

    @strawberry.field(
        description="Profiles by sector and region, the share of cross-sector edges, skill supply and "
        "demand, and submissions and awards per round and sector. Signed-in members only.",
        extensions=guard(SignedIn),
    )
    async def network_stats(self, info: Info) -> NetworkStats | None:
        return NetworkStats.of(await network.network_stats(info.context.reader))

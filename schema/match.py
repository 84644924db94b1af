"""Partner and idea matching, and the team builder, for signed-in members."""

from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import match, team_builder
from resolvers.match import Matches, Notice, PartnerCriteria, Weighted
from schema import idea as idea_types
from schema import profile as profile_types
from schema import skill as skill_types
from schema.arguments import MatchFirst, PartnerFilterArgument
from schema.base import Info
from schema.enums import ProfileKind, Region, Sector
from schema.permissions import SignedIn, guard

if TYPE_CHECKING:
    from schema.idea import Idea
    from schema.profile import Profile
    from schema.skill import Skill

strawberry.enum(Notice, name="MatchNoticeCode", description="Why matching had nothing to go on.")


@strawberry.type(description="Why a match list is empty, and what to do about it.")
class MatchNotice:
    code: Notice = strawberry.field(description="What is missing.")
    message: str = strawberry.field(description="What to do, in words to show the member.")

    @classmethod
    def of(cls, notice: Notice | None) -> Self | None:
        return None if notice is None else cls(code=notice, message=match.NOTICES[notice])


@strawberry.type(description="A skill that made a match, with the weight it carried.")
class MatchedSkill:
    skill_id: strawberry.Private[int]
    weight: float = strawberry.field(
        description="ln((1 + profiles) / (1 + profiles' claims on the skill)) + 1, over the whole "
        "network: the rarer the skill, the more it weighs."
    )

    @classmethod
    def of(cls, weighted: Weighted) -> Self:
        return cls(skill_id=weighted.skill_id, weight=weighted.weight)

    @strawberry.field(description="The skill.")
    async def skill(self, info: Info) -> Annotated["Skill", strawberry.lazy("schema.skill")]:
        return skill_types.Skill.from_row(await info.context.loaders.skill_by_id.load(self.skill_id))


async def _names(info: Info, skills: list[MatchedSkill]) -> str:
    rows: list[Any] = await info.context.loaders.skill_by_id.load_many([skill.skill_id for skill in skills])
    named = [f"{row.name} ({skill.weight:.2f})" for row, skill in zip(rows, skills, strict=True)]
    return ", ".join(named[:-1]) + f" and {named[-1]}" if len(named) > 1 else "".join(named)


@strawberry.type(
    description="A profile that complements a member or an idea, with its score and the reasons for it."
)
class PartnerMatch:
    profile_id: strawberry.Private[int]
    for_idea: strawberry.Private[bool]
    score: float = strawberry.field(
        description="Complementarity, times 1.25 for a partner from another sector; higher is better."
    )
    complementarity: float = strawberry.field(
        description="The summed weights of the skills matched in both directions."
    )
    they_offer: list[MatchedSkill] = strawberry.field(
        description="Skills the partner offers that are sought (by the member, or still needed by the "
        "idea), heaviest first."
    )
    they_seek: list[MatchedSkill] = strawberry.field(
        description="Skills the partner seeks that the member offers, heaviest first; empty for an idea."
    )
    cross_sector: bool = strawberry.field(
        description="The partner is from another sector (than the member, or than everyone in the "
        "idea's team), which earns the bonus."
    )
    sector_bonus: float = strawberry.field(description="What the cross-sector bonus added to the score.")

    @classmethod
    def of(cls, found: match.PartnerMatch, *, for_idea: bool = False) -> Self:
        return cls(
            profile_id=found.profile_id,
            for_idea=for_idea,
            score=found.score,
            complementarity=found.complementarity,
            they_offer=[MatchedSkill.of(w) for w in found.they_offer],
            they_seek=[MatchedSkill.of(w) for w in found.they_seek],
            cross_sector=found.cross_sector,
            sector_bonus=found.score - found.complementarity,
        )

    @strawberry.field(description="The partner.")
    async def profile(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")]:
        return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(self.profile_id))

    @strawberry.field(description="Why the partner ranks here, in a sentence to show the member.")
    async def explanation(self, info: Info) -> str:
        sought = "the idea still needs" if self.for_idea else "you seek"
        parts = []
        if self.they_offer:
            parts.append(f"Offers {await _names(info, self.they_offer)}, which {sought}.")
        if self.they_seek:
            parts.append(f"Seeks {await _names(info, self.they_seek)}, which you offer.")
        if self.cross_sector:
            parts.append(f"From another sector: +{self.sector_bonus:.2f} (score × 1.25).")
        return " ".join(parts)


@strawberry.type(description="Partners ranked best first, or a notice saying why there are none to rank.")
class PartnerMatches:
    matches: list[PartnerMatch] = strawberry.field(description="The partners, best first.")
    notice: MatchNotice | None = strawberry.field(
        description="Set when matching had nothing to go on (no profile, no skills); null otherwise."
    )

    @classmethod
    def of(cls, found: Matches[match.PartnerMatch], *, for_idea: bool = False) -> Self:
        return cls(
            matches=[PartnerMatch.of(item, for_idea=for_idea) for item in found.items],
            notice=MatchNotice.of(found.notice),
        )


@strawberry.type(description="A published idea whose open needs a member offers.")
class IdeaMatch:
    idea_id: strawberry.Private[int]
    score: float = strawberry.field(
        description="Complementarity, times 1.25 when no one in the idea's team is from the member's sector."
    )
    complementarity: float = strawberry.field(description="The summed weights of the needs matched.")
    skills: list[MatchedSkill] = strawberry.field(
        description="The idea's open needs (no one in its team offers them) that the member offers."
    )
    cross_sector: bool = strawberry.field(description="The member would bring a new sector to the team.")

    @strawberry.field(description="The idea.")
    async def idea(self, info: Info) -> Annotated["Idea", strawberry.lazy("schema.idea")] | None:
        row = await info.context.loaders.idea_by_id.load(self.idea_id)
        return None if row is None else idea_types.Idea.from_row(row)

    @strawberry.field(description="Why the idea ranks here, in a sentence to show the member.")
    async def explanation(self, info: Info) -> str:
        text = f"Needs {await _names(info, self.skills)}, which you offer and its team does not."
        return text + (" You would bring a new sector (score × 1.25)." if self.cross_sector else "")


@strawberry.type(description="Ideas ranked best first, or a notice saying why there are none to rank.")
class IdeaMatches:
    matches: list[IdeaMatch] = strawberry.field(description="The ideas, best first.")
    notice: MatchNotice | None = strawberry.field(
        description="Set when matching had nothing to go on (no profile, nothing offered); null otherwise."
    )

    @classmethod
    def of(cls, found: Matches[match.IdeaMatch]) -> Self:
        return cls(
            matches=[
                IdeaMatch(
                    idea_id=item.idea_id,
                    score=item.score,
                    complementarity=item.complementarity,
                    skills=[MatchedSkill.of(w) for w in item.skills],
                    cross_sector=item.cross_sector,
                )
                for item in found.items
            ],
            notice=MatchNotice.of(found.notice),
        )


@strawberry.type(description="A member of a suggested team.")
class SuggestedMember:
    profile_id: strawberry.Private[int]
    skill_ids: strawberry.Private[tuple[int, ...]]
    in_team: bool = strawberry.field(description="Already in the idea's team (or its owner).")
    interested: bool = strawberry.field(
        description="Has a pending or accepted invitation about the idea, in either direction."
    )

    @strawberry.field(description="The member.")
    async def profile(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")]:
        return profile_types.Profile.from_row(await info.context.loaders.profile_by_id.load(self.profile_id))

    @strawberry.field(description="Needed skills this member brings that no one listed before them does.")
    async def covers(self, info: Info) -> list[Annotated["Skill", strawberry.lazy("schema.skill")]]:
        rows = await info.context.loaders.skill_by_id.load_many(list(self.skill_ids))
        return [skill_types.Skill.from_row(row) for row in rows]


@strawberry.type(
    description="A whole team for an idea, chosen by an integer program: as many needed skills "
    "covered as possible (rarer first), at least two sectors, and members who showed interest preferred."
)
class TeamSuggestion:
    members: list[SuggestedMember] = strawberry.field(
        description="The team: current members first, then those who showed interest, then the best matched."
    )
    covered: list[MatchedSkill] = strawberry.field(description="Needed skills the team covers.")
    uncovered: list[MatchedSkill] = strawberry.field(description="Needed skills no one in the team offers.")
    sectors: list[Sector] = strawberry.field(description="The sectors the team spans, by name.")
    cross_sector: bool = strawberry.field(description="It spans two sectors or more, as the contest asks.")
    optimal: bool = strawberry.field(description="The solver proved no better team exists in the pool.")
    notice: MatchNotice | None = strawberry.field(
        description="Set when the idea names no needs, no one can fill them, or no team spans two sectors."
    )

    @classmethod
    def of(cls, found: team_builder.TeamSuggestion) -> Self:
        return cls(
            members=[
                SuggestedMember(
                    profile_id=m.profile_id, skill_ids=m.covers, in_team=m.in_team, interested=m.interested
                )
                for m in found.members
            ],
            covered=[MatchedSkill.of(w) for w in found.covered],
            uncovered=[MatchedSkill.of(w) for w in found.uncovered],
            sectors=found.sectors,
            cross_sector=found.cross_sector,
            optimal=found.optimal,
            notice=MatchNotice.of(found.notice),
        )


@strawberry.input(description="Narrows partner candidates; every given field must match.")
class PartnerFilter:
    sector: list[Sector] | None = strawberry.field(default=None, description="In any of these sectors.")
    region: list[Region] | None = strawberry.field(
        default=None, description="In any of these federal states."
    )
    kind: list[ProfileKind] | None = strawberry.field(default=None, description="Any of these kinds.")

    @staticmethod
    def criteria(given: "PartnerFilter | None") -> PartnerCriteria:
        if given is None:
            return PartnerCriteria()
        return PartnerCriteria(given.sector or (), given.region or (), given.kind or ())


async def partners_of(
    info: Info, profile_id: int | None, first: int | None, filter: PartnerFilter | None
) -> PartnerMatches:
    context = info.context
    found = await match.match_partners(
        context.database, context.reader, profile_id, first, PartnerFilter.criteria(filter)
    )
    return PartnerMatches.of(found)


async def partners_for_idea(
    info: Info, idea_id: int, first: int | None, filter: PartnerFilter | None
) -> PartnerMatches:
    context = info.context
    needed = [row.id for row in await context.loaders.skills_by_idea_id.load(idea_id)]
    found = await match.suggested_partners(
        context.database, context.reader, idea_id, needed, first, PartnerFilter.criteria(filter)
    )
    return PartnerMatches.of(found, for_idea=True)


async def team_for_idea(info: Info, idea_id: int, size: int) -> TeamSuggestion:
    context = info.context
    needed = [row.id for row in await context.loaders.skills_by_idea_id.load(idea_id)]
    found = await team_builder.suggest_team(context.database, context.reader, idea_id, needed, size)
    return TeamSuggestion.of(found)


@strawberry.type
class MatchQuery:
    @strawberry.field(
        description="Profiles that complement you best: they offer what you seek and seek what you "
        "offer, rarer skills weighing more, partners from other sectors scoring 25% more. Your "
        "teammates and pending invitations are left out. Signed-in members only.",
        extensions=guard(SignedIn),
    )
    async def match_partners(
        self, info: Info, first: MatchFirst = None, filter: PartnerFilterArgument = None
    ) -> PartnerMatches | None:
        return await partners_of(info, info.context.viewer.profile_id, first, filter)

    @strawberry.field(
        description="Published ideas whose open needs you offer, rarer needs weighing more; your own "
        "ideas and full teams are left out. Signed-in members only.",
        extensions=guard(SignedIn),
    )
    async def match_ideas(self, info: Info, first: MatchFirst = None) -> IdeaMatches | None:
        viewer, context = info.context.viewer, info.context
        found = await match.match_ideas(
            context.database, context.reader, viewer.profile_id, viewer.team_idea_ids, first
        )
        return IdeaMatches.of(found)

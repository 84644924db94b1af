"""Profiles: who people and organisations are, and what they offer and seek."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry

from resolvers import profile as profiles
from resolvers.change import Change
from resolvers.ids import to_global_id
from resolvers.node import row_of_type
from resolvers.profile import profiles_page
from schema import idea as idea_types
from schema import invite as invite_types
from schema import match as match_types
from schema import skill as skill_types
from schema import team as team_types
from schema.arguments import (
    After,
    Before,
    First,
    Last,
    MatchFirst,
    ObjectId,
    PartnerFilterArgument,
    described,
)
from schema.base import PUBLIC, Connection, Info, Node, utc
from schema.connection import requested_page
from schema.enums import (
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    Region,
    Sector,
    SkillDirection,
    SkillLevel,
)
from schema.mutation import UserError, changed, given
from schema.permissions import Admin, OwnProfile, SignedIn, guard

if TYPE_CHECKING:
    from schema.idea import Idea
    from schema.invite import Invite
    from schema.match import PartnerMatches
    from schema.skill import Skill
    from schema.team import Membership


@strawberry.federation.type(
    keys=["id"], tags=[PUBLIC], description="A person or an organisation presenting itself on the platform."
)
class Profile(Node):
    pk: strawberry.Private[int]
    kind: ProfileKind = strawberry.field(description="A person or an organisation.")
    display_name: str = strawberry.field(description="The name shown everywhere.")
    organisation_name: str | None = strawberry.field(
        description="The organisation's full name; set for organisations, optional for people."
    )
    sector: Sector = strawberry.field(description="The part of society the profile belongs to.")
    region: Region | None = strawberry.field(description="The federal state it works in.")
    bio: str | None = strawberry.field(
        description="Who they are, in their own words; signed-in members only.", extensions=guard(SignedIn)
    )
    ai_interests: str | None = strawberry.field(
        description="What they would like to do with AI for the public good; signed-in members only.",
        extensions=guard(SignedIn),
    )
    prior_experience: str | None = strawberry.field(
        description="Projects and experience they bring; signed-in members only.", extensions=guard(SignedIn)
    )
    created_at: datetime = strawberry.field(description="When the profile was created.")
    updated_at: datetime = strawberry.field(description="When the profile last changed.")

    @classmethod
    def from_row(cls, row: Any) -> Self:
        return cls(
            id=strawberry.ID(to_global_id("Profile", row.id)),
            pk=row.id,
            kind=row.kind,
            display_name=row.display_name,
            organisation_name=row.organisation_name,
            sector=row.sector,
            region=row.region,
            bio=row.bio,
            ai_interests=row.ai_interests,
            prior_experience=row.prior_experience,
            created_at=utc(row.created_at),
            updated_at=utc(row.updated_at),
        )

    @strawberry.field(
        description="The skills the profile offers and seeks, by name; pass `direction` for one side."
    )
    async def skills(
        self,
        info: Info,
        direction: Annotated[SkillDirection | None, described("Only offered or only sought skills.")] = None,
    ) -> list["ProfileSkill"]:
        claims = await info.context.loaders.skill_claims_by_profile_id.load(self.pk)
        return [
            ProfileSkill.from_row(claim, self)
            for claim in claims
            if direction is None or claim.direction == direction
        ]

    @strawberry.field(description="Ideas this profile owns, newest first.")
    async def ideas(
        self,
        info: Info,
        status: Annotated[IdeaStatus | None, described("Only ideas in this status.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Idea", strawberry.lazy("schema.idea")]]:
        request = requested_page(info, first, after, last, before, descending=True)
        page = await info.context.loaders.ideas_by_owner_id(request, status).load(self.pk)
        return Connection.of(page, idea_types.Idea.from_row)

    @strawberry.field(
        description="The teams this profile belongs to that the viewer may see, in the order joined; "
        "signed-in members only.",
        extensions=guard(SignedIn),
    )
    async def memberships(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Membership", strawberry.lazy("schema.team")]] | None:
        request = requested_page(info, first, after, last, before)
        page = await info.context.loaders.memberships_by_profile_id(request).load(self.pk)
        return Connection.of(page, team_types.Membership.from_row)

    @strawberry.field(
        description="Invitations this profile sent, newest first; its own member only.",
        extensions=guard(OwnProfile),
    )
    async def invites_sent(
        self,
        info: Info,
        status: Annotated[InviteStatus | None, described("Only invitations in this status.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Invite", strawberry.lazy("schema.invite")]] | None:
        request = requested_page(info, first, after, last, before, descending=True)
        page = await info.context.loaders.invites_by_sender_id(request, status).load(self.pk)
        return Connection.of(page, invite_types.Invite.from_row)

    @strawberry.field(
        description="Invitations this profile received, newest first; its own member only.",
        extensions=guard(OwnProfile),
    )
    async def invites_received(
        self,
        info: Info,
        status: Annotated[InviteStatus | None, described("Only invitations in this status.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated["Invite", strawberry.lazy("schema.invite")]] | None:
        request = requested_page(info, first, after, last, before, descending=True)
        page = await info.context.loaders.invites_by_recipient_id(request, status).load(self.pk)
        return Connection.of(page, invite_types.Invite.from_row)

    @strawberry.field(
        description="The profiles that complement this one best, as `matchPartners` ranks them for "
        "its member; admins only.",
        extensions=guard(Admin),
    )
    async def matches(
        self,
        info: Info,
        first: MatchFirst = None,
        filter: PartnerFilterArgument = None,
    ) -> Annotated["PartnerMatches", strawberry.lazy("schema.match")] | None:
        return await match_types.partners_of(info, self.pk, first, filter)


@strawberry.federation.type(
    tags=[PUBLIC], description="A skill a profile offers, or seeks in partners, at a level."
)
class ProfileSkill:
    profile: Profile = strawberry.field(description="Who offers or seeks the skill.")
    skill: Annotated["Skill", strawberry.lazy("schema.skill")] = strawberry.field(description="The skill.")
    direction: SkillDirection = strawberry.field(description="Offered or sought.")
    level: SkillLevel = strawberry.field(description="The level offered, or the level wanted in a partner.")

    @classmethod
    def from_row(cls, row: Any, profile: Profile) -> Self:
        return cls(
            profile=profile,
            skill=skill_types.Skill.from_row(row),
            direction=row.direction,
            level=row.level,
        )


@strawberry.input(description="Narrows a profile list; every given field must match.")
class ProfileFilter:
    kind: list[ProfileKind] | None = strawberry.field(default=None, description="Any of these kinds.")
    sector: list[Sector] | None = strawberry.field(default=None, description="In any of these sectors.")
    region: list[Region] | None = strawberry.field(
        default=None, description="In any of these federal states."
    )
    offers: list[str] | None = strawberry.field(
        default=None, description="Offering any of these skills, by slug."
    )
    seeks: list[str] | None = strawberry.field(
        default=None, description="Seeking any of these skills, by slug."
    )


@strawberry.type
class ProfileQuery:
    @strawberry.federation.field(
        tags=[PUBLIC],
        description="Profiles, in the order they joined. Null, with an error, only when an argument is bad.",
    )
    async def profiles(
        self,
        info: Info,
        filter: Annotated[ProfileFilter | None, described("Only profiles matching this.")] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Profile] | None:
        given = filter or ProfileFilter()
        page = await profiles_page(
            info.context.reader,
            requested_page(info, first, after, last, before),
            kinds=given.kind or (),
            sectors=given.sector or (),
            regions=given.region or (),
            offers=given.offers or (),
            seeks=given.seeks or (),
        )
        return Connection.of(page, Profile.from_row)

    @strawberry.field(description="The signed-in member's own profile; null until they create one.")
    async def me(self, info: Info) -> Profile | None:
        key = info.context.viewer.profile_id
        row = None if key is None else await info.context.loaders.profile_by_id.load(key)
        return None if row is None else Profile.from_row(row)

    @strawberry.federation.field(
        tags=[PUBLIC], description="One profile by its global ID; null when there is none."
    )
    async def profile(self, info: Info, id: ObjectId) -> Profile | None:
        row = await row_of_type(info.context.loaders, id, "Profile")
        return None if row is None else Profile.from_row(row)


@strawberry.input(description="A new profile: who you are and what you bring.")
class CreateProfileInput:
    kind: ProfileKind = strawberry.field(description="A person or an organisation.")
    display_name: str = strawberry.field(description="The name shown everywhere, 1 to 120 characters.")
    sector: Sector = strawberry.field(description="The part of society you belong to.")
    organisation_name: str | None = strawberry.field(
        default=None, description="Required for organisations; at most 200 characters."
    )
    region: Region | None = strawberry.field(default=None, description="The federal state you work in.")
    bio: str | None = strawberry.field(default=None, description="Who you are; at most 20,000 characters.")
    ai_interests: str | None = strawberry.field(
        default=None, description="What you would like to do with AI; at most 20,000 characters."
    )
    prior_experience: str | None = strawberry.field(
        default=None, description="Projects and experience you bring; at most 20,000 characters."
    )


@strawberry.input(description="Changes to your profile; fields left out stay as they are.")
class UpdateProfileInput:
    kind: ProfileKind | None = strawberry.field(
        default=strawberry.UNSET, description="A person or an organisation."
    )
    display_name: str | None = strawberry.field(default=strawberry.UNSET, description="1 to 120 characters.")
    sector: Sector | None = strawberry.field(default=strawberry.UNSET, description="Your sector.")
    organisation_name: str | None = strawberry.field(
        default=strawberry.UNSET, description="Required for organisations; at most 200 characters."
    )
    region: Region | None = strawberry.field(
        default=strawberry.UNSET, description="Your federal state; null clears it."
    )
    bio: str | None = strawberry.field(default=strawberry.UNSET, description="At most 20,000 characters.")
    ai_interests: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 20,000 characters."
    )
    prior_experience: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 20,000 characters."
    )


@strawberry.input(description="A skill you offer, or seek in partners, at a level.")
class SkillClaimInput:
    skill: str = strawberry.field(description="The skill's slug, e.g. `nlp`.")
    level: SkillLevel = strawberry.field(description="The level offered, or wanted in a partner.")


@strawberry.type(description="The result of a change to your profile.")
class ProfilePayload:
    profile: Profile | None = strawberry.field(description="The profile as it is now; null when refused.")
    errors: list[UserError] = strawberry.field(description="Why the change was refused; empty on success.")


async def _profile_payload(info: Info, work: Callable[[Change], Awaitable[int | None]]) -> ProfilePayload:
    profile, errors = await changed(info, work, lambda loaders: loaders.profile_by_id, Profile.from_row)
    return ProfilePayload(profile=profile, errors=errors)


@strawberry.type
class ProfileMutation:
    @strawberry.mutation(description="Creates the signed-in member's profile; one per portal account.")
    async def create_profile(
        self, info: Info, input: Annotated[CreateProfileInput, described("Your new profile.")]
    ) -> ProfilePayload | None:
        values = given(input)
        return await _profile_payload(info, lambda c: profiles.create_profile(c, values))

    @strawberry.mutation(description="Changes your profile.")
    async def update_profile(
        self, info: Info, input: Annotated[UpdateProfileInput, described("The fields to change.")]
    ) -> ProfilePayload | None:
        values = given(input)
        return await _profile_payload(info, lambda c: profiles.update_profile(c, values))

    @strawberry.mutation(description="Replaces the skills you offer and seek with the lists given.")
    async def set_skills(
        self,
        info: Info,
        offers: Annotated[list[SkillClaimInput], described("Skills you offer, each at most once.")],
        seeks: Annotated[list[SkillClaimInput], described("Skills you seek in partners, each at most once.")],
    ) -> ProfilePayload | None:
        offered = [(claim.skill, claim.level) for claim in offers]
        sought = [(claim.skill, claim.level) for claim in seeks]
        return await _profile_payload(info, lambda c: profiles.set_skills(c, offered, sought))

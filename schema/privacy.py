"""Data protection: members take their data with them, or delete their profile and all it holds."""

import strawberry
from strawberry.scalars import JSON

from resolvers.ids import to_global_id
from resolvers.privacy import delete_my_profile, export_my_data
from schema.base import Info
from schema.mutation import UserError, perform
from schema.permissions import SignedIn, guard


@strawberry.type(description="The result of deleting your profile.")
class DeleteMyProfilePayload:
    deleted_profile_id: strawberry.ID | None = strawberry.field(
        description="The ID the profile had; null when refused."
    )
    errors: list[UserError] = strawberry.field(description="Why the deletion was refused; empty on success.")


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description="Everything this service holds about you, as one JSON document (also at "
        "`GET /me/export`); null until you have a profile.",
        extensions=guard(SignedIn),
    )
    async def export_my_data(self, info: Info) -> JSON | None:
        key = info.context.viewer.profile_id
        if key is None:
            return None
        async with info.context.database.engine.connect() as connection:
            return JSON(await export_my_data(connection, key))


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="Deletes your profile and everything personal it owns or wrote: skills, ideas and "
        "drafts, invitations, memberships and log entries. In a team with a submission a "
        "'former member' without personal data keeps your place; an idea your team carries on passes "
        "to its lead."
    )
    async def delete_my_profile(self, info: Info) -> DeleteMyProfilePayload | None:
        key, errors = await perform(info, delete_my_profile)
        return DeleteMyProfilePayload(
            deleted_profile_id=None if key is None else strawberry.ID(to_global_id("Profile", key)),
            errors=errors,
        )

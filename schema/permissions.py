"""Field guards: the policy's rules (resolvers.policy) attached to the fields they protect.

A guarded field the viewer may not see resolves to null with an error naming it, whose code is
UNAUTHENTICATED or FORBIDDEN. Guards are plain field extensions; the federation schema tags each
guarded field `members`, so the portal's public contract leaves it out."""

from typing import Any

from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension

from resolvers import policy
from schema.base import Info


class _Rule(BasePermission):
    """Applies one policy rule; the rule raises AccessDenied itself, with the right code."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        self.check(source, info, f"{info.path.typename}.{info.field_name}")
        return True

    def check(self, source: Any, info: Info, field: str) -> None:
        raise NotImplementedError


class SignedIn(_Rule):
    def check(self, source: Any, info: Info, field: str) -> None:
        policy.require_signed_in(info.context.viewer, field)


class OwnProfile(_Rule):
    """On a Profile: its own member only."""

    def check(self, source: Any, info: Info, field: str) -> None:
        policy.require_self(info.context.viewer, source.pk, field)


class TeamMember(_Rule):
    """On a Team: its members only."""

    def check(self, source: Any, info: Info, field: str) -> None:
        policy.require_team_member(info.context.viewer, source.pk, field)


class IdeaCrew(_Rule):
    """On an Idea: its owner and its team."""

    def check(self, source: Any, info: Info, field: str) -> None:
        policy.require_idea_crew(info.context.viewer, source.owner_id, source.pk, field)


class Admin(_Rule):
    def check(self, source: Any, info: Info, field: str) -> None:
        policy.require_admin(info.context.viewer, field)


def guard(rule: type[_Rule]) -> list[FieldExtension]:
    return [PermissionExtension([rule()], use_directives=False)]

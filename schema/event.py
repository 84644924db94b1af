"""Live events over WebSocket (graphql-transport-ws, legacy graphql-ws) and Server-Sent Events."""

from collections.abc import AsyncGenerator, Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar, cast

import strawberry
from aiodataloader import DataLoader
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from app.context import Context
from loaders import Loaders
from models.enums import EventKind
from resolvers import event as events
from resolvers.errors import CodedError
from resolvers.event import Event, Stream, StreamEnded
from resolvers.ids import key_of, to_global_id
from resolvers.policy import AccessDenied, require_signed_in
from schema import contest as contest_types
from schema import invite as invite_types
from schema import profile as profile_types
from schema import progress as progress_types
from schema import team as team_types
from schema.arguments import described
from schema.base import Info

if TYPE_CHECKING:
    from schema.contest import Submission
    from schema.invite import Invite
    from schema.profile import Profile
    from schema.progress import ProgressUpdate
    from schema.team import Team

Delivered = TypeVar("Delivered")
Converted = TypeVar("Converted")

strawberry.enum(
    EventKind,
    description="What happened. `inviteEvents` carries the INVITE_ kinds, `teamEvents` the others.",
)

Since = Annotated[
    datetime | None,
    described(
        "Replay the stored events that occurred after this time (at most 30 days ago) before going "
        "live; pass the `occurredAt` of the last event you saw."
    ),
]


async def _loaded(
    loader: DataLoader[int, Any], key: int | None, convert: Callable[[Any], Converted]
) -> Converted | None:
    row = None if key is None else await loader.load(key)
    return None if row is None else convert(row)


@strawberry.interface(description="Something that happened, delivered live or replayed.")
class LiveEvent:
    id: strawberry.ID = strawberry.field(
        description="The event's ID; an event replayed and then seen live has the same ID."
    )
    kind: EventKind = strawberry.field(description="What happened.")
    occurred_at: datetime = strawberry.field(description="When it happened.")


def _about(event: Event) -> dict[str, Any]:
    """The fields every live event has."""
    return {
        "id": strawberry.ID(to_global_id("Event", event.id)),
        "kind": event.kind,
        "occurred_at": event.occurred_at,
    }


@strawberry.type(
    description="Something that happened to an invitation: INVITE_RECEIVED for you; INVITE_ACCEPTED, "
    "INVITE_DECLINED, INVITE_WITHDRAWN or INVITE_EXPIRED for one you sent (and WITHDRAWN or EXPIRED "
    "for one you received)."
)
class InviteEvent(LiveEvent):
    invite_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, event: Event) -> Self:
        return cls(**_about(event), invite_id=event.invite_id)

    @strawberry.field(description="The invitation as it is now; null once it no longer exists.")
    async def invite(self, info: Info) -> Annotated["Invite", strawberry.lazy("schema.invite")] | None:
        return await _loaded(info.context.loaders.invite_by_id, self.invite_id, invite_types.Invite.from_row)


@strawberry.type(
    description="Something that happened in a team you are in: MEMBER_JOINED, MEMBER_LEFT, "
    "SUBMISSION_STATUS_CHANGED, PROGRESS_POSTED or TEAM_DISSOLVED. After TEAM_DISSOLVED, or "
    "MEMBER_LEFT for yourself, the subscription completes."
)
class TeamEvent(LiveEvent):
    team_id: strawberry.ID = strawberry.field(description="The team's global ID, even once it has dissolved.")
    team_key: strawberry.Private[int]
    member_id: strawberry.Private[int | None]
    submission_id: strawberry.Private[int | None]
    progress_update_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, event: Event) -> Self:
        team_key = cast(int, event.team_id)
        return cls(
            **_about(event),
            team_id=strawberry.ID(to_global_id("Team", team_key)),
            team_key=team_key,
            member_id=event.member_id,
            submission_id=event.submission_id,
            progress_update_id=event.progress_update_id,
        )

    @strawberry.field(description="The team as it is now; null once it has dissolved.")
    async def team(self, info: Info) -> Annotated["Team", strawberry.lazy("schema.team")] | None:
        return await _loaded(info.context.loaders.team_by_id, self.team_key, team_types.Team.from_row)

    @strawberry.field(
        description="Who joined, left or posted; null for other kinds and for a deleted profile."
    )
    async def member(self, info: Info) -> Annotated["Profile", strawberry.lazy("schema.profile")] | None:
        return await _loaded(
            info.context.loaders.profile_by_id, self.member_id, profile_types.Profile.from_row
        )

    @strawberry.field(description="The submission whose status changed; null for other kinds.")
    async def submission(
        self, info: Info
    ) -> Annotated["Submission", strawberry.lazy("schema.contest")] | None:
        return await _loaded(
            info.context.loaders.submission_by_id, self.submission_id, contest_types.Submission.from_row
        )

    @strawberry.field(description="The progress update posted; null for other kinds.")
    async def progress_update(
        self, info: Info
    ) -> Annotated["ProgressUpdate", strawberry.lazy("schema.progress")] | None:
        return await _loaded(
            info.context.loaders.progress_update_by_id,
            self.progress_update_id,
            progress_types.ProgressUpdate.from_row,
        )


async def _subscriber(context: Context, since: datetime | None) -> int:
    """Checked when subscribing, with the member's teams as they are now."""
    await context.renew()
    viewer = context.viewer
    require_signed_in(viewer, "live events")
    if viewer.profile_id is None:
        raise AccessDenied("FORBIDDEN", "Create your profile first (createProfile) to receive live events.")
    if since is not None:
        events.check_since(since, context.now)
    return viewer.profile_id


def _loaders_for(context: Context, event: Event) -> Loaders:
    """Subscribers with the same viewer resolve an event with the same loaders (Hub.shared); their
    reader holds a connection only while a statement runs, as no subscriber owns it."""
    viewer = context.viewer
    return context.hub.shared(event, viewer, lambda: Loaders(context.database.statement_reader(), viewer))


async def _delivered(
    context: Context, stream: Stream, since: datetime | None, convert: Callable[[Event], Delivered]
) -> AsyncGenerator[Delivered | CodedError, None]:
    """Each event is resolved with fresh loaders on a statement reader (_loaders_for); the
    request's own reader, which the subscribe-time checks and the replay use, goes back to the pool
    before the subscription waits, so idle subscribers hold no connection. An exception yielded
    ends the subscription with that error: graphql-core reports it as the event's error."""

    async def stored() -> list[Event]:
        assert since is not None
        try:
            return await events.replay(context.reader, stream, since)
        finally:
            await context.reader.close()

    await context.reader.close()
    try:
        async for event in events.events_of(context.hub, stream, None if since is None else stored):
            identity = context.identity
            if identity is None or identity.expired(datetime.now(UTC)):
                yield AccessDenied(
                    "UNAUTHENTICATED", "Your sign-in has expired; subscribe again with a new token."
                )
                return
            context.refresh(_loaders_for(context, event))
            yield convert(event)
    except StreamEnded as ended:
        yield ended


class SubscriptionsNeedAStream(SchemaExtension):
    """A subscription sent as a plain HTTP request has nowhere to send its events."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if (
            isinstance(context, Context)
            and not context.streaming
            and self.execution_context.operation_type is OperationType.SUBSCRIPTION
        ):
            raise GraphQLError(
                "Subscriptions run over a WebSocket (graphql-transport-ws or graphql-ws) or as "
                "Server-Sent Events (POST with 'Accept: text/event-stream').",
                extensions={"code": "BAD_REQUEST"},
            )
        yield


@strawberry.type
class EventSubscription:
    @strawberry.subscription(
        description="Your invitations as they happen: received, and how those you sent were answered. "
        "Signed-in members with a profile only."
    )
    async def invite_events(self, info: Info, since: Since = None) -> AsyncGenerator[InviteEvent, None]:
        profile_id = await _subscriber(info.context, since)
        stream = Stream(profile_id)
        return cast(
            AsyncGenerator[InviteEvent, None], _delivered(info.context, stream, since, InviteEvent.of)
        )

    @strawberry.subscription(
        description="A team's life as it happens: members joining and leaving, submission status and "
        "progress. Its members only; each event goes to those in the team when it happened."
    )
    async def team_events(
        self,
        info: Info,
        team_id: Annotated[strawberry.ID, described("The team's global ID.")],
        since: Since = None,
    ) -> AsyncGenerator[TeamEvent, None]:
        context = info.context
        profile_id = await _subscriber(context, since)
        key = key_of(team_id, "teamId", "Team")
        if key not in context.viewer.team_ids:
            if await context.loaders.team_by_id.load(key) is None:
                raise AccessDenied("NOT_FOUND", "No team with this 'teamId' exists for you.")
            raise AccessDenied("FORBIDDEN", "Only the team's members may follow its events.")
        stream = Stream(profile_id, key)
        return cast(AsyncGenerator[TeamEvent, None], _delivered(context, stream, since, TeamEvent.of))

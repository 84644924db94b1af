"""Live events: recorded in the transaction of the change that caused them, published once it has
committed, fanned out to the members entitled to them, and replayed from the database for a member
who was offline.

Each process has one `Hub` holding its subscribers; a `Broker` carries events between replicas.
Every subscriber has a bounded queue: one that falls behind is told and ended, never waited for."""

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, insert, select
from sqlmodel import col

from models import Event as EventRow
from models import Membership
from models.columns import utc
from models.db import RequestReader
from models.enums import EventKind
from models.query import Query, in_array
from resolvers.change import Change
from resolvers.errors import CodedError, UserInputError

logger = logging.getLogger("cip_graph.events")

INVITE_KINDS = frozenset(
    {
        EventKind.INVITE_RECEIVED,
        EventKind.INVITE_ACCEPTED,
        EventKind.INVITE_DECLINED,
        EventKind.INVITE_WITHDRAWN,
        EventKind.INVITE_EXPIRED,
    }
)
TEAM_KINDS = frozenset(EventKind) - INVITE_KINDS
SHARED_ENTRIES = 256
"""Per-event values kept for the latest events (Hub.shared); older ones are made again if asked."""
Shared = TypeVar("Shared")
REPLAY_WINDOW = timedelta(days=30)
REPLAY_LIMIT = 1_000
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Event:
    """One event as it travels between replicas: ids only, so it carries no personal data."""

    id: int
    kind: EventKind
    occurred_at: datetime
    audience: frozenset[int]
    """The profiles entitled to it when it happened: the addressee, or the team's members."""
    team_id: int | None = None
    invite_id: int | None = None
    member_id: int | None = None
    submission_id: int | None = None
    progress_update_id: int | None = None

    def encode(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "kind": self.kind.value,
                "occurredAt": self.occurred_at.isoformat(),
                "audience": sorted(self.audience),
                "teamId": self.team_id,
                "inviteId": self.invite_id,
                "memberId": self.member_id,
                "submissionId": self.submission_id,
                "progressUpdateId": self.progress_update_id,
            },
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, message: str | bytes) -> "Event":
        """Raises ValueError for anything that is not an event this service published."""
        try:
            data = json.loads(message)
            return cls(
                id=_integer(data["id"]),
                kind=EventKind(data["kind"]),
                occurred_at=utc(datetime.fromisoformat(data["occurredAt"])),
                audience=frozenset(_integer(key) for key in data["audience"]),
                team_id=_optional_integer(data["teamId"]),
                invite_id=_optional_integer(data["inviteId"]),
                member_id=_optional_integer(data["memberId"]),
                submission_id=_optional_integer(data["submissionId"]),
                progress_update_id=_optional_integer(data["progressUpdateId"]),
            )
        except (KeyError, TypeError, ValueError, RecursionError) as error:
            raise ValueError(f"not a CIP event: {error!r}") from error


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"{value!r} is not an id")
    return value


def _optional_integer(value: Any) -> int | None:
    return None if value is None else _integer(value)


async def _record(
    change: Change, kind: EventKind, audience: frozenset[int], addressee: int | None, **about: int | None
) -> None:
    """Stores the event with the change, to be published once the change commits. Events of one
    change get distinct, rising times, so `since` never cuts between two of them."""
    occurred_at = datetime.now(UTC)
    if change.events:
        occurred_at = max(occurred_at, change.events[-1].occurred_at + _TICK)
    key: int = await change.scalar(
        insert(EventRow)
        .values(kind=kind, occurred_at=occurred_at, audience_id=addressee, **about)
        .returning(col(EventRow.id))
    )
    change.events.append(Event(key, kind, occurred_at, audience, **about))


async def record_for_member(change: Change, kind: EventKind, profile_id: int, invite_id: int) -> None:
    """An invitation event, addressed to one member."""
    await _record(change, kind, frozenset({profile_id}), profile_id, invite_id=invite_id)


async def record_for_team(
    change: Change, kind: EventKind, team_id: int, *, also: Iterable[int] = (), **about: int | None
) -> None:
    """A team event for the team's members as they are now, and `also` those who just left it."""
    members = await change.rows(
        select(col(Membership.profile_id)).where(
            col(Membership.team_id) == team_id, col(Membership.profile_id).is_not(None)
        )
    )
    audience = frozenset({row.profile_id for row in members} | set(also))
    await _record(change, kind, audience, None, team_id=team_id, **about)


class StreamEnded(CodedError):
    """Why a live subscription ended; the subscriber is told, then it completes."""


@dataclass(frozen=True, slots=True)
class Stream:
    """What one subscription receives: the member's invitation events, or one team's events."""

    profile_id: int
    team_id: int | None = None

    @property
    def kinds(self) -> frozenset[EventKind]:
        return INVITE_KINDS if self.team_id is None else TEAM_KINDS

    def wants(self, event: Event) -> bool:
        """Checked for every event: the member must be in its audience, which for a team event
        is the team's members at the moment it happened."""
        return (
            self.profile_id in event.audience
            and event.kind in self.kinds
            and (self.team_id is None or event.team_id == self.team_id)
        )

    def ends_with(self, event: Event) -> bool:
        """A member who left, or whose team dissolved, hears of it and hears no more."""
        return self.team_id is not None and (
            event.kind is EventKind.TEAM_DISSOLVED
            or (event.kind is EventKind.MEMBER_LEFT and event.member_id == self.profile_id)
        )


class Subscriber:
    def __init__(self, stream: Stream, queue_size: int) -> None:
        self.stream = stream
        self._size = queue_size
        self._queue: asyncio.Queue[Event | StreamEnded | None] = asyncio.Queue()
        """Events, then possibly the end: a StreamEnded, or None for falling behind."""
        self._ended = False
        self._last: datetime | None = None

    def offer(self, event: Event) -> None:
        """Never blocks: a subscriber with a full queue gets what is queued, then is ended, so
        one slow reader cannot hold up the others or the broker."""
        if self._ended:
            return
        if self._queue.qsize() >= self._size:
            self._ended = True
            self._queue.put_nowait(None)
            return
        self._queue.put_nowait(event)

    def end(self, reason: StreamEnded) -> None:
        """At once: what is still queued is dropped, and the reason is read next."""
        self._ended = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(reason)

    async def next(self) -> Event:
        item = await self._queue.get()
        if item is None:
            resume = "" if self._last is None else f" Subscribe again with since: {self._last.isoformat()}."
            raise StreamEnded(
                "FELL_BEHIND",
                f"More than {self._size} events were waiting for this subscription, so it was ended."
                + resume,
            )
        if isinstance(item, StreamEnded):
            raise item
        self._last = item.occurred_at
        return item


class Broker(Protocol):
    """Carries encoded events to every replica's hub, this one's included."""

    def bind(self, deliver: Callable[[str | bytes], None]) -> None:
        """Where arriving events go; called once, before `start`."""

    async def start(self) -> None:
        """Connects and starts listening."""

    async def publish(self, messages: Sequence[str]) -> None: ...

    async def close(self) -> None: ...


class Tally(Protocol):
    """Counts the live subscriptions for the metrics, as a Prometheus gauge does."""

    def inc(self) -> None: ...

    def dec(self) -> None: ...


CHANGED = "changed"
CHANGED_PREFIX = '{"changed"'
"""A message naming tables a write changed, beside the events on the same channel."""


class Hub:
    """The process's subscribers, indexed by profile, and the broker that feeds them."""

    def __init__(self, broker: Broker, queue_size: int, active: Tally | None = None) -> None:
        self.broker = broker
        self.queue_size = queue_size
        self.active = active
        self._by_profile: dict[int, set[Subscriber]] = {}
        self._shared: OrderedDict[tuple[int, Hashable], Any] = OrderedDict()
        self.change_listeners: list[Callable[[frozenset[str]], None]] = []
        """Told which tables a committed write changed, here or in another replica."""
        broker.bind(self.deliver)

    def shared(self, event: Event, key: Hashable, make: Callable[[], Shared]) -> Shared:
        """Made once per event and key for all of this process's subscribers: a member's many
        tabs resolve an event with one set of loaders, so one event costs one read, not one per tab."""
        entry = (event.id, key)
        if entry not in self._shared:
            self._shared[entry] = make()
            if len(self._shared) > SHARED_ENTRIES:
                self._shared.popitem(last=False)
        value: Shared = self._shared[entry]
        return value

    @property
    def subscriber_count(self) -> int:
        return sum(len(subscribers) for subscribers in self._by_profile.values())

    async def publish(self, events: Sequence[Event]) -> None:
        """Called once the change has committed. A broker failure loses no data: the events are
        stored, and members catch up with `since`."""
        if not events:
            return
        try:
            await self.broker.publish([event.encode() for event in events])
        except Exception:
            logger.exception("Publishing %d live events failed; they can be replayed", len(events))

    async def publish_change(self, tables: frozenset[str]) -> None:
        """To the other replicas: this process's own listeners heard of it when it committed."""
        try:
            await self.broker.publish([json.dumps({CHANGED: sorted(tables)})])
        except Exception:
            logger.exception("Publishing a change of %s failed; other replicas may lag", sorted(tables))

    def deliver(self, message: str | bytes) -> None:
        if message[: len(CHANGED_PREFIX)] in (CHANGED_PREFIX, CHANGED_PREFIX.encode()):
            self._changed(message)
            return
        try:
            event = Event.decode(message)
        except ValueError:
            logger.warning("Ignored a malformed message on the event channel", exc_info=True)
            return
        for profile_id in event.audience:
            for subscriber in tuple(self._by_profile.get(profile_id, ())):
                if subscriber.stream.wants(event):
                    subscriber.offer(event)

    def _changed(self, message: str | bytes) -> None:
        try:
            tables = frozenset(str(name) for name in json.loads(message)[CHANGED])
        except (KeyError, TypeError, ValueError):
            logger.warning("Ignored a malformed change message on the event channel")
            return
        for listener in self.change_listeners:
            listener(tables)

    @contextmanager
    def subscribe(self, stream: Stream) -> Iterator[Subscriber]:
        """Registered for as long as the block runs; leaving it, however, unregisters."""
        subscriber = Subscriber(stream, self.queue_size)
        self._by_profile.setdefault(stream.profile_id, set()).add(subscriber)
        if self.active is not None:
            self.active.inc()
        try:
            yield subscriber
        finally:
            subscribers = self._by_profile[stream.profile_id]
            subscribers.discard(subscriber)
            if not subscribers:
                del self._by_profile[stream.profile_id]
            if self.active is not None:
                self.active.dec()

    async def close(self) -> None:
        ending = StreamEnded("SHUTTING_DOWN", "The server is shutting down; subscribe again in a moment.")
        for subscribers in self._by_profile.values():
            for subscriber in subscribers:
                subscriber.end(ending)
        await self.broker.close()


EVENT_COLUMNS = (
    col(EventRow.id),
    col(EventRow.kind),
    col(EventRow.occurred_at),
    col(EventRow.team_id),
    col(EventRow.invite_id),
    col(EventRow.member_id),
    col(EventRow.submission_id),
    col(EventRow.progress_update_id),
)


def _since(column: Any, key: str) -> Query:
    return Query(
        select(*EVENT_COLUMNS)
        .where(
            column == bindparam(key),
            col(EventRow.occurred_at) > bindparam("since"),
            in_array(col(EventRow.kind), "kinds"),
        )
        .order_by(col(EventRow.occurred_at), col(EventRow.id))
        .limit(REPLAY_LIMIT + 1)
    )


INVITE_EVENTS_SINCE = _since(col(EventRow.audience_id), "profile")
TEAM_EVENTS_SINCE = _since(col(EventRow.team_id), "team")


def check_since(since: datetime, now: datetime) -> None:
    if since > now:
        raise UserInputError("since", "'since' is in the future; pass the time of the last event you saw.")
    if since < now - REPLAY_WINDOW:
        raise UserInputError(
            "since",
            f"Events are replayed for {REPLAY_WINDOW.days} days; list what is waiting with "
            "invitesReceived(status: PENDING) and subscribe without 'since'.",
        )


async def replay(reader: RequestReader, stream: Stream, since: datetime) -> list[Event]:
    """The stream's stored events after `since`, oldest first."""
    kinds = sorted(stream.kinds)
    if stream.team_id is None:
        rows = await reader.fetch_all(
            INVITE_EVENTS_SINCE, profile=stream.profile_id, since=since, kinds=kinds
        )
    else:
        rows = await reader.fetch_all(TEAM_EVENTS_SINCE, team=stream.team_id, since=since, kinds=kinds)
    if len(rows) > REPLAY_LIMIT:
        raise UserInputError(
            "since",
            f"More than {REPLAY_LIMIT:,} events happened since then; pass a later 'since', or list "
            "what is waiting with invitesReceived(status: PENDING).",
        )
    audience = frozenset({stream.profile_id})
    return [
        Event(
            row.id,
            row.kind,
            utc(row.occurred_at),
            audience,
            row.team_id,
            row.invite_id,
            row.member_id,
            row.submission_id,
            row.progress_update_id,
        )
        for row in rows
    ]


async def events_of(
    hub: Hub, stream: Stream, stored: Callable[[], Awaitable[list[Event]]] | None = None
) -> AsyncIterator[Event]:
    """Live events, after the stored ones when asked. The subscriber registers before the
    database is read, so nothing falls between the two; an event seen in both is sent once."""
    with hub.subscribe(stream) as subscriber:
        replayed: set[int] = set()
        for event in [] if stored is None else await stored():
            replayed.add(event.id)
            yield event
            if stream.ends_with(event):
                return
        while True:
            event = await subscriber.next()
            if event.id in replayed:
                continue
            yield event
            if stream.ends_with(event):
                return

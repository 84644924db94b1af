"""One invitation fanned out to 1,000 live subscribers of one served process: delivery p50 and p99.

`cip-graph serve` runs in its own process (SQLite in a temp dir, the small demo data set) and this
process opens the subscribers: 1,000 WebSocket connections (graphql-transport-ws) signed in as one
member, as 1,000 of their tabs and devices would be, each subscribed to `inviteEvents`. Each round
another member sends that member an invitation over HTTP; a delivery's latency runs from just before
the mutation is posted to the moment its event is read from one socket. The invitation is withdrawn
(and that fan-out awaited) before the next round, so rounds do not overlap.

Figures, not a test: nothing here asserts a timing. Deliveries that do not arrive within a timeout
are counted as missing instead of waited for."""

import argparse
import asyncio
import json
import math
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import create_engine, exists, func, select
from sqlmodel import col
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.auth import mint_token
from app.settings import Settings
from bench.serving import logged_process, wait_until_ready
from models import Idea, Invite, Profile, Team
from models.enums import IdeaStatus, InviteStatus
from resolvers.ids import to_global_id

SUBSCRIPTION = (
    "subscription { inviteEvents { id kind occurredAt invite { id status message sender { displayName } } } }"
)
SEND_INVITE = (
    "mutation($input: SendInviteInput!) "
    "{ sendInvite(input: $input) { invite { id } errors { code message } } }"
)
WITHDRAW_INVITE = "mutation($id: ID!) { withdrawInvite(id: $id) { invite { id } errors { code message } } }"
RECEIVED = "INVITE_RECEIVED"
WITHDRAWN = "INVITE_WITHDRAWN"

P99_TARGET_MS = 250.0
OPEN_CONCURRENCY = 50
"""Connections being opened at once."""
READY_TIMEOUT = 120.0
"""Seconds the server gets to migrate, load the demo data and answer /readyz."""
STEP_TIMEOUT = 30.0
"""Seconds to open one subscriber, or to wait for one round's deliveries."""
WARMUP_ATTEMPTS = 5
"""Warm-up rounds until one reaches every subscriber (they register with the hub on their own time)."""
ROUND_PAUSE = 0.1
"""Seconds between rounds, so the server has finished the last one."""
FD_MARGIN = 200


@dataclass(frozen=True)
class Parties:
    """Who sends (owning the idea) and who receives the invitation, on which idea."""

    sender: str
    recipient: str
    recipient_id: str
    idea_id: str


@dataclass
class Server:
    """`cip-graph serve` in its own process; Linux's /proc tells its CPU time and memory."""

    process: subprocess.Popen[bytes]
    url: str
    database: Path
    log: Path
    ready_seconds: float = 0.0

    def peak_rss_mb(self) -> float | None:
        """The server's peak resident memory (VmHWM); None off Linux."""
        with suppress(OSError):
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return None

    def cpu_seconds(self) -> float:
        """User and system time of all the server's threads (the event loop and SQLite's); 0 off Linux."""
        try:
            stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Arrivals:
    """When each socket read each event, by (kind, invitation id); filled by the reader tasks."""

    times: dict[tuple[str, str], dict[int, float]] = field(default_factory=dict)
    duplicates: int = 0
    closed: int = 0
    unexpected: list[str] = field(default_factory=list)
    _waiting: dict[tuple[str, str], tuple[int, asyncio.Event]] = field(default_factory=dict)

    def record(self, key: tuple[str, str], socket: int, at: float) -> None:
        times = self.times.setdefault(key, {})
        if socket in times:
            self.duplicates += 1
            return
        times[socket] = at
        waiting = self._waiting.get(key)
        if waiting is not None and len(times) >= waiting[0]:
            waiting[1].set()

    async def collect(self, key: tuple[str, str], count: int, within: float) -> dict[int, float]:
        """The arrivals of one event once `count` sockets have it, or whatever came `within` seconds."""
        done = asyncio.Event()
        self._waiting[key] = (count, done)
        try:
            if len(self.times.get(key, {})) < count:
                with suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), within)
        finally:
            del self._waiting[key]
        return self.times.pop(key, {})


@dataclass
class Round:
    latencies: list[float]
    """Seconds from just before posting sendInvite to each socket reading the event."""
    mutation: float
    """sendInvite's own round trip."""
    window: float
    """From just before posting to the last delivery (or the timeout)."""
    server_cpu: float
    client_cpu: float


@dataclass
class Measurement:
    broker: str
    subscribers: int
    rounds: list[Round]
    open_seconds: float
    missing: int
    duplicates: int
    closed: int
    unexpected: list[str]
    peak_rss_mb: float | None
    ready_seconds: float


def add_arguments(parser: argparse.ArgumentParser) -> None:
    live = parser.add_argument_group("live fan-out")
    live.add_argument("--subscribers", type=int, default=1_000, help="WebSocket subscribers of one member")
    live.add_argument("--rounds", type=int, default=20, help="invitations fanned out (after a warm-up)")
    live.add_argument(
        "--broker-url",
        help="also fan out through this broker (CIP_BROKER_URL), e.g. redis://127.0.0.1:6379/0",
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raise_file_limit(subscribers: int) -> None:
    """Each subscriber is a file descriptor here and one in the server, which inherits this limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = subscribers + FD_MARGIN
    if soft != resource.RLIM_INFINITY and soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < needed:
        sys.exit(
            f"bench aborted: {subscribers:,} subscribers need {needed:,} open files; the limit is {soft:,}"
        )


@contextmanager
def serving(directory: Path, secret: str, broker_url: str | None) -> Iterator[Server]:
    """Started on a free port and stopped (terminated, killed if it will not stop) however the block ends."""
    port = _free_port()
    database = directory / "live.db"
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CIP_")}
    environment.update(
        CIP_ENV="test",
        CIP_DATABASE_URL=f"sqlite+aiosqlite:///{database}",
        CIP_DEMO_DATA="true",
        CIP_JWT_SECRET=secret,
        CIP_LOG_LEVEL="warning",
        CIP_INVITES_PER_HOUR="1000000",
    )
    if broker_url:
        environment["CIP_BROKER_URL"] = broker_url
    log = directory / "server.log"
    started = time.perf_counter()
    command = [sys.executable, "-m", "app", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = logged_process(command, environment, log)
    server = Server(process, f"http://127.0.0.1:{port}", database, log)
    try:
        wait_until_ready(process, server.url, log, READY_TIMEOUT, "bench")
        server.ready_seconds = time.perf_counter() - started
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def choose_parties(database: Path, secret: str) -> Parties:
    """The first profile receives; the sender owns a published, visible idea without a team (so the
    recipient is not in it) and has no invitation to the recipient pending for it."""
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            recipient = connection.execute(
                select(col(Profile.id), col(Profile.subject_id)).order_by(col(Profile.id)).limit(1)
            ).one()
            pending = exists().where(
                col(Invite.sender_id) == col(Idea.owner_id),
                col(Invite.recipient_id) == recipient.id,
                col(Invite.idea_id) == col(Idea.id),
                col(Invite.status) == InviteStatus.PENDING,
            )
            teamed = exists().where(col(Team.idea_id) == col(Idea.id))
            idea = connection.execute(
                select(col(Idea.id), col(Profile.subject_id))
                .join(Profile, col(Profile.id) == col(Idea.owner_id))
                .where(
                    col(Idea.status) == IdeaStatus.PUBLISHED,
                    col(Idea.hidden_at).is_(None),
                    col(Idea.owner_id) != recipient.id,
                    ~teamed,
                    ~pending,
                )
                .order_by(col(Idea.id))
                .limit(1)
            ).first()
            count = connection.scalar(select(func.count()).select_from(Profile))
    finally:
        engine.dispose()
    if idea is None:
        sys.exit(f"bench aborted: the demo data ({count} profiles) has no published idea without a team")
    settings = Settings(env="test", demo_data=False, jwt_secret=SecretStr(secret))
    return Parties(
        sender=mint_token(settings, idea.subject_id),
        recipient=mint_token(settings, recipient.subject_id),
        recipient_id=to_global_id("Profile", recipient.id),
        idea_id=to_global_id("Idea", idea.id),
    )


async def open_subscriber(
    url: str, token: str, gate: asyncio.Semaphore, opened: list[ClientConnection]
) -> ClientConnection:
    """Connected, acknowledged and subscribed; `opened` holds it from the start, for closing."""
    async with gate:
        connection = await connect(
            url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            open_timeout=STEP_TIMEOUT,
            close_timeout=2,
        )
        opened.append(connection)
        await connection.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        ack = json.loads(await asyncio.wait_for(connection.recv(), STEP_TIMEOUT))
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"connection_init was answered with {ack}")
        await connection.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}})
        )
        return connection


async def read(index: int, connection: ClientConnection, arrivals: Arrivals) -> None:
    """Notes the moment each message is read, before it is parsed."""
    try:
        async for raw in connection:
            at = time.perf_counter()
            message = json.loads(raw)
            payload = message.get("payload") or {}
            event = (payload.get("data") or {}).get("inviteEvents") or {}
            if message.get("type") == "next" and "kind" in event and not payload.get("errors"):
                invite = event.get("invite") or {}
                arrivals.record((event["kind"], invite.get("id", "")), index, at)
            elif message.get("type") == "ping":
                await connection.send(json.dumps({"type": "pong"}))
            elif len(arrivals.unexpected) < 20:
                arrivals.unexpected.append(f"subscriber {index}: {str(raw)[:300]}")
    except ConnectionClosed:
        pass
    arrivals.closed += 1


async def post(http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json() if response.status_code == 200 else {"errors": response.text}
    data = body.get("data") or {}
    payload = next(iter(data.values()), None) or {}
    if "errors" in body or payload.get("errors"):
        sys.exit(
            f"bench aborted: HTTP {response.status_code}: {body}\nquery: {query}\nvariables: {variables}"
        )
    return payload


async def fan_out(
    http: httpx.AsyncClient, server: Server, parties: Parties, arrivals: Arrivals, subscribers: int
) -> Round:
    """One invitation to every subscriber; withdrawn, and that fan-out awaited, before returning."""
    server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    sent = await post(
        http,
        parties.sender,
        SEND_INVITE,
        {"input": {"recipientId": parties.recipient_id, "ideaId": parties.idea_id}},
    )
    mutation = time.perf_counter() - started
    invite = sent["invite"]["id"]
    received = await arrivals.collect((RECEIVED, invite), subscribers, STEP_TIMEOUT)
    window = (max(received.values()) if len(received) == subscribers else time.perf_counter()) - started
    measured = Round(
        latencies=[at - started for at in received.values()],
        mutation=mutation,
        window=window,
        server_cpu=server.cpu_seconds() - server_cpu,
        client_cpu=time.process_time() - client_cpu,
    )
    await post(http, parties.sender, WITHDRAW_INVITE, {"id": invite})
    await arrivals.collect((WITHDRAWN, invite), subscribers, STEP_TIMEOUT)
    await asyncio.sleep(ROUND_PAUSE)
    return measured


async def measure(
    server: Server, parties: Parties, subscribers: int, rounds: int, broker: str
) -> Measurement:
    arrivals = Arrivals()
    opened: list[ClientConnection] = []
    readers: list[asyncio.Task[None]] = []
    ws_url = server.url.replace("http://", "ws://") + "/graphql"
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)
    try:
        started = time.perf_counter()
        connections = await asyncio.gather(
            *(open_subscriber(ws_url, parties.recipient, gate, opened) for _ in range(subscribers))
        )
        readers = [
            asyncio.create_task(read(index, connection, arrivals))
            for index, connection in enumerate(connections)
        ]
        open_seconds = time.perf_counter() - started
        async with httpx.AsyncClient(base_url=server.url, timeout=STEP_TIMEOUT) as http:
            for _ in range(WARMUP_ATTEMPTS):
                warmup = await fan_out(http, server, parties, arrivals, subscribers)
                if len(warmup.latencies) == subscribers:
                    break
            else:
                sys.exit(
                    f"bench aborted: after {WARMUP_ATTEMPTS} warm-up rounds only {len(warmup.latencies):,} "
                    f"of {subscribers:,} subscribers receive events; server log: {server.log}"
                )
            measured = [await fan_out(http, server, parties, arrivals, subscribers) for _ in range(rounds)]
        return Measurement(
            broker=broker,
            subscribers=subscribers,
            rounds=measured,
            open_seconds=open_seconds,
            missing=sum(subscribers - len(r.latencies) for r in measured),
            duplicates=arrivals.duplicates,
            closed=arrivals.closed,
            unexpected=arrivals.unexpected,
            peak_rss_mb=server.peak_rss_mb(),
            ready_seconds=server.ready_seconds,
        )
    finally:
        await asyncio.gather(*(connection.close() for connection in opened), return_exceptions=True)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


def run_one(subscribers: int, rounds: int, broker_url: str | None) -> Measurement:
    with tempfile.TemporaryDirectory(prefix="cip-bench-live-") as directory:
        secret = secrets.token_urlsafe(32)
        with serving(Path(directory), secret, broker_url) as server:
            parties = choose_parties(server.database, secret)
            broker = "in-process" if broker_url is None else broker_url.split("://", 1)[0]
            try:
                return asyncio.run(measure(server, parties, subscribers, rounds, broker))
            except BaseException:
                log = server.log.read_text(errors="replace")
                print(f"\nserver log (last 3,000 characters):\n{log[-3000:]}", file=sys.stderr)
                raise


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def report(results: list[Measurement]) -> None:
    print(
        f"\n{'broker':<12}{'subscribers':>12}{'deliveries':>11}{'missing':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'max ms':>9}{'send ms':>9}{'deliv/s':>9}"
    )
    for m in results:
        ms = [s * 1000 for r in m.rounds for s in r.latencies]
        p50, p99, slowest = (percentile(ms, 0.5), percentile(ms, 0.99), max(ms)) if ms else (math.nan,) * 3
        send_ms = percentile([r.mutation * 1000 for r in m.rounds], 0.5)
        rate = len(ms) / sum(r.window for r in m.rounds)
        print(
            f"{m.broker:<12}{m.subscribers:>12,}{len(ms):>11,}{m.missing:>8}{p50:>9.1f}{p99:>9.1f}"
            f"{slowest:>9.1f}{send_ms:>9.1f}{rate:>9,.0f}"
        )
    print("\nlatency: from just before sendInvite is posted to the event read from a socket;")
    print("send ms: sendInvite's own round trip (p50); deliv/s: deliveries over the time to the last one")
    for m in results:
        n = len(m.rounds)
        rss = "n/a" if m.peak_rss_mb is None else f"{m.peak_rss_mb:.0f} MB"
        print(
            f"\n{m.broker}: server ready in {m.ready_seconds:.1f} s (migrated, demo data loaded), "
            f"{m.subscribers:,} subscribed in {m.open_seconds:.1f} s, server peak RSS {rss}"
        )
        print(
            f"  per fan-out (mean of {n}): {sum(r.window for r in m.rounds) / n * 1000:.0f} ms to the last "
            f"delivery; CPU meanwhile: server {sum(r.server_cpu for r in m.rounds) / n * 1000:.0f} ms, "
            f"bench client {sum(r.client_cpu for r in m.rounds) / n * 1000:.0f} ms"
        )
        if m.duplicates or m.closed or m.unexpected:
            print(f"  delivered twice: {m.duplicates}, sockets closed early: {m.closed}")
            for message in m.unexpected:
                print(f"  unexpected: {message}")
    print("\ntargets:")
    for m in results:
        ms = [s * 1000 for r in m.rounds for s in r.latencies]
        p99 = percentile(ms, 0.99) if ms else math.nan
        met = "met" if ms and p99 <= P99_TARGET_MS and not m.missing else "NOT MET"
        print(
            f"  p99 <= {P99_TARGET_MS:.0f} ms, one event to {m.subscribers:,} subscribers ({m.broker}): "
            f"{p99:.1f} ms, {m.missing} missing: {met}"
        )


def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    _raise_file_limit(args.subscribers)
    print(f"\nlive fan-out: {args.subscribers:,} subscribers of one member, {args.rounds} invitations")
    results = [run_one(args.subscribers, args.rounds, None)]
    if args.broker_url:
        results.append(run_one(args.subscribers, args.rounds, args.broker_url))
    report(results)
    print(f"\nlive fan-out took {time.perf_counter() - started:.0f} s")

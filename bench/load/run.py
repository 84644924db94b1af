"""`make load`: floods a served graph with simulated members, then proves in the database that no
write was lost or duplicated.

The run empties the PostgreSQL database `cip_load` (or --database-url, whose name must start with
cip_load), seeds it with `cip-graph seed`, serves it with `cip-graph serve --workers 2` on a free
loopback port with the abuse limits lifted, creates two open rounds as an admin, and lets Locust run
200 members (each signed in as its own) for 60 s without pauses: idea pages, profile pages, search,
node lookups, their own invitations and teams, sendInvite, respondToInvite (accept and decline),
withdrawInvite, submitToRound and withdrawSubmission. Then it stops the server and checks the
database against every answer the members got (bench.load.verify).

A load run, not a timed test: the figures are printed whatever they are. It exits 1 when the
service answered with a 5xx or any other error (or logged an exception), lost or invented a write,
announced a change twice or not at all, broke an invariant, or did not stop cleanly on SIGTERM. A
write whose answer never came is unknown: reported apart, never counted as lost."""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import asyncpg
import httpx
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import col

from app.auth import mint_token
from app.settings import Settings
from bench.load.plan import PLAN_VARIABLE, RECORDS_VARIABLE, Outcome
from bench.load.report import Figures, figures
from bench.load.verify import Baseline, Findings, Write, key, read_records, snapshot, verify
from bench.serving import ROOT, logged_process, wait_until_ready
from models import Idea, Membership, Profile, Team
from models.db import Database
from models.enums import IdeaStatus
from resolvers.ids import to_global_id

BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
DATABASE_URL = "postgresql+asyncpg://127.0.0.1:5432/cip_load"
OWN_DATABASES = "cip_load"
"""The run drops and recreates its database, so it touches only databases named like this."""
UNLIMITED = "1000000"
"""The service's abuse limits, lifted: the run measures the service, not its throttle."""
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 30.0
"""Seconds the server gets to stop after SIGTERM (it gives open requests 10) before it is killed."""
READ_SAMPLE = 500
SHOWN = 10
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Timeout)\b")
OWN_FRAME = re.compile(r'File "[^"]*?/((?:app|schema|resolvers|models|loaders)/[^"]+)", line (\d+), in (\w+)')
CLIENT_GONE = "starlette.requests.ClientDisconnect"
"""Logged when a member gave up (timed out) before the server read its request: not the service's fault."""
FAILING = (Outcome.HTTP_5XX, Outcome.GRAPHQL_ERROR, Outcome.EMPTY, Outcome.HTTP_4XX)
"""Answers that fail the run; timeouts and transport errors leave writes unknown and are reported."""
CREATE_ROUND = """mutation CreateRound($input: CreateRoundInput!) {
  createRound(input: $input) { contestRound { id } errors { code field message } }
}"""


def seconds_of(text: str) -> int:
    """Locust's way of writing a duration: 90, 90s, 2m, 1h30m."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not text.strip() or match is None:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 60s, 2m, 1h30m)")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--users", type=int, default=200, help="simulated members, each its own")
    parser.add_argument("--duration", type=seconds_of, default=60, help="e.g. 60s, 2m (default 60s)")
    parser.add_argument("--spawn-rate", type=float, help="members started per second (default: all in 5 s)")
    parser.add_argument(
        "--think", type=float, default=0.0, help="most seconds a member pauses between requests"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a member waits for an answer")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--profiles", type=int, default=2000, help="demo profiles to seed")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the data and the members")
    parser.add_argument(
        "--database-url", default=DATABASE_URL, help=f"its name must start with {OWN_DATABASES}"
    )
    parser.add_argument(
        "--keep-database",
        action="store_true",
        help="keep the database after a passing run (always kept after a failing one)",
    )
    args = parser.parse_args()
    name = make_url(args.database_url).database or ""
    if not args.database_url.startswith("postgresql") or not name.startswith(OWN_DATABASES):
        parser.error(f"--database-url must be a PostgreSQL database named {OWN_DATABASES}*: the run drops it")
    if args.users < 2:
        parser.error("--users: at least 2, so that members have someone to invite")
    return args


def server_url(url: str) -> str:
    """The maintenance database of the same server, for asyncpg."""
    return (
        make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    )


async def recreate(url: str) -> None:
    name = make_url(url).database
    connection = await asyncpg.connect(server_url(url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop(url: str) -> None:
    connection = await asyncpg.connect(server_url(url))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
    finally:
        await connection.close()


def seed(url: str, profiles: int, seed: int) -> None:
    started = time.perf_counter()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CIP_")}
    environment |= {"CIP_DATABASE_URL": url, "CIP_ENV": "test"}
    subprocess.run(
        [BIN / "cip-graph", "seed", "--profiles", str(profiles), "--seed", str(seed)],
        env=environment,
        cwd=ROOT,
        check=True,
    )
    print(f"seeded {profiles:,} profiles with `cip-graph seed` in {time.perf_counter() - started:.1f} s")


@dataclass(frozen=True)
class Cast:
    """The members the run signs in as, and what the members read."""

    subjects: list[str]
    profiles: list[int]
    ideas: list[list[int]]
    teams: list[list[int]]
    readable_ideas: list[int]
    readable_profiles: list[int]


async def prepare(url: str, users: int, rng: random.Random) -> tuple[Cast, Baseline]:
    """Vacuumed as a served database would be; members are profiles that own a published idea,
    so each has something to invite others to."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")
        published = await database.fetch_all(
            select(col(Idea.id), col(Idea.owner_id)).where(
                col(Idea.status) == IdeaStatus.PUBLISHED, col(Idea.hidden_at).is_(None)
            )
        )
        owners = sorted({row.owner_id for row in published})
        if len(owners) < users:
            sys.exit(
                f"load aborted: only {len(owners)} profiles own a published idea; seed more (--profiles)"
            )
        chosen = sorted(rng.sample(owners, users))
        subjects = {
            row.id: row.subject_id
            for row in await database.fetch_all(
                select(col(Profile.id), col(Profile.subject_id)).where(col(Profile.id).in_(chosen))
            )
        }
        teams = await database.fetch_all(
            select(col(Membership.profile_id), col(Team.id), col(Idea.id).label("idea_id"), col(Idea.status))
            .join(Team, col(Team.id) == col(Membership.team_id))
            .join(Idea, col(Idea.id) == col(Team.idea_id))
            .where(col(Membership.profile_id).in_(chosen))
        )
        all_profiles = [row[0] for row in await database.fetch_all(select(col(Profile.id)))]
        baseline = await snapshot(database)
    finally:
        await database.dispose()
    ideas = {profile: sorted(row.id for row in published if row.owner_id == profile) for profile in chosen}
    for row in teams:
        if row.status is IdeaStatus.PUBLISHED and row.idea_id not in ideas[row.profile_id]:
            ideas[row.profile_id].append(row.idea_id)
    cast = Cast(
        subjects=[subjects[profile] for profile in chosen],
        profiles=chosen,
        ideas=[ideas[profile] for profile in chosen],
        teams=[sorted(row.id for row in teams if row.profile_id == profile) for profile in chosen],
        readable_ideas=rng.sample([row.id for row in published], min(READ_SAMPLE, len(published))),
        readable_profiles=rng.sample(all_profiles, min(READ_SAMPLE, len(all_profiles))),
    )
    return cast, baseline


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    stopped: str = "still running"
    stopped_cleanly: bool = False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop(process: subprocess.Popen[bytes], timeout: float) -> tuple[bool, str]:
    """SIGTERM; if it has not stopped within `timeout`, its whole process group (its own session:
    the process and its children) is killed. Whether it stopped cleanly, and how."""
    if process.poll() is not None:
        return False, f"had exited already, with code {process.returncode}"
    started = time.perf_counter()
    process.terminate()
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return False, f"did not stop within {timeout:.0f} s of SIGTERM and was killed"
    return code == 0, f"stopped on SIGTERM in {time.perf_counter() - started:.1f} s, exit code {code}"


@contextmanager
def serving(url: str, secret: str, workers: int, directory: Path) -> Iterator[Server]:
    """`cip-graph serve` in a session of its own (so Ctrl-C reaches only this runner, which stops
    it with SIGTERM), stopped however the block ends."""
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CIP_")}
    environment |= {
        "CIP_ENV": "test",
        "CIP_DATABASE_URL": url,
        "CIP_DEMO_DATA": "false",
        "CIP_JWT_SECRET": secret,
        "CIP_LOG_LEVEL": "warning",
        "CIP_LOG_FORMAT": "json",
        "CIP_INVITES_PER_HOUR": UNLIMITED,
        "CIP_MUTATIONS_PER_MINUTE": UNLIMITED,
        "CIP_MUTATIONS_PER_MINUTE_PER_IP": UNLIMITED,
    }
    log = directory / "server.log"
    command = [str(BIN / "cip-graph"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers)]
    process = logged_process(command, environment, log, start_new_session=True)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_ready(process, server.url, log, READY_TIMEOUT, "load")
        yield server
    finally:
        server.stopped_cleanly, server.stopped = _stop(process, STOP_TIMEOUT)


def open_rounds(server: Server, settings: Settings, started: datetime) -> list[str]:
    """Two rounds open for the run, created by an admin through the API: a funding round, and an
    idea contest that asks for cross-sector teams."""
    admin = mint_token(settings, "portal|load-admin", ["admin"])
    rounds = []
    for kind, award, cross_sector in (("FUNDING_ROUND", 100_000, False), ("IDEA_CONTEST", 20_000, True)):
        variables = {
            "input": {
                "name": f"Lastprobe {started:%Y-%m-%d %H:%M:%S} {kind}",
                "kind": kind,
                "year": started.year,
                "opensAt": (started - timedelta(hours=1)).isoformat(),
                "closesAt": (started + timedelta(days=1)).isoformat(),
                "maxAwardEur": award,
                "crossSectorRequired": cross_sector,
            }
        }
        response = httpx.post(
            f"{server.url}/graphql",
            json={"query": CREATE_ROUND, "variables": variables},
            headers={"Authorization": f"Bearer {admin}"},
            timeout=30,
        )
        payload = (response.json().get("data") or {}).get("createRound") or {}
        if response.status_code != 200 or not payload.get("contestRound"):
            sys.exit(f"load aborted: createRound answered {response.status_code}: {response.text[:500]}")
        rounds.append(payload["contestRound"]["id"])
    return rounds


def run_locust(args: argparse.Namespace, server: Server, plan: Path, records: Path, log: Path) -> int:
    """Locust in a session of its own; stopped with SIGTERM (and killed if need be) on Ctrl-C."""
    spawn_rate = args.spawn_rate or max(1.0, args.users / 5)
    command = [
        str(BIN / "locust"),
        "--locustfile", str(LOCUSTFILE),
        "--headless",
        "--users", str(args.users),
        "--spawn-rate", str(spawn_rate),
        "--run-time", f"{args.duration}s",
        "--host", server.url,
        "--stop-timeout", str(int(args.timeout) + 10),
        "--only-summary",
        "--exit-code-on-error", "0",
        "--loglevel", "WARNING",
    ]  # fmt: skip
    environment = os.environ | {
        PLAN_VARIABLE: str(plan),
        RECORDS_VARIABLE: str(records),
        "PYTHONPATH": str(ROOT),
    }
    process = logged_process(command, environment, log, start_new_session=True)
    try:
        return process.wait(timeout=args.duration + args.timeout + 120)
    except subprocess.TimeoutExpired:
        print(f"Locust did not finish in time; it {_stop(process, 30)[1]}", file=sys.stderr)
        return -1
    except BaseException:
        _stop(process, 30)
        raise


def _cause(traceback: str) -> str:
    """A traceback's first exception (the root cause) and the service's innermost frames in it."""
    cause = next((line for line in traceback.splitlines() if EXCEPTION_LINE.match(line)), "")
    frames = [f"{path}:{line} {function}" for path, line, function in OWN_FRAME.findall(traceback)[-3:]]
    where = f" (at {' > '.join(frames)})" if frames else ""
    return (cause or traceback.strip().splitlines()[-1])[:300] + where


def server_errors(log: Path) -> Counter[str]:
    """Each exception logged by the server (JSON lines with `exc_info`, or a plain traceback printed
    before logging was set up), by root cause and where in the service it surfaced, counted."""
    found: Counter[str] = Counter()
    plain: list[str] = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            if record.get("exc_info"):
                found[_cause(str(record["exc_info"]))] += 1
            continue
        if line.startswith("Traceback") and plain:
            found[_cause("\n".join(plain))] += 1
            plain = []
        if line.startswith("Traceback") or plain:
            plain.append(line)
    if plain:
        found[_cause("\n".join(plain))] += 1
    return found


def print_findings(findings: Findings) -> None:
    print("\ndatabase check:")
    for line in findings.summary:
        print(f"  {line}")
    for name, problems in findings.categories().items():
        print(f"  {name}: {len(problems):,}")
        for problem in problems[:SHOWN]:
            print(f"    - {problem}")
        if len(problems) > SHOWN:
            print(f"    ... and {len(problems) - SHOWN:,} more")


def write_plan(
    path: Path, args: argparse.Namespace, cast: Cast, settings: Settings, rounds: list[str], started: datetime
) -> None:
    members = [
        {
            "profile": to_global_id("Profile", profile),
            "token": mint_token(settings, subject, ttl=timedelta(seconds=args.duration + 3600)),
            "ideas": [to_global_id("Idea", idea) for idea in ideas],
            "teams": [to_global_id("Team", team) for team in teams],
        }
        for profile, subject, ideas, teams in zip(
            cast.profiles, cast.subjects, cast.ideas, cast.teams, strict=True
        )
    ]
    plan: dict[str, Any] = {
        "started_at": started.isoformat(),
        "seed": args.seed,
        "think_seconds": [0.0, args.think],
        "timeout_seconds": args.timeout,
        "members": members,
        "rounds": rounds,
        "ideas": [to_global_id("Idea", idea) for idea in cast.readable_ideas],
        "profiles": [to_global_id("Profile", profile) for profile in cast.readable_profiles],
    }
    path.write_text(json.dumps(plan))


def run(args: argparse.Namespace, directory: Path) -> bool:
    url = args.database_url
    name = make_url(url).database
    print(f"load: {args.users} members for {args.duration} s against {args.workers} workers; database {name}")
    asyncio.run(recreate(url))
    seed(url, args.profiles, args.seed)
    cast, baseline = asyncio.run(prepare(url, args.users, random.Random(args.seed)))
    secret = secrets.token_urlsafe(32)
    settings = Settings(env="test", demo_data=False, jwt_secret=SecretStr(secret))
    plan, records = directory / "plan.json", directory / "records.jsonl"
    with serving(url, secret, args.workers, directory) as server:
        started = datetime.now(UTC)
        rounds = open_rounds(server, settings, started)
        write_plan(plan, args, cast, settings, rounds, started)
        print(
            f"serving at {server.url}; Locust running for {args.duration} s (log: {directory / 'locust.log'})"
        )
        code = run_locust(args, server, plan, records, directory / "locust.log")
    print(f"server {server.stopped}")
    if code != 0:
        print(f"Locust failed with exit code {code}:\n{(directory / 'locust.log').read_text()[-3000:]}")
    elif "CPU usage" in (directory / "locust.log").read_text(errors="replace"):
        print("note: Locust's own process was CPU-bound at times; latencies include its queueing")

    answered, writes = read_records(records) if records.exists() else ([], [])
    seen = figures(answered, writes)
    logged = server_errors(server.log)
    if logged:
        print(f"\nexceptions in the server log ({server.log}):")
        for line, count in logged.most_common(SHOWN):
            print(f"  {count:>6,} x {line}")
    findings = asyncio.run(verify(url, baseline, writes, cast.profiles, [key(r) for r in rounds]))
    print_findings(findings)

    return verdict(seen, findings, logged, code, server, writes)


def verdict(
    seen: Figures, findings: Findings, logged: Counter[str], code: int, server: Server, writes: list[Write]
) -> bool:
    failures = [f"{outcome}: {seen.outcomes[outcome]:,}" for outcome in FAILING if seen.outcomes[outcome]]
    failures += [f"{name}: {len(problems):,}" for name, problems in findings.categories().items() if problems]
    unexpected = sum(count for line, count in logged.items() if not line.startswith(CLIENT_GONE))
    if unexpected:
        failures.append(f"exceptions in the server log: {unexpected:,}")
    if code != 0:
        failures.append(f"Locust exit code {code}")
    if not server.stopped_cleanly:
        failures.append(f"the server {server.stopped}")
    unknown = sum(1 for write in writes if write.unknown)
    print()
    if failures:
        print(f"VERDICT: FAIL: {'; '.join(failures)}")
    else:
        print(
            f"VERDICT: PASS: {sum(1 for w in writes if w.acknowledged):,} acknowledged writes all in the "
            f"database as acknowledged, nothing written that no member was told, no 5xx, invariants hold"
            + (f"; {unknown:,} writes unknown (no answer), not counted" if unknown else "")
        )
    return not failures


def _interrupted(_signal: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Ctrl-C and SIGTERM alike stop Locust and the server (each in a session of its own, so
    neither gets the terminal's signal) before the runner exits."""
    args = arguments()
    directory = Path(tempfile.mkdtemp(prefix="cip-load-"))
    passed = False
    signal.signal(signal.SIGINT, _interrupted)
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        passed = run(args, directory)
    except KeyboardInterrupt:
        print("\nload interrupted: Locust and the server were stopped", file=sys.stderr)
        sys.exit(130)
    finally:
        print(f"logs, plan and records: {directory}")
    if passed and not args.keep_database:
        asyncio.run(drop(args.database_url))
    elif not passed:
        print(f"the database {make_url(args.database_url).database} is kept for inspection")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()

"""Partner matching and network figures at scale: matchPartners, matchIdeas and networkStats.

The demo data set at 100,000 profiles (about 450,000 skill claims), 40,000 ideas and 20,000 teams,
on SQLite in a temp dir and, when it is reachable, on PostgreSQL too (the database
cip_bench_network on 127.0.0.1:5432, created if missing and reused between runs), or only on the
database given by --network-database-url. Requests go over ASGI as in bench.run, each signed in as
another demo member. The first matchPartners request builds the process's skill index, so it is
timed on its own before the warm-up.

Figures, not a test: it exits 0 whatever the numbers are, and fails only when a response carries
GraphQL errors."""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func, select

from app.auth import mint_token
from app.demo import DemoSize
from app.main import create_app, tune_garbage_collector
from bench.run import SETTINGS, WARMUP, Bench, Result, percentile, prepare, verdict
from models import Idea, Profile, ProfileSkill, Team
from models.db import Database
from models.migrate import migrate

MATCH = """
query($first: Int!) {
  matchPartners(first: $first) {
    notice { code }
    matches {
      score complementarity crossSector
      profile { id displayName sector region }
      theyOffer { weight skill { slug } }
      theySeek { weight skill { slug } }
    }
  }
}
"""
IDEAS = """
{
  matchIdeas(first: 20) {
    notice { code }
    matches { score idea { id title } skills { skill { slug } } }
  }
}
"""
STATS = """
{
  networkStats {
    edges crossSectorEdges crossSectorShare
    profilesBySector { sector profiles }
    profilesByRegion { region profiles }
    skills { skill { slug } offered sought gap }
    rounds { round { name } sector submissions awards awardedEur }
  }
}
"""

MATCH_FIRST = 20
MATCH_P50_TARGET_MS = 150.0
STATS_P50_TARGET_MS = 2_000.0
STATS_WARMUP = 2
"""networkStats takes up to seconds a request; two warm it, where the other queries get bench.run's WARMUP."""
WARMUP_BUDGET = 10.0
MEASURE_BUDGET = 60.0
"""Seconds of requests after which a slow query's warm-up, or its measurement, stops short (after at
least MIN_REQUESTS measured), so one slow query cannot hold the whole run for an hour."""
MIN_REQUESTS = 3
MEMBER_SEED = 2026

POSTGRESQL_SERVER = "postgresql://127.0.0.1:5432/test"
"""Where the default PostgreSQL database is created (trust auth, as the tests connect)."""
POSTGRESQL_NAME = "cip_bench_network"
POSTGRESQL_URL = f"postgresql+asyncpg://127.0.0.1:5432/{POSTGRESQL_NAME}"


@dataclass(frozen=True)
class Sizes:
    """What the database holds, which for a reused one need not be what was asked for."""

    profiles: int
    claims: int
    ideas: int
    teams: int


@dataclass
class Measured:
    dialect: str
    sizes: Sizes
    first_seconds: float
    """The first matchPartners request of the process, which builds the skill index."""
    first_statements: int
    results: list[Result]
    notes: list[str] = field(default_factory=list)
    """Responses with a notice instead of matches; queries that ran out of time."""


class Members:
    """Demo members in a fixed random order, each signed in once, so minting stays out of the timings."""

    def __init__(self, profiles: int, count: int) -> None:
        keys = random.Random(MEMBER_SEED).sample(range(1, profiles + 1), min(count, profiles))
        self.headers = [
            {"Authorization": f"Bearer {mint_token(SETTINGS, f'demo|{key:08d}')}"} for key in keys
        ]

    def __call__(self, i: int) -> dict[str, str]:
        return self.headers[i % len(self.headers)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    network = parser.add_argument_group("partner matching and network stats")
    network.add_argument("--network-profiles", type=int, default=100_000)
    network.add_argument("--network-teams", type=int, default=20_000)
    network.add_argument("--network-ideas", type=int, default=40_000)
    network.add_argument(
        "--network-requests", type=int, default=100, help="measured matchPartners and matchIdeas requests"
    )
    network.add_argument(
        "--network-stats-requests", type=int, default=10, help="measured networkStats requests"
    )
    network.add_argument(
        "--network-database-url",
        help="a dedicated PostgreSQL database, seeded once and reused; "
        f"SQLite in a temp dir and {POSTGRESQL_NAME} on 127.0.0.1:5432 (if reachable) if unset",
    )


async def _on_server(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRESQL_SERVER, timeout=3)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def default_postgresql() -> str:
    """The default PostgreSQL database's URL, created if missing; raises OSError or PostgresError if
    the server is not there."""
    connection = await asyncpg.connect(POSTGRESQL_SERVER, timeout=3)
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", POSTGRESQL_NAME):
            await connection.execute(f'CREATE DATABASE "{POSTGRESQL_NAME}"')
    finally:
        await connection.close()
    return POSTGRESQL_URL


async def seed(database: Database, size: DemoSize, owned: bool) -> None:
    """bench.run's prepare: seeds only an empty database. Seeding runs in one transaction, but should
    it fail or be interrupted anyway, a database of this bench's own is dropped rather than left for
    the next run to take as seeded."""
    await migrate(database)
    empty = not await database.fetch_scalar(select(func.count()).select_from(Profile))
    try:
        await prepare(database, size)
    except BaseException:
        if owned and empty:
            await database.dispose()
            await _on_server(f'DROP DATABASE IF EXISTS "{POSTGRESQL_NAME}" WITH (FORCE)')
            print(f"seeding failed; dropped {POSTGRESQL_NAME}")
        raise


async def count(database: Database) -> Sizes:
    async def rows(model: Any) -> int:
        return int(await database.fetch_scalar(select(func.count()).select_from(model)))

    return Sizes(
        profiles=await rows(Profile),
        claims=await rows(ProfileSkill),
        ideas=await rows(Idea),
        teams=await rows(Team),
    )


async def measure(
    bench: Bench,
    name: str,
    query: str,
    variables: dict[str, Any],
    n: int,
    warmup: int,
    members: Members,
    notes: list[str],
) -> Result:
    """Like Bench.measure, but each request signed in as the next member (the first was the cold one),
    and within a time budget."""
    warmed = 0.0
    for i in range(warmup):
        if warmed > WARMUP_BUDGET:
            notes.append(f"{name}: warmed up with {i} of {warmup} requests ({WARMUP_BUDGET:.0f} s budget)")
            break
        warmed += (await bench.post(query, variables, members(1 + i)))[1]
    result = Result(name, [], [])
    found: Counter[str] = Counter()
    for i in range(n):
        if i >= MIN_REQUESTS and sum(result.seconds) > MEASURE_BUDGET:
            notes.append(f"{name}: measured {i} of {n} requests ({MEASURE_BUDGET:.0f} s budget)")
            break
        data, elapsed, statements = await bench.post(query, variables, members(1 + warmup + i))
        result.seconds.append(elapsed)
        result.statements.append(statements)
        notice = next(iter(data.values())).get("notice")
        if notice:
            found[notice["code"]] += 1
    if found:
        shown = ", ".join(f"{code} {times}" for code, times in found.most_common())
        notes.append(f"{name}: a notice instead of matches in {found.total()} responses ({shown})")
    return result


async def run(url: str, size: DemoSize, args: argparse.Namespace, owned: bool) -> Measured:
    database = Database(url)
    try:
        print(f"\nnetwork on {database.dialect}:")
        await seed(database, size, owned)
        sizes = await count(database)
        print(
            f"measuring on {sizes.profiles:,} profiles, {sizes.claims:,} profile skills, "
            f"{sizes.ideas:,} ideas, {sizes.teams:,} teams"
        )
        if (sizes.profiles, sizes.ideas, sizes.teams) != (size.profiles, size.idea_count, size.team_count):
            print(
                f"  (not the {size.profiles:,} profiles, {size.idea_count:,} ideas and {size.team_count:,} "
                "teams asked for: the database was seeded before; drop it to seed it anew)"
            )
        app = create_app(SETTINGS, database=database)
        tune_garbage_collector()  # as `serve` does once it has started
        requests = max(args.network_requests, args.network_stats_requests)
        members = Members(sizes.profiles, 1 + WARMUP + requests)
        notes: list[str] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            bench = Bench(http, database)
            _, first, first_statements = await bench.post(MATCH, {"first": MATCH_FIRST}, members(0))
            n, stats_n = args.network_requests, args.network_stats_requests
            results = [
                await measure(
                    bench, "matchPartners", MATCH, {"first": MATCH_FIRST}, n, WARMUP, members, notes
                ),
                await measure(bench, "matchIdeas", IDEAS, {}, n, WARMUP, members, notes),
                await measure(bench, "networkStats", STATS, {}, stats_n, STATS_WARMUP, members, notes),
            ]
    finally:
        await database.dispose()
    measured = Measured(database.dialect, sizes, first, first_statements, results, notes)
    table(measured)
    return measured


def table(m: Measured) -> None:
    print(
        f"\nfirst matchPartners request, index build: {m.first_seconds * 1000:,.0f} ms, "
        f"{m.first_statements} statements"
    )
    print(
        f"\n{'query':<15}{'requests':>9}{'stmts/req':>11}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'req/s':>8}"
    )
    for r in m.results:
        ms = [s * 1000 for s in r.seconds]
        stmts = f"{min(r.statements)}–{max(r.statements)}"
        print(
            f"{r.name:<15}{len(ms):>9}{stmts:>11}{percentile(ms, 0.5):>9.2f}{percentile(ms, 0.99):>9.2f}"
            f"{statistics.fmean(ms):>9.2f}{len(ms) / sum(r.seconds):>8.1f}"
        )
    for note in m.notes:
        print(note)


def targets(measured: list[Measured], skipped: list[str]) -> None:
    print("\ntargets:")
    for m in measured:
        match_p50 = percentile([s * 1000 for s in m.results[0].seconds], 0.5)
        stats_p50 = percentile([s * 1000 for s in m.results[2].seconds], 0.5)
        scale = f"{m.sizes.profiles:,} profiles, {m.sizes.claims:,} profile skills, {m.sizes.teams:,} teams"
        print(
            f"  matchPartners(first: {MATCH_FIRST}) p50 <= {MATCH_P50_TARGET_MS:.0f} ms on {m.dialect} "
            f"({scale}): {match_p50:.1f} ms: {verdict(match_p50 <= MATCH_P50_TARGET_MS)}"
        )
        print(
            f"  networkStats p50 <= {STATS_P50_TARGET_MS / 1000:.0f} s on {m.dialect} "
            f"({scale}): {stats_p50:,.0f} ms: {verdict(stats_p50 <= STATS_P50_TARGET_MS)}"
        )
    for reason in skipped:
        print(f"  {reason}")


def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    size = DemoSize(profiles=args.network_profiles, ideas=args.network_ideas, teams=args.network_teams)
    print(
        f"\npartner matching and network stats: {args.network_requests} matchPartners and matchIdeas, "
        f"{args.network_stats_requests} networkStats requests, each as another member"
    )
    measured: list[Measured] = []
    skipped: list[str] = []
    if args.network_database_url:
        measured.append(asyncio.run(run(args.network_database_url, size, args, owned=False)))
    else:
        with tempfile.TemporaryDirectory(prefix="cip-bench-network-") as directory:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'network.db'}"
            measured.append(asyncio.run(run(url, size, args, owned=False)))
        try:
            postgresql = asyncio.run(default_postgresql())
        except (OSError, asyncpg.PostgresError) as error:
            skipped.append(f"on postgresql: skipped, not reachable at {POSTGRESQL_SERVER} ({error})")
            print(f"\nnetwork {skipped[-1]}")
        else:
            measured.append(asyncio.run(run(postgresql, size, args, owned=True)))
    targets(measured, skipped)
    print(f"\nnetwork bench took {time.perf_counter() - started:.0f} s")

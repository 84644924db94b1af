"""Latency, SQL statements per request and memory of the three canonical pages on a seeded database.

Then bench.live: the delivery latency of one live event fanned out to 1,000 subscribers of a served
process; then bench.network: partner matching and network stats on 100,000 profiles. `--only pages`,
`--only live` or `--only network` runs one part.

A benchmark that prints figures, not a test: it exits 0 whatever the numbers are, and fails only
when a response carries GraphQL errors, because then the figures would measure the wrong thing."""

import argparse
import asyncio
import random
import resource
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.auth import mint_token
from app.demo import DemoSize, load_demo_data
from app.main import create_app, tune_garbage_collector
from app.settings import Settings
from bench import live, network
from models import Profile
from models.db import Database
from models.migrate import migrate
from resolvers.ids import to_global_id

SCREENS = Path(__file__).parent.parent / "tests" / "screens"
"""The queries the frontend sends, one file per screen; the tests pin their statement counts."""
IDEA_PAGE = (SCREENS / "idea_page.graphql").read_text()

PROFILE_PAGE = (SCREENS / "profile_page.graphql").read_text()

CONTEST_ROUND = (SCREENS / "contest_round.graphql").read_text()

ROUTER_FETCH = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Idea { id title teaser status owner { displayName } }
    ... on Profile { id displayName sector region }
  }
}
"""
"""What the portal's router sends CIP for a page of 100 highlighted ideas and their 100 curators."""

WARMUP = 20
CURSOR_PAGES = 50
P50_TARGET_MS = 10.0
RSS_TARGET_MB = 300.0


@dataclass
class Result:
    """One query's measured requests, kept raw so percentiles come from every sample."""

    name: str
    seconds: list[float]
    statements: list[int]


SETTINGS = Settings(env="test", demo_data=False, jwt_secret=secrets.token_urlsafe(32))
MEMBER = {"Authorization": f"Bearer {mint_token(SETTINGS, 'demo|00000001')}"}
"""A demo member browsing the community area; the contest round is the jury's screen."""
JURY = {"Authorization": f"Bearer {mint_token(SETTINGS, 'portal|jury', ['jury'])}"}


class Bench:
    """Posts operations over ASGI and counts the SQL each one runs, so the two figures stay paired."""

    def __init__(self, http: httpx.AsyncClient, database: Database) -> None:
        self.http = http
        self.database = database

    async def post(
        self, query: str, variables: dict[str, Any], headers: dict[str, str] = MEMBER
    ) -> tuple[dict[str, Any], float, int]:
        with self.database.recorded_statements() as statements:
            started = time.perf_counter()
            response = await self.http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            elapsed = time.perf_counter() - started
        body: dict[str, Any] = response.json() if response.status_code == 200 else {"errors": response.text}
        if "errors" in body:
            sys.exit(
                f"bench aborted: HTTP {response.status_code}, errors {body['errors']}\n"
                f"query: {query}\nvariables: {variables}"
            )
        return body["data"], elapsed, len(statements)

    async def measure(
        self,
        name: str,
        query: str,
        variables: Callable[[int], dict[str, Any]],
        n: int,
        headers: dict[str, str] = MEMBER,
    ) -> Result:
        for i in range(WARMUP):
            await self.post(query, variables(i), headers)
        result = Result(name, [], [])
        for i in range(n):
            _, elapsed, statements = await self.post(query, variables(i), headers)
            result.seconds.append(elapsed)
            result.statements.append(statements)
        return result


async def prepare(database: Database, size: DemoSize) -> None:
    """Seeds only an empty database, so a dedicated PostgreSQL database can be reused between runs."""
    await migrate(database)
    if await database.fetch_scalar(select(func.count()).select_from(Profile)):
        print("database already seeded; skipping seeding")
        return
    started = time.perf_counter()
    await load_demo_data(database, size)
    print(
        f"seeded {size.profiles:,} profiles, {size.idea_count:,} ideas, {size.team_count:,} teams "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if database.dialect == "postgresql":
        # A served database has been vacuumed; a freshly loaded one has no visibility map, so
        # index-only counts would fetch every row from the heap and measure the load, not the service.
        async with database.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("VACUUM ANALYZE")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def representations(rng: random.Random, ideas: int, profiles: int) -> list[dict[str, str]]:
    """100 ideas and 100 profiles, as a router batches the references of one query."""
    return [{"__typename": "Idea", "id": to_global_id("Idea", rng.randint(1, ideas))} for _ in range(100)] + [
        {"__typename": "Profile", "id": to_global_id("Profile", rng.randint(1, profiles))} for _ in range(100)
    ]


async def run(args: argparse.Namespace, database: Database) -> None:
    await prepare(database, DemoSize(profiles=args.profiles, ideas=args.ideas, teams=args.teams))
    app = create_app(SETTINGS, database=database)
    tune_garbage_collector()  # as `serve` does once it has started
    rng = random.Random(2026)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
        bench = Bench(http, database)
        cursors: list[str | None] = [None]
        for _ in range(CURSOR_PAGES):
            data, _, _ = await bench.post(IDEA_PAGE, {"first": 20, "after": cursors[-1]})
            if not data["ideas"]["pageInfo"]["hasNextPage"]:
                break
            cursors.append(data["ideas"]["pageInfo"]["endCursor"])
        rounds = [to_global_id("ContestRound", 1), to_global_id("ContestRound", 2)]
        n = args.requests
        results = [
            await bench.measure(
                "idea page", IDEA_PAGE, lambda _: {"first": 20, "after": rng.choice(cursors)}, n
            ),
            await bench.measure(
                "profile page",
                PROFILE_PAGE,
                lambda _: {"id": to_global_id("Profile", rng.randint(1, args.profiles))},
                n,
            ),
            await bench.measure("contest round", CONTEST_ROUND, lambda i: {"id": rounds[i % 2]}, n, JURY),
            await bench.measure(
                "router fetch",
                ROUTER_FETCH,
                lambda _: {"representations": representations(rng, args.ideas, args.profiles)},
                n,
            ),
        ]
        by_size = {
            first: (await bench.post(IDEA_PAGE, {"first": first, "after": None}))[2] for first in (5, 100)
        }
    report(results, by_size, database.dialect)


def report(results: list[Result], by_size: dict[int, int], dialect: str) -> None:
    """Puts each figure beside its target, since the numbers alone do not say whether they are good."""
    print(
        f"\n{'query':<15}{'requests':>9}{'stmts/req':>11}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'req/s':>8}"
    )
    for r in results:
        ms = [s * 1000 for s in r.seconds]
        stmts = f"{min(r.statements)}–{max(r.statements)}"
        print(
            f"{r.name:<15}{len(ms):>9}{stmts:>11}{percentile(ms, 0.5):>9.2f}{percentile(ms, 0.99):>9.2f}"
            f"{statistics.fmean(ms):>9.2f}{len(ms) / sum(r.seconds):>8.0f}"
        )
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS: {rss_mb:.0f} MB\n\ntargets:")
    counts = {by_size[5], *results[0].statements, by_size[100]}
    print(
        f"  statements per request independent of page size: first 5 -> {by_size[5]}, "
        f"first 20 -> {min(results[0].statements)}–{max(results[0].statements)}, "
        f"first 100 -> {by_size[100]}: {verdict(len(counts) == 1)}"
    )
    idea_p50 = percentile([s * 1000 for s in results[0].seconds], 0.5)
    p50_verdict = verdict(idea_p50 <= P50_TARGET_MS) if dialect == "sqlite" else f"n/a (on {dialect})"
    print(f"  p50 <= {P50_TARGET_MS:.0f} ms for the idea page on SQLite: {idea_p50:.2f} ms: {p50_verdict}")
    print(f"  peak RSS <= {RSS_TARGET_MB:.0f} MB: {rss_mb:.0f} MB: {verdict(rss_mb <= RSS_TARGET_MB)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--teams", type=int, default=3_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--database-url", help="a dedicated PostgreSQL database for the pages; SQLite in a temp dir if unset"
    )
    parser.add_argument(
        "--only",
        choices=("pages", "live", "network"),
        help="run one part: the three pages, the live fan-out, or partner matching and network stats",
    )
    live.add_arguments(parser)
    network.add_arguments(parser)
    args = parser.parse_args()

    async def bench(url: str) -> None:
        database = Database(url)
        try:
            await run(args, database)
        finally:
            await database.dispose()

    if args.only in (None, "pages"):
        if args.database_url:
            asyncio.run(bench(args.database_url))
        else:
            with tempfile.TemporaryDirectory(prefix="cip-bench-") as directory:
                asyncio.run(bench(f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"))
    if args.only in (None, "live"):
        live.main(args)
    if args.only in (None, "network"):
        network.main(args)


if __name__ == "__main__":
    main()

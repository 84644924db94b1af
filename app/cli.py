"""The `cip-graph` command line: serve, migrate, seed, export-schema, schema-check, token, network
export, report."""

import argparse
import asyncio
import logging.config
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from pydantic import ValidationError

from app.auth import AuthenticationError, mint_token
from app.demo import DemoSize, load_demo_data, load_demo_data_if_empty
from app.settings import Settings
from models.db import Database
from models.migrate import migrate
from resolvers.viewer import Role

if TYPE_CHECKING:
    from starlette.applications import Starlette

EXPORT_FORMATS = ("graphml", "gexf", "csv")
"""app.network.ExportFormat's values, named here so the parser need not import matplotlib."""
GRACEFUL_SHUTDOWN_SECONDS = 10
"""How long open requests and WebSockets get to finish when the server is asked to stop."""


async def _migrate(settings: Settings) -> None:
    database = Database(settings.database_url)
    try:
        await migrate(database)
    finally:
        await database.dispose()


async def _seed(settings: Settings, size: DemoSize, seed: int) -> None:
    database = Database(settings.database_url)
    try:
        await migrate(database)
        await load_demo_data(database, size, seed)
    finally:
        await database.dispose()


async def _export_network(settings: Settings, fmt: str, out: Path | None) -> str:
    from app.network import ExportFormat, export_network

    database = Database(settings.database_url)
    try:
        return await export_network(database, ExportFormat(fmt), out)
    finally:
        await database.dispose()


async def _report(settings: Settings, out: Path) -> Path:
    """matplotlib loads only for this command, so the others start as fast as before."""
    from app.network import write_report

    database = Database(settings.database_url)
    try:
        return await write_report(database, out)
    finally:
        await database.dispose()


async def _prepare(settings: Settings) -> None:
    """Done once before several workers start, so that they do not race to migrate or to seed."""
    database = Database(settings.database_url)
    try:
        await migrate(database)
        if settings.demo_data:
            await load_demo_data_if_empty(database)
    finally:
        await database.dispose()


def _configure_logging(settings: Settings) -> dict[str, Any]:
    """The service's loggers and uvicorn's write alike: one JSON object per line, or text
    (app.logs). Returned for uvicorn, which applies it again in each worker it starts."""
    from app.logs import log_config

    config = log_config(settings)
    logging.config.dictConfig(config)
    return config


def worker_app() -> "Starlette":
    """What each process of `serve --workers N` runs, as uvicorn's factory: the settings from the
    environment the workers inherit, and logging as `serve` sets it up."""
    from app.main import create_app

    settings = Settings()
    _configure_logging(settings)
    return create_app(settings)


def _stopped(_signal: int, _frame: FrameType | None) -> None:
    """uvicorn finishes open requests on SIGTERM, then raises the signal again: stopping when
    asked to is a clean exit, not a death by signal."""
    raise SystemExit(0)


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """One process serves the app built here; several each build their own (`worker_app`)."""
    import uvicorn

    from app.main import create_app

    logs = _configure_logging(settings)
    app: Starlette | str = "app.cli:worker_app"
    if workers == 1:
        app = create_app(settings)
    else:
        asyncio.run(_prepare(settings))
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=logs,
        access_log=False,  # the app writes one richer access line per request (app/observation.py)
        ws_ping_interval=settings.ws_ping_interval,
        ws_ping_timeout=settings.ws_ping_timeout,
        # Events are small JSON messages: compressing each costs about 100 µs and a compressor's
        # memory per connection, for little saved on the wire.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def _exported_schema() -> str:
    from schema import schema

    return schema.as_str() + "\n"


def _check_schema(baseline: str) -> None:
    """Exits 1 when the code's schema breaks clients of the baseline SDL (a file, or - for stdin)."""
    from app.schema_check import schema_changes

    before = sys.stdin.read() if baseline == "-" else Path(baseline).read_text()
    try:
        changes = schema_changes(before, _exported_schema())
    except GraphQLError as error:
        sys.exit(f"cip-graph schema-check: the baseline is not valid SDL: {error.message}")
    sys.stdout.write(changes.report() + "\n")
    if changes.breaking:
        sys.exit(1)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {number}")
    return number


def parser(settings: Settings) -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="cip-graph", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the graph (migrates and seeds at start)")
    serve.add_argument("--host", default=settings.host)
    serve.add_argument("--port", type=int, default=settings.port)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="processes serving the port; each builds the app from the CIP_* environment",
    )
    commands.add_parser("migrate", help="bring the database schema up to date")
    seed = commands.add_parser("seed", help="add the deterministic demo data set")
    seed.add_argument("--profiles", type=int, default=200)
    seed.add_argument("--ideas", type=int, help="default: 1.5 per profile")
    seed.add_argument("--teams", type=int, help="default: 0.3 per profile")
    seed.add_argument("--seed", type=int, default=2026, help="random seed")
    commands.add_parser("export-schema", help="print the GraphQL SDL")
    check = commands.add_parser(
        "schema-check", help="list what the code's schema breaks for clients of a baseline SDL; exit 1 if any"
    )
    check.add_argument(
        "baseline", help="the baseline SDL file, e.g. the portal's last composed one; - for stdin"
    )
    token = commands.add_parser("token", help="mint a development sign-in token (needs CIP_JWT_SECRET)")
    token.add_argument("--sub", required=True, help="the portal subject id, e.g. demo|00000001")
    token.add_argument("--roles", nargs="*", default=[], choices=[role.value for role in Role])
    token.add_argument("--hours", type=float, default=8, help="how long the token stays valid")
    network = commands.add_parser("network", help="the partner network for analysts")
    network_commands = network.add_subparsers(dest="network_command", required=True)
    export = network_commands.add_parser(
        "export", help="write the partner network (public profile data only) for Gephi, networkx or R"
    )
    export.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    export.add_argument(
        "--out",
        type=Path,
        help="default: cip-network.graphml, cip-network.gexf, or the directory cip-network/ for csv",
    )
    report = commands.add_parser("report", help="write an HTML report with plots of the network")
    report.add_argument("--out", type=Path, required=True, help="the directory for index.html and plots")
    return root


def main(argv: Sequence[str] | None = None) -> None:
    try:
        settings = Settings()
    except ValidationError as error:
        sys.exit(f"cip-graph: refusing to start: {'; '.join(e['msg'] for e in error.errors())}")
    arguments = parser(settings).parse_args(argv)
    if arguments.command == "serve":
        _serve(settings, arguments.host, arguments.port, arguments.workers)
    elif arguments.command == "migrate":
        asyncio.run(_migrate(settings))
    elif arguments.command == "seed":
        size = DemoSize(arguments.profiles, arguments.ideas, arguments.teams)
        asyncio.run(_seed(settings, size, arguments.seed))
    elif arguments.command == "token":
        try:
            sys.stdout.write(
                mint_token(settings, arguments.sub, arguments.roles, timedelta(hours=arguments.hours)) + "\n"
            )
        except AuthenticationError as error:
            sys.exit(f"cip-graph token: {error}")
    elif arguments.command == "network":
        sys.stdout.write(asyncio.run(_export_network(settings, arguments.format, arguments.out)) + "\n")
    elif arguments.command == "report":
        sys.stdout.write(f"wrote {asyncio.run(_report(settings, arguments.out))}\n")
    elif arguments.command == "schema-check":
        _check_schema(arguments.baseline)
    else:
        sys.stdout.write(_exported_schema())

"""Run Alembic migrations from code, so the service migrates itself at start."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from models.db import Database
from models.startup import startup_lock

MIGRATIONS = Path(__file__).parent / "migrations"
ANALYSIS_LIMIT = 1000
"""Rows of each index SQLite's ANALYZE reads: milliseconds at any size, statistics good enough to plan by."""


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def migrate(database: Database) -> None:
    """Under the start-up lock, so replicas starting together apply each revision once."""

    def upgrade(connection: Connection) -> None:
        command.upgrade(alembic_config(connection), "head")

    async with startup_lock(database):
        async with database.engine.begin() as connection:
            await connection.run_sync(upgrade)
        if database.dialect == "sqlite":
            await _analyse(database)


async def _analyse(database: Database) -> None:
    """Gives SQLite's planner fresh statistics at each start, as nothing else would (PostgreSQL's
    autovacuum does). Not `PRAGMA optimize`: before SQLite 3.46 it analyses only the tables its own
    connection has queried, which at start-up is none. Empty tables get no statistics."""
    async with database.engine.connect() as connection:
        await connection.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        await connection.exec_driver_sql("ANALYZE")
        await connection.commit()

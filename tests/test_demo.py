"""The demo data set is the same on every machine, and `serve` loads it only into an empty database."""

from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from app.demo import DemoSize, load_demo_data, load_demo_data_if_empty
from models import Idea, Profile
from models.db import Database
from models.migrate import migrate


async def _fresh(path: Path) -> Database:
    database = Database(f"sqlite+aiosqlite:///{path}")
    await migrate(database)
    return database


async def _fingerprint(database: Database) -> list[tuple]:
    profiles = await database.fetch_all(
        select(col(Profile.display_name), col(Profile.sector)).order_by(col(Profile.id))
    )
    ideas = await database.fetch_all(select(col(Idea.title), col(Idea.status)).order_by(col(Idea.id)))
    return [tuple(row) for row in [*profiles, *ideas]]


async def test_the_same_seed_gives_the_same_data(tmp_path: Path):
    first, second = await _fresh(tmp_path / "a.db"), await _fresh(tmp_path / "b.db")
    try:
        for database in (first, second):
            await load_demo_data(database, DemoSize(profiles=40))

        assert await _fingerprint(first) == await _fingerprint(second)
    finally:
        await first.dispose()
        await second.dispose()


async def test_demo_data_is_loaded_only_into_an_empty_database(database: Database):
    assert await load_demo_data_if_empty(database) is True
    profiles = await database.fetch_scalar(select(func.count()).select_from(Profile))

    assert await load_demo_data_if_empty(database) is False
    assert (
        await database.fetch_scalar(select(func.count()).select_from(Profile))
        == profiles
        == DemoSize().profiles
    )


async def test_seeding_again_adds_a_second_batch_with_fresh_keys(database: Database):
    await load_demo_data(database, DemoSize(profiles=30))
    await load_demo_data(database, DemoSize(profiles=30))

    assert await database.fetch_scalar(select(func.count()).select_from(Profile)) == 60

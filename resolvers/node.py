"""Fetching any object by its global ID, through the same loaders as every relation."""

import asyncio
from collections.abc import Sequence
from typing import Any

from aiodataloader import DataLoader

from loaders import Loaders
from resolvers.errors import UserInputError
from resolvers.ids import from_global_id, key_of, not_an_id

LOADER_BY_TYPE = {
    "Profile": "profile_by_id",
    "Skill": "skill_by_id",
    "Topic": "topic_by_id",
    "Idea": "idea_by_id",
    "Team": "team_by_id",
    "Membership": "membership_by_id",
    "ContestRound": "round_by_id",
    "Submission": "submission_by_id",
    "Invite": "invite_by_id",
    "ProgressUpdate": "progress_update_by_id",
}
MAX_NODES = 100


def loader_for(
    loaders: Loaders, global_id: str, argument: str, expected: str | None = None
) -> tuple[str, int, DataLoader[int, Any]]:
    """The type, key and loader of a global ID (of the `expected` type, when given); a bad ID is a
    UserInputError naming `argument`."""
    if expected is None:
        type_name, key = from_global_id(global_id, argument)
    else:
        type_name, key = expected, key_of(global_id, argument, expected)
    if type_name not in LOADER_BY_TYPE:
        raise not_an_id(global_id, argument)
    loader: DataLoader[int, Any] = getattr(loaders, LOADER_BY_TYPE[type_name])
    return type_name, key, loader


async def node_row(loaders: Loaders, global_id: str) -> tuple[str, Any]:
    type_name, key, loader = loader_for(loaders, global_id, "id")
    return type_name, await loader.load(key)


async def row_of_type(loaders: Loaders, global_id: str, type_name: str) -> Any:
    """The row behind an ID that must be of one type; None when nothing has that ID."""
    _, key, loader = loader_for(loaders, global_id, "id", type_name)
    return await loader.load(key)


async def node_rows(loaders: Loaders, global_ids: Sequence[str]) -> list[tuple[str, Any]]:
    """Every ID is checked before anything is loaded; each type is one batch."""
    if len(global_ids) > MAX_NODES:
        raise UserInputError("ids", f"Argument 'ids' takes at most {MAX_NODES} IDs, got {len(global_ids)}.")
    lookups = [loader_for(loaders, global_id, "ids") for global_id in global_ids]
    rows = await asyncio.gather(*(loader.load(key) for _, key, loader in lookups))
    return [(type_name, row) for (type_name, _, _), row in zip(lookups, rows, strict=True)]

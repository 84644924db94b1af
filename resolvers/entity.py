"""Federation entities: the rows behind the representations a router sends to `_entities`.

A representation names its type and key, e.g. {"__typename": "Idea", "id": "SWRlYTo0Mg=="}; the key
is the object's global ID, the same `id` every CIP response carries. Rows come through the request's
loaders, so a batch of representations is one statement per type and visibility is the queries'."""

import asyncio
from collections.abc import Awaitable, Sequence
from typing import Any

from loaders import Loaders
from resolvers.errors import UserInputError
from resolvers.node import loader_for

MAX_REPRESENTATIONS = 1000
"""A router batches the references of one query; more than this in one request is refused."""

ENTITY_KEYS: dict[str, tuple[str, ...]] = {
    "Profile": ("id",),
    "Idea": ("id",),
    "Team": ("id",),
    "ContestRound": ("id",),
    "Submission": ("id",),
    "Skill": ("id", "slug"),
}
"""Each entity type and the key fields a representation may carry, as the SDL's @key directives say."""

Found = tuple[str, Any] | UserInputError
"""An entity's type name and row (None when nothing has that key or the viewer may not see it), or why
its representation is bad."""


def _bad(index: int, problem: str) -> UserInputError:
    return UserInputError("representations", f"representations[{index}] {problem}")


def _load(loaders: Loaders, index: int, representation: object) -> tuple[str, Awaitable[Any]]:
    if not isinstance(representation, dict):
        raise _bad(index, "is not an object.")
    type_name = representation.get("__typename")
    if not isinstance(type_name, str):
        raise _bad(index, "has no __typename.")
    keys = ENTITY_KEYS.get(type_name)
    if keys is None:
        raise _bad(
            index,
            f"has __typename {type_name!r}, which is not an entity of this subgraph; "
            f"the entities are {', '.join(sorted(ENTITY_KEYS))}.",
        )
    if "id" not in representation and "slug" in keys and "slug" in representation:
        slug = representation["slug"]
        if not isinstance(slug, str):
            raise _bad(index, f"has a slug that is not a string: {slug!r}.")
        return type_name, loaders.skill_by_slug.load(slug)
    global_id = representation.get("id")
    if not isinstance(global_id, str):
        wanted = " or ".join(repr(key) for key in keys)
        raise _bad(index, f"of {type_name} needs its key field {wanted} as a string.")
    _, key, loader = loader_for(loaders, global_id, f"representations[{index}].id", type_name)
    return type_name, loader.load(key)


async def entity_rows(loaders: Loaders, representations: Sequence[object]) -> list[Found]:
    """Every representation is checked before anything is loaded; a bad one fails alone."""
    if len(representations) > MAX_REPRESENTATIONS:
        raise UserInputError(
            "representations",
            f"_entities takes at most {MAX_REPRESENTATIONS} representations a request, "
            f"got {len(representations)}; split the batch.",
        )
    checked: list[tuple[str, Awaitable[Any]] | UserInputError] = []
    for index, representation in enumerate(representations):
        try:
            checked.append(_load(loaders, index, representation))
        except UserInputError as error:
            checked.append(error)
    rows = iter(await asyncio.gather(*(item[1] for item in checked if isinstance(item, tuple))))
    return [item if isinstance(item, UserInputError) else (item[0], next(rows)) for item in checked]

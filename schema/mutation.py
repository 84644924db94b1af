"""Running a mutation: one transaction, refusals as data, and the changed object read again as
the viewer now sees it."""

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import strawberry
from aiodataloader import DataLoader
from sqlalchemy.exc import IntegrityError

from loaders import Loaders
from resolvers import policy
from resolvers.change import Change
from resolvers.errors import ErrorCode, Rejected
from schema.base import Info

logger = logging.getLogger("cip_graph.mutations")
Result = TypeVar("Result")
Converted = TypeVar("Converted")

strawberry.enum(ErrorCode, name="UserErrorCode", description="Why a change was refused.")


@strawberry.type(description="Why a change was refused: something the member can act on.")
class UserError:
    code: ErrorCode = strawberry.field(description="The kind of refusal.")
    field: str | None = strawberry.field(
        description="The input field at fault, as sent (e.g. `teaser`); null when no single field is."
    )
    message: str = strawberry.field(description="What is wrong, in words to show the member.")


async def perform(
    info: Info, work: Callable[[Change], Awaitable[Result]]
) -> tuple[Result | None, list[UserError]]:
    """Runs `work` in one transaction: all of it is written, or (when refused) none of it. What it
    announced is published once it has committed, so no event tells of a change that was undone."""
    context = info.context
    policy.require_signed_in_to_write(context.viewer)
    # The read connection goes back first, so that a request never holds two: with more writes
    # at once than the pool has connections, each would hold one and wait for a second forever.
    await context.reader.close()
    try:
        async with context.database.transaction() as connection:
            change = Change(connection, context.viewer, datetime.now(UTC), context.settings.invites_per_hour)
            result = await work(change)
    except Rejected as rejected:
        return None, [UserError(code=p.code, field=p.field, message=p.message) for p in rejected.problems]
    except IntegrityError:
        logger.warning("A write lost a race against a concurrent one", exc_info=True)
        message = "This conflicts with a change made at the same moment; load the latest state and try again."
        return None, [UserError(code=ErrorCode.CONFLICT, field=None, message=message)]
    await context.hub.publish(change.events)
    await context.renew()
    return result, []


async def changed(
    info: Info,
    work: Callable[[Change], Awaitable[int | None]],
    loader: Callable[[Loaders], DataLoader[int, Any]],
    convert: Callable[[Any], Converted],
) -> tuple[Converted | None, list[UserError]]:
    """`perform`, then the changed object by the key `work` returned, through the request's loaders."""
    key, errors = await perform(info, work)
    row = None if key is None else await loader(info.context.loaders).load(key)
    return (None if row is None else convert(row)), errors


def given(input: Any, *skip: str) -> dict[str, Any]:
    """The input's fields the client sent (omitted ones are UNSET), by column name."""
    return {
        field.name: getattr(input, field.name)
        for field in dataclasses.fields(input)
        if field.name not in skip and getattr(input, field.name) is not strawberry.UNSET
    }

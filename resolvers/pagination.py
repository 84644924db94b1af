"""The rules of Relay-style pagination arguments, checked before any query runs."""

from loaders.pagination import PageRequest
from resolvers.errors import UserInputError
from resolvers.ids import from_cursor

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _size(argument: str, value: int) -> int:
    if not 0 <= value <= MAX_PAGE_SIZE:
        raise UserInputError(
            argument,
            f"Argument '{argument}' must be between 0 and {MAX_PAGE_SIZE}, got {value}.",
        )
    return value


def page_request(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    descending: bool = False,
) -> PageRequest:
    """`first`/`after` pages forward, `last`/`before` backward; with neither, the first 20."""
    if first is not None and last is not None:
        raise UserInputError(
            "last", "Arguments 'first' and 'last' cannot be used together; pass one of them."
        )
    if last is not None:
        limit = _size("last", last)
    elif first is not None:
        limit = _size("first", first)
    else:
        limit = DEFAULT_PAGE_SIZE
    return PageRequest(
        limit=limit,
        after=from_cursor(after, "after") if after is not None else None,
        before=from_cursor(before, "before") if before is not None else None,
        backward=last is not None,
        descending=descending,
    )

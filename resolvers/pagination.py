"""The rules of Relay-style pagination arguments, checked before any query runs."""

from loaders.pagination import PageRequest
from resolvers.errors import UserInputError
from resolvers.ids import from_cursor

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _size(argument: str, value: int, max_size: int) -> int:
    if not 0 <= value <= max_size:
        raise UserInputError(
            argument, f"Argument '{argument}' must be between 0 and {max_size}, got {value}."
        )
    return value


def page_request(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    descending: bool = False,
    max_size: int = MAX_PAGE_SIZE,
) -> PageRequest:
    """`first`/`after` pages forward, `last`/`before` backward; with neither, the first 20.
    `max_size` is the operator's choice (CIP_MAX_PAGE_SIZE), MAX_PAGE_SIZE unless raised."""
    if first is not None and last is not None:
        raise UserInputError(
            "last", "Arguments 'first' and 'last' cannot be used together; pass one of them."
        )
    if last is not None:
        limit = _size("last", last, max_size)
    elif first is not None:
        limit = _size("first", first, max_size)
    else:
        limit = DEFAULT_PAGE_SIZE
    return PageRequest(
        limit=limit,
        after=from_cursor(after, "after") if after is not None else None,
        before=from_cursor(before, "before") if before is not None else None,
        backward=last is not None,
        descending=descending,
    )

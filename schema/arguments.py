"""Argument types shared by every connection field, so each reads the same in GraphiQL."""

from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from resolvers.match import DEFAULT_MATCHES, MAX_MATCHES

if TYPE_CHECKING:
    from schema.match import PartnerFilter

First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: how many items, 0 to 100 unless the server allows more (default 20)."
    ),
]
After = Annotated[str | None, strawberry.argument(description="Page forward from after this cursor.")]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: how many items, 0 to 100 unless the server allows more. Not with `first`."
    ),
]
Before = Annotated[str | None, strawberry.argument(description="Page backward from before this cursor.")]


def described(description: str) -> Any:
    """An argument's description, for `Annotated[type, described("...")]`."""
    return strawberry.argument(description=description)


MatchFirst = Annotated[
    int | None,
    strawberry.argument(
        description=f"How many matches, best first: 0 to {MAX_MATCHES} (default {DEFAULT_MATCHES})."
    ),
]
PartnerFilterArgument = Annotated[
    Annotated["PartnerFilter", strawberry.lazy("schema.match")] | None,
    strawberry.argument(description="Only partners matching this."),
]
"""Lazy, so Profile and Idea can take the match filter without importing schema.match."""
ObjectId = Annotated[strawberry.ID, strawberry.argument(description="The object's global ID.")]

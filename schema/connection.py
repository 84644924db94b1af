"""What every list field shares: the page it is asked for, and the read connection handed back
to the pool once the operation has run."""

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from app.context import Context
from loaders.pagination import PageRequest
from resolvers.pagination import page_request
from schema.base import Info


def requested_page(
    info: Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    *,
    descending: bool = False,
) -> PageRequest:
    """No larger than this service allows (CIP_MAX_PAGE_SIZE)."""
    return page_request(
        first, after, last, before, descending=descending, max_size=info.context.settings.max_page_size
    )


class ReleaseReader(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context = self.execution_context.context
            if isinstance(context, Context):
                await context.reader.close()

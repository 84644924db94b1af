"""Gives the request's read connection back to the pool once the operation has run."""

from collections.abc import AsyncIterator

from strawberry.extensions import SchemaExtension

from app.context import Context


class ReleaseReader(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            context = self.execution_context.context
            if isinstance(context, Context):
                await context.reader.close()

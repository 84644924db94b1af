"""With `CIP_TRUSTED_DOCUMENTS` only the manifest's documents run, over every transport.

Checked on the text that is about to run, after the HTTP view has filled in any document a request
named (`app/persisted_queries.py`), so the rule holds for WebSocket operations too, which the view
never sees. The portal's router is exempt: it composes its own queries for `_entities`."""

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from app.auth import from_trusted_router
from app.context import Context
from app.trusted_documents import not_in_list


class TrustedDocumentsOnly(SchemaExtension):
    """Must follow the extension that validates: it replaces that verdict with its refusal, which
    ends the operation before execution on every transport, with every hook unwound."""

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        if isinstance(context, Context) and not _may_run(context, execution.query):
            execution.pre_execution_errors = [not_in_list()]
        yield


def _may_run(context: Context, query: str | None) -> bool:
    manifest = context.settings.trusted_manifest
    if manifest is None or manifest.lists(query):
        return True
    return context.request is not None and from_trusted_router(context.settings, context.request)

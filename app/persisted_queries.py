"""Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.

A request may name its document instead of sending it: by `extensions.persistedQuery`
(`{"version": 1, "sha256Hash": ...}`, Apollo's protocol) or by `documentId` (the GraphQL-over-HTTP
persisted documents proposal, `sha256:<hash>`). With APQ a client sends the hash alone, is told
PersistedQueryNotFound when this service does not know it, and sends the text with the hash once;
from then on the hash is enough. With `CIP_TRUSTED_DOCUMENTS` names are looked up in the manifest
instead, nothing is registered, and only the manifest's documents run.

Design: the protocol is this layer of the HTTP view, the rule "only trusted documents run" a schema
extension (`schema/trusted_documents.py`). The view sees what the schema does not: `documentId` is
not among what Strawberry hands the schema, a GET without `query` would otherwise be taken for a
visit to GraphiQL, and a malformed `persistedQuery` or a hash that does not match its text is a
bad request (HTTP 400, as Apollo answers) refused before any operation of a batch runs. Refusals a
client acts on (PersistedQueryNotFound) are answered in the operation's place without running the
schema at all. An extension's `on_operation` could fill in the document but cannot refuse cleanly:
an error raised there skips the other extensions' hooks (the request's connection is not handed
back) and breaks an event stream. WebSocket operations carry their text, because Strawberry's
protocol handlers pass no `extensions` on, so names cannot work there whatever the layer; the
extension enforces the trusted list on every transport, WebSocket included, on the text that runs.

Only documents that parse, within the token limit and `MAX_DOCUMENT_CHARS`, are stored: text
that is not GraphQL cannot fill the store, and a registration is rare (once per document and
store), so parsing it once more costs nothing. Valid but useless documents are bounded by the
store itself (see `app/document_store.py`)."""

import asyncio
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass, replace
from typing import Any, Self, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, parse
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.execution import PreExecutionError

from app.auth import from_trusted_router
from app.context import Context
from app.document_store import DocumentStore, MemoryDocumentStore, RedisDocumentStore
from app.settings import Settings
from app.trusted_documents import SHA256_PREFIX, Manifest, hex_sha256, not_in_list, sha256_key, sha256_of

MAX_DOCUMENT_CHARS = 64 * 1024
"""Longer documents still run when sent in full, but are not stored."""
MAX_DOCUMENT_ID_CHARS = 256
NAMING_PARAMETERS = frozenset({"documentId", "extensions"})


def not_found() -> GraphQLError:
    """Word for word what Apollo's clients look for before they resend the full text."""
    return GraphQLError("PersistedQueryNotFound", extensions={"code": "PERSISTED_QUERY_NOT_FOUND"})


def not_supported() -> GraphQLError:
    """Tells a client to stop naming documents and send their text."""
    return GraphQLError("PersistedQueryNotSupported", extensions={"code": "PERSISTED_QUERY_NOT_SUPPORTED"})


class BadPersistedQuery(ValueError):
    """A client's mistake, answered with HTTP 400; the message names the field at fault."""


@dataclass(kw_only=True)
class Refused(GraphQLRequestData):
    """An operation answered with an error in its place instead of running."""

    error: GraphQLError

    @classmethod
    def of(cls, operation: GraphQLRequestData, error: GraphQLError) -> "Refused":
        return cls(
            query=operation.query,
            variables=operation.variables,
            operation_name=operation.operation_name,
            extensions=operation.extensions,
            protocol=operation.protocol,
            error=error,
        )

    @property
    def result(self) -> ExecutionResult:
        return PreExecutionError(data=None, errors=[self.error])


class PersistedQueries:
    """Turns the documents requests name into their text, or refuses them."""

    def __init__(self, settings: Settings, store: DocumentStore | None) -> None:
        self.settings = settings
        self.manifest: Manifest | None = settings.trusted_manifest
        self.store = store

    @classmethod
    def from_settings(cls, settings: Settings) -> "PersistedQueries":
        """No store in trusted documents mode (nothing may register) or with APQ turned off."""
        store: DocumentStore | None = None
        if settings.trusted_manifest is None and settings.persisted_queries:
            store = (
                MemoryDocumentStore()
                if settings.redis_url is None
                else RedisDocumentStore(settings.redis_url)
            )
        return cls(settings, store)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        """The app's lifespan closes the store (Redis's connections) at shutdown."""
        if self.store is not None:
            await self.store.close()

    async def resolve(
        self, request: Request, operations: GraphQLRequestData | list[GraphQLRequestData]
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """Every operation, or every one of a batch, with the text it names filled in, or Refused.
        Raises BadPersistedQuery before any lookup, so a batch with a bad item runs nothing."""
        batch = operations if isinstance(operations, list) else [operations]
        document_ids = await _document_ids(request, len(batch))
        names = [
            self._named(operation, document_id, f"[{index}]." if isinstance(operations, list) else "")
            for index, (operation, document_id) in enumerate(zip(batch, document_ids, strict=True))
        ]
        if not any(names):
            return operations
        resolved = await asyncio.gather(
            *(self._resolved(operation, name, request) for operation, name in zip(batch, names, strict=True))
        )
        return list(resolved) if isinstance(operations, list) else resolved[0]

    def _named(self, operation: GraphQLRequestData, document_id: object, at: str) -> str | None:
        """The hash (or, with a manifest, the id) that names the operation's document, if any."""
        persisted = (operation.extensions or {}).get("persistedQuery")
        if document_id is not None:
            if persisted is not None:
                raise BadPersistedQuery(
                    f"{at}documentId and {at}extensions.persistedQuery both name a document; send only one."
                )
            if operation.query is not None:
                raise BadPersistedQuery(f"{at}documentId names a document, so leave out {at}query.")
            return self._document_key(document_id, f"{at}documentId")
        if persisted is None:
            return None
        key = _hash_of(persisted, f"{at}extensions.persistedQuery")
        if operation.query is not None and sha256_of(operation.query) != key:
            raise BadPersistedQuery(
                f"provided sha does not match query: {at}extensions.persistedQuery.sha256Hash must be "
                f"the SHA-256 of {at}query."
            )
        return key

    def _document_key(self, document_id: object, field: str) -> str:
        if not isinstance(document_id, str) or not 0 < len(document_id) <= MAX_DOCUMENT_ID_CHARS:
            raise BadPersistedQuery(f'{field} must be a string such as "sha256:<64 hexadecimal digits>".')
        if self.manifest is not None and not document_id.startswith(SHA256_PREFIX):
            return document_id
        key = sha256_key(document_id)
        if key is None:
            raise BadPersistedQuery(
                f'{field} must be "sha256:" and the 64 hexadecimal digits of the SHA-256.'
            )
        return key

    async def _resolved(
        self, operation: GraphQLRequestData, key: str | None, request: Request
    ) -> GraphQLRequestData:
        if key is None:
            return operation
        if self.manifest is not None:
            return operation if operation.query is not None else self._listed(operation, key, request)
        if self.store is None:
            return Refused.of(operation, not_supported())
        if operation.query is None:
            document = await self.store.get(key)
            return (
                Refused.of(operation, not_found()) if document is None else replace(operation, query=document)
            )
        if _storable(operation.query, self.settings.max_tokens):
            await self.store.put(key, operation.query)
        return operation

    def _listed(self, operation: GraphQLRequestData, key: str, request: Request) -> GraphQLRequestData:
        """The trusted router composes its own queries, so it is told to send their text."""
        assert self.manifest is not None
        document = self.manifest.document(key)
        if document is not None:
            return replace(operation, query=document)
        if from_trusted_router(self.settings, request):
            return Refused.of(operation, not_supported())
        return Refused.of(operation, not_in_list(key))


def _hash_of(persisted: Any, field: str) -> str:
    if not isinstance(persisted, dict):
        raise BadPersistedQuery(
            f'{field} must be an object such as {{"version": 1, "sha256Hash": "<64 hexadecimal digits>"}}.'
        )
    version = persisted.get("version")
    if not isinstance(version, int | float) or isinstance(version, bool):
        raise BadPersistedQuery(f"{field}.version must be the number 1.")
    if version != 1:
        raise BadPersistedQuery(f"{field}.version {version} is not supported; this server speaks version 1.")
    key = hex_sha256(persisted.get("sha256Hash"))
    if key is None:
        raise BadPersistedQuery(
            f"{field}.sha256Hash must be the 64 hexadecimal digits of the query's SHA-256."
        )
    return key


def _storable(document: str, max_tokens: int) -> bool:
    if len(document) > MAX_DOCUMENT_CHARS:
        return False
    try:
        parse(document, no_location=True, max_tokens=max_tokens)
    except GraphQLError:
        return False
    return True


async def _document_ids(request: Request, count: int) -> list[object]:
    """Strawberry keeps only query, variables, operationName and extensions, so `documentId` is
    read from the request itself. Only a body that mentions it is parsed a second time."""
    if request.method == "GET":
        return [request.query_params.get("documentId")]
    body = await request.body()
    if b"documentId" not in body:
        return [None] * count
    data = json.loads(body)
    items = data if isinstance(data, list) else [data]
    return [item.get("documentId") if isinstance(item, dict) else None for item in items]


async def _alone(result: ExecutionResult) -> AsyncGenerator[ExecutionResult, None]:
    yield result


class PersistedQueriesView(GraphQL[Context, None]):
    """The view's part of persisted queries; the endpoint sets `persisted_queries`."""

    persisted_queries: PersistedQueries

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """A GET naming its document has no `query`, yet it is an operation, not a visit."""
        return (
            super().should_render_graphql_ide(request) and not NAMING_PARAMETERS & request.query_params.keys()
        )

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: Context,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        try:
            resolved = await self.persisted_queries.resolve(request, request_data)
        except BadPersistedQuery as error:
            raise HTTPException(400, str(error)) from error
        if isinstance(resolved, Refused) and self._get_stream_transport(resolved.protocol):
            # Strawberry's stream protocol is narrower than its own async generators.
            return cast(SubscriptionExecutionResult, _alone(resolved.result))
        return await super().execute_operation(
            request, request_adapter, resolved, context, root_value, sub_response
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        if isinstance(request_data, Refused):
            return request_data.result
        return await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )

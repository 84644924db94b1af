"""What makes the CIP graph an Apollo Federation v2 subgraph: entities resolved through the request's
loaders, tags from which the portal builds contracts, and federated traces for the trusted router.

Tags: `public` marks what anyone may read, `members` what needs a sign-in. A contract that includes
`public` and excludes `members` is the anonymous part of the graph. Object types and root fields
are tagged where they are declared; the lists, enums and inputs that public fields reach are
tagged here, when the schema is built, so that a contract never includes a field whose type it
leaves out."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Generic

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    get_named_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing.apollo_federation import ApolloFederationTracingExtension
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Tag
from strawberry.permission import PermissionExtension
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.execution import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from app.context import Context
from app.tracing import operation_tracing, traces_operations
from resolvers.entity import entity_rows
from schema.base import MEMBERS, PUBLIC, Info
from schema.errors import present
from schema.node import present_node

DEFINITION = "strawberry-definition"

_tracing: ContextVar[bool] = ContextVar("cip_federated_tracing", default=False)


def tags_of(definition: Any) -> set[str]:
    return {
        directive.name
        for directive in getattr(definition, "directives", ()) or ()
        if isinstance(directive, Tag)
    }


def _included(field: GraphQLField, type_tags: set[str]) -> bool:
    """As a contract decides: a type's tag applies to its fields, and `members` excludes."""
    tags = type_tags | tags_of(field.extensions.get(DEFINITION))
    return PUBLIC in tags and MEMBERS not in tags


class Schema(strawberry.federation.Schema):
    """The federation schema, with entity resolution and per-request federated tracing."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._tag_guarded_fields()
        self._tag_public_closure()

    async def entities_resolver(  # type: ignore[override]
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """A bad representation is an error in its own place; its neighbours still resolve."""
        found = await entity_rows(info.context.loaders, representations)
        return [item if isinstance(item, Exception) else present_node(*item) for item in found]  # type: ignore[misc]

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        """The tracing extensions time every field, so they join only the operations they trace."""
        extensions = super().get_extensions(sync)
        if _tracing.get():
            extensions.append(ApolloFederationTracingExtension())
        if traces_operations():
            extensions.append(operation_tracing())
        return extensions

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Strawberry would log every error with the document around it, and so the values a client
        sent (emails included); `present` logs what is unexpected, once, under its id."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        with _traced(isinstance(context_value, Context) and context_value.federated_trace):
            result = await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        if result.errors:
            # An extension's hook that fails ends the operation before ErrorPolicy sees its result.
            result.errors = [present(error) for error in result.errors]
        return result

    def _tag_guarded_fields(self) -> None:
        """A field a guard protects is for members (or fewer), whatever its type's tags say."""
        for named in self._schema.type_map.values():
            if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
                for field in named.fields.values():
                    definition = field.extensions.get(DEFINITION)
                    guarded = definition is not None and any(
                        isinstance(extension, PermissionExtension) for extension in definition.extensions
                    )
                    if guarded and MEMBERS not in tags_of(definition):
                        definition.directives = [*definition.directives, Tag(name=MEMBERS)]

    def _tag_public_closure(self) -> None:
        """Walks from the root fields tagged `public` through every type they reach."""
        assert self._schema.query_type is not None
        seen: set[str] = set()
        pending: list[GraphQLNamedType] = [self._schema.query_type]
        while pending:
            named = pending.pop()
            if named.name in seen:
                continue
            seen.add(named.name)
            pending += _reached(named)


def _tag(named: GraphQLNamedType) -> None:
    definition = named.extensions.get(DEFINITION)
    if definition is not None and PUBLIC not in tags_of(definition):
        definition.directives = (*(definition.directives or ()), Tag(name=PUBLIC))


def _reached(named: GraphQLNamedType) -> Iterable[GraphQLNamedType]:
    """Tags a type a public field reaches, when it is a list page, an enum or an input, and returns
    the types its public fields reach in turn. Other object types are tagged where declared."""
    definition = named.extensions.get(DEFINITION)
    if isinstance(named, GraphQLEnumType):
        _tag(named)
        return ()
    if isinstance(named, GraphQLInputObjectType):
        _tag(named)
        return [get_named_type(field.type) for field in named.fields.values()]
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return ()
    if isinstance(definition, StrawberryObjectDefinition) and Generic in definition.origin.__mro__:
        _tag(named)
    type_tags = tags_of(definition)
    fields = [field for field in named.fields.values() if _included(field, type_tags)]
    return [get_named_type(field.type) for field in fields] + [
        get_named_type(argument.type) for field in fields for argument in field.args.values()
    ]


@contextmanager
def _traced(wanted: bool) -> Iterator[None]:
    token = _tracing.set(wanted)
    try:
        yield
    finally:
        _tracing.reset(token)


__all__ = ["Schema"]

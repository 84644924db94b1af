"""Abuse limits: how much one operation may ask of the service, refused before any of it runs.

The document's shape (repeated fields and directives, aliases, depth) is checked before GraphQL's
own validation, whose check that fields can be merged takes time quadratic in repeated fields. The
verdict is cached by the query's text together with that validation, so a known document costs one
lookup. Every count takes a fragment once however often it is spread: Strawberry's
QueryDepthLimiter and MaxAliasesLimiter expand every spread, which takes exponential time on
fragments that spread each other twice at each level, so these limits are our own.

The cost depends on the page sizes a request's variables choose, so it is worked out per request
before execution: each selected field counts once for every item the lists around it may return."""

from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    Node,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
)
from graphql.validation import ASTValidationRule, MaxIntrospectionDepthRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types.graphql import OperationType

from app.context import Context
from app.settings import Settings
from resolvers.entity import MAX_REPRESENTATIONS
from resolvers.node import MAX_NODES
from resolvers.pagination import DEFAULT_PAGE_SIZE

CODE = "QUERY_LIMIT_EXCEEDED"
PAGE_ARGUMENTS = ("first", "last")
ITEM_LIST_ARGUMENTS = {"ids": MAX_NODES, "representations": MAX_REPRESENTATIONS}
"""Arguments of fields that return one item per entry (`nodes`, `_entities`), with the most entries
each takes: beyond that the field refuses the list itself, naming the argument."""
CACHE_SIZE = 512


@dataclass(frozen=True, slots=True)
class Limits:
    depth: int
    aliases: int
    field_repeats: int
    directives: int
    cost: int
    page_size: int
    introspection: bool

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        return cls(
            depth=settings.max_depth,
            aliases=settings.max_aliases,
            field_repeats=settings.max_field_repeats,
            directives=settings.max_directives,
            cost=settings.max_cost,
            page_size=settings.max_page_size,
            introspection=settings.serve_introspection,
        )


DEFAULT_LIMITS = Limits.of(Settings.model_construct())
"""The settings' defaults, not the environment's: for operations run without the service's context."""


def _exceeded(limit: str, maximum: int, found: int, message: str, node: Node | None = None) -> GraphQLError:
    return GraphQLError(
        message,
        node,
        extensions={"code": CODE, "limit": limit, "maximum": maximum, "found": found},
    )


def _executable_nodes(document: DocumentNode) -> Iterator[Any]:
    """Every node of the text once, spreads not followed."""
    pending: list[Any] = list(document.definitions)
    while pending:
        node = pending.pop()
        yield node
        pending.extend(getattr(node, "variable_definitions", None) or ())
        if getattr(node, "selection_set", None) is not None:
            pending.extend(node.selection_set.selections)


def _literal_problem(document: DocumentNode, limits: Limits) -> GraphQLError | None:
    """Repeats written out in the text: a directive twice in one place, too many directives, or
    one field selected again and again under the same name."""
    directives = 0
    for node in _executable_nodes(document):
        names = Counter(directive.name.value for directive in getattr(node, "directives", None) or ())
        directives += names.total()
        repeated = next((name for name, count in names.items() if count > 1), None)
        if repeated is not None:
            return _exceeded(
                "directives",
                1,
                names[repeated],
                f"Directive '@{repeated}' is repeated in one place; a directive may appear once per place.",
                node,
            )
        if directives > limits.directives:
            return _exceeded(
                "directives",
                limits.directives,
                directives,
                f"The document holds more than {limits.directives} directives (CIP_MAX_DIRECTIVES).",
                node,
            )
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            keys = Counter(
                (selection.alias or selection.name).value
                for selection in selection_set.selections
                if isinstance(selection, FieldNode)
            )
            key, count = keys.most_common(1)[0] if keys else ("", 0)
            if count > limits.field_repeats:
                return _exceeded(
                    "fieldRepeats",
                    limits.field_repeats,
                    count,
                    f"Field '{key}' is selected {count} times in one selection set; the limit is "
                    f"{limits.field_repeats} (CIP_MAX_FIELD_REPEATS), and the answer is the same each time.",
                    selection_set,
                )
    return None


@dataclass
class _Reach:
    """How deep (in fields) and how many aliases each part of a document reaches, with every
    fragment worked out once."""

    fragments: dict[str, FragmentDefinitionNode]
    known: dict[str, tuple[int, int]] = field(default_factory=dict)
    visiting: set[str] = field(default_factory=set)

    def of(self, selection_set: SelectionSetNode | None) -> tuple[int, int]:
        depth = aliases = 0
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                below, below_aliases = self.of(selection.selection_set)
                aliases += below_aliases + (selection.alias is not None)
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + below)
            else:
                below, below_aliases = (
                    self.spread(selection.name.value)
                    if isinstance(selection, FragmentSpreadNode)
                    else self.of(cast(InlineFragmentNode, selection).selection_set)
                )
                depth, aliases = max(depth, below), aliases + below_aliases
        return depth, aliases

    def spread(self, name: str) -> tuple[int, int]:
        """A cycle or an unknown fragment adds nothing here; validation refuses the document."""
        if name not in self.known:
            fragment = self.fragments.get(name)
            if fragment is None or name in self.visiting:
                return 0, 0
            self.visiting.add(name)
            self.known[name] = self.of(fragment.selection_set)
            self.visiting.discard(name)
        return self.known[name]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)
    }


def shape_problem(document: DocumentNode, limits: Limits) -> GraphQLError | None:
    """The first limit the document's shape crosses, if any. Introspection's depth is left to
    graphql-core's MaxIntrospectionDepthRule."""
    problem = _literal_problem(document, limits)
    if problem is not None:
        return problem
    reach = _Reach(_fragments(document))
    operations = [
        reach.of(node.selection_set)
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode)
    ]
    depth = max((depth for depth, _ in operations), default=0)
    aliases = sum(aliases for _, aliases in operations)
    if aliases > limits.aliases:
        return _exceeded(
            "aliases",
            limits.aliases,
            aliases,
            f"The document uses {aliases} aliases; the limit is {limits.aliases} (CIP_MAX_ALIASES).",
        )
    if depth > limits.depth:
        return _exceeded(
            "depth",
            limits.depth,
            depth,
            f"The operation nests fields {depth} deep; the limit is {limits.depth} (CIP_MAX_DEPTH).",
        )
    return None


@dataclass(frozen=True, slots=True)
class _Text:
    """A parsed document known by its text, whose hash Python computes once."""

    query: str
    document: DocumentNode = field(compare=False)


def _validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    limits: Limits,
    rules: tuple[type[ASTValidationRule], ...],
) -> tuple[GraphQLError, ...]:
    problem = shape_problem(document, limits)
    if problem is not None:
        return (problem,)
    return tuple(validate_document(schema, document, rules))


@lru_cache(maxsize=CACHE_SIZE)
def _validated(
    schema: GraphQLSchema, text: _Text, limits: Limits, rules: tuple[type[ASTValidationRule], ...]
) -> tuple[GraphQLError, ...]:
    return _validate(schema, text.document, limits, rules)


def _fields_of(named: GraphQLNamedType | None) -> dict[str, Any]:
    return named.fields if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else {}


@dataclass
class _Cost:
    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    page_size: int
    known: dict[str, int] = field(default_factory=dict)

    def of(self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1
                definition = _fields_of(parent).get(selection.name.value)
                if selection.selection_set is not None:
                    child = get_named_type(definition.type) if definition is not None else None
                    total += self.items(selection, definition) * self.of(selection.selection_set, child)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                named = self.schema.get_type(condition.name.value) if condition else parent
                total += self.of(selection.selection_set, named)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.spread(selection.name.value)
        return total

    def spread(self, name: str) -> int:
        """Validation has already refused unknown fragments and cycles."""
        if name not in self.known:
            fragment = self.fragments[name]
            named = self.schema.get_type(fragment.type_condition.name.value)
            self.known[name] = self.of(fragment.selection_set, named)
        return self.known[name]

    def items(self, selection: FieldNode, definition: GraphQLField | None) -> int:
        """How many items a field may return: its page size (the default when none is asked for,
        at most the largest page), or one per entry it is given."""
        if definition is None:
            return 1
        given = {argument.name.value: self.value(argument.value) for argument in selection.arguments or ()}
        if any(name in definition.args for name in PAGE_ARGUMENTS):
            sizes = [given[name] for name in PAGE_ARGUMENTS if _is_int(given.get(name))]
            return min(max(0, max(sizes, default=DEFAULT_PAGE_SIZE)), self.page_size)
        for name, most in ITEM_LIST_ARGUMENTS.items():
            entries = given.get(name)
            if isinstance(entries, list):
                return min(len(entries), most)
        return 1

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            defaults = {
                definition.variable.name.value: definition.default_value
                for definition in self.operation.variable_definitions or ()
            }
            default = defaults.get(name)
            return None if default is None else self.value(default)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
    page_size: int,
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    return _Cost(schema, operation, _fragments(document), variables, page_size).of(
        operation.selection_set, root
    )


def cost_problem(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: dict[str, Any],
    limits: Limits,
) -> GraphQLError | None:
    cost = operation_cost(schema, document, operation_name, variables, limits.page_size)
    if cost <= limits.cost:
        return None
    return _exceeded(
        "cost",
        limits.cost,
        cost,
        f"The operation costs {cost}, above the limit of {limits.cost} (CIP_MAX_COST): each field counts "
        "once for every item the pages around it may return. Ask for smaller pages or fewer fields.",
    )


class AbuseLimits(SchemaExtension):
    """Takes its limits from the request's settings; replaces Strawberry's ValidationCache, whose
    key hashes the whole parsed document on every request."""

    limits = DEFAULT_LIMITS

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            self.limits = Limits.of(context.settings)
            self.execution_context.parse_options["max_tokens"] = context.settings.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        assert execution.graphql_document is not None
        rules = (*execution.validation_rules, MaxIntrospectionDepthRule)
        if not self.limits.introspection:
            rules = (*rules, NoSchemaIntrospectionCustomRule)
        schema = execution.schema._schema
        errors = (
            _validated(schema, _Text(execution.query, execution.graphql_document), self.limits, rules)
            if execution.query is not None
            else _validate(schema, execution.graphql_document, self.limits, rules)
        )
        execution.pre_execution_errors = list(errors)
        yield

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        if execution.result is None and execution.graphql_document is not None:
            problem = cost_problem(
                execution.schema._schema,
                execution.graphql_document,
                execution.operation_name,
                execution.variables or {},
                self.limits,
            )
            if problem is not None:
                execution.result = ExecutionResult(data=None, errors=[problem])
        yield


class MutationRateLimit(SchemaExtension):
    """Counts a mutation before it runs, so a refused one writes nothing; answered with
    RATE_LIMITED, HTTP 429 and `Retry-After`."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if (
            execution.result is None
            and isinstance(context, Context)
            and context.mutation_limits is not None
            and execution.operation_type is OperationType.MUTATION
        ):
            client = context.request.client if context.request is not None else None
            member = context.identity.subject if context.identity is not None else None
            refusal = await context.mutation_limits.check(member, client.host if client else None)
            if refusal is not None:
                execution.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            refusal.message,
                            extensions={"code": "RATE_LIMITED", "retryAfter": refusal.retry_after},
                        )
                    ],
                )
                if context.response is not None:
                    context.response.status_code = 429
                    context.response.headers["Retry-After"] = str(refusal.retry_after)
        yield

"""Compiled plans: a query the service has answered once, turned into one PostgreSQL statement
that builds the whole response as JSON, as PostGraphile does, so that no field is resolved in
Python on the next requests.

A plan is made only from a document that the standard path has parsed, validated, limited and
answered without an error, for one viewer tier (anonymous, member). It covers the public core of
the graph: ideas and profiles with their owners, skills, teams, members and idea pages. Every
condition of who sees what comes from `resolvers.policy` and the loaders' own statements, and a
field behind any rule other than "signed in" is never compiled. A document that asks for anything
else, or a request whose arguments the plan does not cover (a bad cursor, a page too large, a
search), takes the standard path, which answers it, errors included. tests/test_plan.py proves
that both paths answer alike."""

import re
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_abstract_type,
)
from graphql.execution.values import get_argument_values, get_variable_values
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Integer,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import iterate, replacement_traverse
from strawberry.extensions import SchemaExtension
from strawberry.permission import PermissionExtension

from app.context import Context
from loaders.idea import ideas_by_owner_statement
from models import Idea, Membership, Profile, ProfileSkill, Skill, Team
from models.query import Query
from resolvers.errors import UserInputError
from resolvers.idea import idea_list, idea_list_query
from resolvers.ids import from_global_id, key_of
from resolvers.pagination import page_request
from resolvers.policy import ideas_visible, teams_visible
from resolvers.viewer import Reach, Viewer
from schema.permissions import SignedIn

DEFINITION = "strawberry-definition"
PLANS_KEPT = 512
"""Documents whose plans one process keeps, as many as the parser cache."""
MAX_KEYS = 50
"""json_build_object takes at most 100 arguments: 50 keys and values."""
NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*:?")
VIEWER_PARAMETERS = frozenset({"viewer_profile", "viewer_ideas", "viewer_teams"})
JSON = Any
"""A SQL expression of type json."""


class NotPlanned(Exception):
    """This document, or this request's arguments, take the standard path."""


def _text(value: str) -> ColumnElement[Any]:
    """A string constant of our own making (a type or response name), written into the SQL."""
    if not NAME.fullmatch(value):
        raise NotPlanned(f"not a GraphQL name: {value!r}")
    return literal_column(f"'{value}'", Text)


def _json_object(pairs: list[tuple[str, ColumnElement[Any]]]) -> JSON:
    if len(pairs) > MAX_KEYS:
        raise NotPlanned("too many fields in one object")
    arguments: list[ColumnElement[Any]] = []
    for key, value in pairs:
        arguments += [_text(key), value]
    return func.json_build_object(*arguments)


def _global_id(type_name: str, key: ColumnElement[Any]) -> ColumnElement[Any]:
    """base64("Type:key"), as resolvers.ids writes it; short enough that PostgreSQL wraps no line."""
    return func.encode(func.convert_to(func.concat(_text(f"{type_name}:"), key), "UTF8"), "base64")


def _cursor(key: ColumnElement[Any]) -> ColumnElement[Any]:
    return _global_id("cursor", key)


def _timestamp(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """As Python's isoformat() of the UTC time: microseconds only when there are some."""
    utc = func.timezone("UTC", column)
    micros = case(
        (
            func.mod(func.date_part("microseconds", utc).cast(Integer), 1_000_000) != 0,
            func.to_char(utc, ".US"),
        ),
        else_=literal_column("''"),
    )
    written = func.concat(func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS'), micros, literal_column("'+00:00'"))
    return case((column.is_(None), null()), else_=written)


def _adapted(condition: ColumnElement[bool], *aliases: Any) -> ColumnElement[bool]:
    for alias in aliases:
        condition = ClauseAdapter(alias).traverse(condition)
    return condition


def _prefixed(statement: Any, prefix: str) -> Any:
    """The statement with its own parameters renamed, so that several lists share one statement;
    the viewer's parameters are the same everywhere and keep their names."""

    def rename(element: Any, **_: Any) -> Any:
        if (
            getattr(element, "__visit_name__", None) == "bindparam"
            and not element.unique  # a literal of the statement's own, such as a status
            and element.key not in VIEWER_PARAMETERS
        ):
            return bindparam(f"{prefix}{element.key}", type_=element.type)
        return None

    return replacement_traverse(statement, {}, rename)


# The plan: a tree of what each response key holds, made once per document and tier.


@dataclass(slots=True)
class Arguments:
    """A field's arguments as the request gives them, read before the statement runs."""

    index: int
    definition: GraphQLField
    node: FieldNode


@dataclass(slots=True)
class Selected:
    key: str
    name: str
    definition: GraphQLField | None
    """None for __typename."""
    nodes: list[FieldNode]
    arguments: Arguments | None = None
    children: dict[str, "Fields"] = field(default_factory=dict)
    """Per possible object type: the fields selected under this one."""


Fields = list[Selected]


class _Collector:
    """Fields by response key, merged across fragments, per object type, as GraphQL executes."""

    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], reach: Reach
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.reach = reach
        self.arguments: list[Arguments] = []

    def fields(self, parent: GraphQLObjectType, selection_sets: list[SelectionSetNode]) -> Fields:
        grouped: dict[str, Selected] = {}
        for selection_set in selection_sets:
            for node in self._walk(parent, selection_set):
                key = node.alias.value if node.alias else node.name.value
                found = grouped.get(key)
                if found is None:
                    grouped[key] = self._selected(parent, key, node)
                else:
                    found.nodes.append(node)
        for selected in grouped.values():
            self._expand(selected)
        return list(grouped.values())

    def _walk(self, parent: GraphQLObjectType, selection_set: SelectionSetNode) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if selection.directives:
                raise NotPlanned("directives")
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, parent):
                    yield from self._walk(parent, selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments[selection.name.value]
                if fragment.directives:
                    raise NotPlanned("directives")
                if self._applies(fragment.type_condition.name.value, parent):
                    yield from self._walk(parent, fragment.selection_set)

    def _applies(self, condition: str, parent: GraphQLObjectType) -> bool:
        """As GraphQL decides: the type itself, or an interface or union it belongs to."""
        named = self.schema.get_type(condition)
        if named is parent:
            return True
        return is_abstract_type(named) and self.schema.is_sub_type(named, parent)

    def _selected(self, parent: GraphQLObjectType, key: str, node: FieldNode) -> Selected:
        name = node.name.value
        if name == "__typename":
            return Selected(key, name, None, [node])
        definition = parent.fields.get(name)
        if definition is None:
            raise NotPlanned(f"{parent.name}.{name}")
        self._check_rules(parent, name, definition)
        selected = Selected(key, name, definition, [node])
        if definition.args:
            selected.arguments = Arguments(len(self.arguments), definition, node)
            self.arguments.append(selected.arguments)
        return selected

    def _check_rules(self, parent: GraphQLObjectType, name: str, definition: GraphQLField) -> None:
        """Only "signed in" is compiled, and only for a signed-in tier; every other rule needs
        the viewer's own rows and is left to the standard path."""
        strawberry_field = definition.extensions.get(DEFINITION)
        for extension in getattr(strawberry_field, "extensions", ()) or ():
            if not isinstance(extension, PermissionExtension):
                raise NotPlanned(f"{parent.name}.{name} has a field extension")
            for permission in extension.permissions:
                if type(permission) is not SignedIn or self.reach is Reach.ANONYMOUS:
                    raise NotPlanned(f"{parent.name}.{name} is guarded")

    def _expand(self, selected: Selected) -> None:
        if selected.definition is None:
            return
        named = get_named_type(selected.definition.type)
        sets = [node.selection_set for node in selected.nodes if node.selection_set is not None]
        if not sets:
            return
        possible = (
            [named] if isinstance(named, GraphQLObjectType) else list(self.schema.get_possible_types(named))  # type: ignore[arg-type]
        )
        for object_type in possible:
            if object_type.name in RENDERERS or object_type.name in STRUCTURE:
                selected.children[object_type.name] = self.fields(object_type, sets)


# Rendering a plan as SQL: each object type's fields over a row source.


class Source:
    """Where an object's columns come from: a table alias or a page of rows, which the lists
    below it name as the outer row they belong to."""

    def __init__(self, columns: Any, table: Any = None) -> None:
        self.c = columns
        self.table = table


class _Renderer:
    def __init__(self, reach: Reach, shapes: tuple[Any, ...]) -> None:
        self.reach = reach
        self.shapes = shapes

    def object(self, type_name: str, fields: Fields, source: Source) -> JSON:
        table = RENDERERS[type_name]
        pairs = []
        for selected in fields:
            if selected.name == "__typename":
                pairs.append((selected.key, _text(type_name)))
            else:
                pairs.append((selected.key, table[selected.name](self, selected, source)))
        return _json_object(pairs)

    def shape(self, selected: Selected) -> Any:
        assert selected.arguments is not None
        return self.shapes[selected.arguments.index]

    def child(self, selected: Selected, type_name: str) -> Fields:
        found = selected.children.get(type_name)
        if found is None:
            raise NotPlanned(f"{type_name} under {selected.name}")
        return found

    def list_of(self, type_name: str, selected: Selected, rows: Any, source: Source, *order: Any) -> JSON:
        item = self.object(type_name, self.child(selected, type_name), source)
        aggregated = func.coalesce(
            func.json_agg(aggregate_order_by(item, *order)), literal_column("'[]'::json")
        )
        return rows.with_only_columns(aggregated).scalar_subquery()

    def one(self, type_name: str, selected: Selected, rows: Any, source: Source) -> JSON:
        return rows.with_only_columns(
            self.object(type_name, self.child(selected, type_name), source)
        ).scalar_subquery()

    def connection(
        self, selected: Selected, statement: Any, key: Any, node_type: str, prefix: str, outer: Any = None
    ) -> JSON:
        """A page of a list as Connection renders it: the rows between the cursors, one more to
        tell whether another page follows, numbered in the list's order."""
        backward, descending, after, before = self.shape(selected)[:4]
        if outer is not None:
            statement = statement.correlate(outer)
        scan = key.desc() if descending != backward else key.asc()
        conditions = []
        if after:
            conditions.append(
                key < bindparam(f"{prefix}after") if descending else key > bindparam(f"{prefix}after")
            )
        if before:
            conditions.append(
                key > bindparam(f"{prefix}before") if descending else key < bindparam(f"{prefix}before")
            )
        rows = (
            statement.add_columns(func.row_number().over(order_by=scan).label("page_position"))
            .where(and_(true(), *conditions))
            .order_by(scan)
            .limit(bindparam(f"{prefix}scan", type_=Integer))
            .lateral(f"{prefix}rows")
        )
        position = rows.c.page_position
        on_page = position <= bindparam(f"{prefix}limit", type_=Integer)
        in_order = position.desc() if backward else position.asc()
        source = Source(rows.c, rows)
        more = func.count() > bindparam(f"{prefix}limit", type_=Integer)
        given = bindparam(f"{prefix}given", type_=Boolean)

        def items(item: JSON) -> JSON:
            return func.coalesce(
                func.json_agg(aggregate_order_by(item, in_order)).filter(on_page),
                literal_column("'[]'::json"),
            )

        def cursor_at(end: Any) -> JSON:
            return func.array_agg(aggregate_order_by(_cursor(rows.c.id), end)).filter(on_page)[1]

        def field_of(part: Selected, type_name: str) -> JSON:
            if part.name == "__typename":
                return _text(type_name)
            if part.name == "totalCount":
                counted = statement.with_only_columns(func.count(), maintain_column_froms=True)
                return counted.scalar_subquery()
            fields = self.child(
                part, {"edges": f"{node_type}Edge", "pageInfo": "PageInfo"}.get(part.name, node_type)
            )
            if part.name == "nodes":
                return items(self.object(node_type, fields, source))
            if part.name == "edges":
                return items(self.object(f"{node_type}Edge", fields, source))
            if part.name == "pageInfo":
                info = {
                    "hasNextPage": given if backward else more,
                    "hasPreviousPage": more if backward else given,
                    "startCursor": cursor_at(in_order),
                    "endCursor": cursor_at(position.asc() if backward else position.desc()),
                }
                return _json_object(
                    [
                        (
                            info_field.key,
                            _text("PageInfo") if info_field.name == "__typename" else info[info_field.name],
                        )
                        for info_field in fields
                    ]
                )
            raise NotPlanned(f"connection field {part.name}")

        assert selected.definition is not None
        connection_type = get_named_type(selected.definition.type).name
        pairs = [
            (part.key, field_of(part, connection_type)) for part in self.child(selected, connection_type)
        ]
        # HAVING without GROUP BY makes the page's rows one group: one object, however many rows.
        return select(_json_object(pairs)).select_from(rows).having(true()).scalar_subquery()


def _column(name: str) -> Callable[[_Renderer, Selected, Source], Any]:
    return lambda _renderer, _selected, source: getattr(source.c, name)


def _stamp(name: str) -> Callable[[_Renderer, Selected, Source], Any]:
    return lambda _renderer, _selected, source: _timestamp(getattr(source.c, name))


def _id(type_name: str) -> Callable[[_Renderer, Selected, Source], Any]:
    return lambda _renderer, _selected, source: _global_id(type_name, source.c.id)


def _owner(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    profile = Profile.__table__.alias()  # type: ignore[attr-defined]
    return renderer.one(
        "Profile",
        selected,
        select(profile).where(profile.c.id == source.c.owner_id),
        Source(profile.c, profile),
    )


def _team(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    team = Team.__table__.alias()  # type: ignore[attr-defined]
    visible = _adapted(teams_visible(renderer.reach), team)
    rows = select(team).where(team.c.idea_id == source.c.id, visible)
    return renderer.one("Team", selected, rows, Source(team.c, team))


def _members(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    membership = Membership.__table__.alias()  # type: ignore[attr-defined]
    rows = select(membership).where(membership.c.team_id == source.c.id)
    return renderer.list_of(
        "Membership", selected, rows, Source(membership.c, membership), membership.c.role, membership.c.id
    )


def _member_profile(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    profile = Profile.__table__.alias()  # type: ignore[attr-defined]
    rows = select(profile).where(profile.c.id == source.c.profile_id)
    return renderer.one("Profile", selected, rows, Source(profile.c, profile))


class _Claim:
    """A profile's skill claim joined with its skill: the claim's columns, and the skill's."""

    def __init__(self, claim: Any, skill: Any) -> None:
        self.direction, self.level = claim.c.direction, claim.c.level
        self.skill = Source(skill.c)


def _skills(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    claim = ProfileSkill.__table__.alias()  # type: ignore[attr-defined]
    skill = Skill.__table__.alias()  # type: ignore[attr-defined]
    rows = select(claim).join(skill, skill.c.id == claim.c.skill_id).where(claim.c.profile_id == source.c.id)
    if renderer.shape(selected):
        rows = rows.where(claim.c.direction == bindparam(f"a{selected.arguments.index}_direction"))  # type: ignore[union-attr]
    return renderer.list_of(
        "ProfileSkill", selected, rows, Source(_Claim(claim, skill)), skill.c.name, claim.c.direction
    )


def _claimed_skill(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    return renderer.object("Skill", renderer.child(selected, "Skill"), source.c.skill)


def _profile_ideas(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    prefix = f"a{selected.arguments.index}_"  # type: ignore[union-attr]
    one_status = renderer.shape(selected)[4]
    statement = _prefixed(ideas_by_owner_statement(one_status, renderer.reach), prefix)
    idea = statement.selected_columns
    statement = statement.where(idea.owner_id == source.c.id)
    return renderer.connection(selected, statement, idea.id, "Idea", prefix, source.table)


def _edge_cursor(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    return _cursor(source.c.id)


def _edge_node(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    return renderer.object("Idea", renderer.child(selected, "Idea"), source)


def _hidden_reason(renderer: _Renderer, selected: Selected, source: Source) -> JSON:
    return case((source.c.hidden_at.is_not(None), source.c.hidden_reason), else_=null())


Render = Callable[[_Renderer, Selected, Source], Any]

RENDERERS: dict[str, dict[str, Render]] = {
    "Idea": {
        "id": _id("Idea"),
        "title": _column("title"),
        "teaser": _column("teaser"),
        "description": _column("description"),
        "status": _column("status"),
        "createdAt": _stamp("created_at"),
        "updatedAt": _stamp("updated_at"),
        "publishedAt": _stamp("published_at"),
        "hiddenReason": _hidden_reason,
        "owner": _owner,
        "team": _team,
    },
    "Profile": {
        "id": _id("Profile"),
        "kind": _column("kind"),
        "displayName": _column("display_name"),
        "organisationName": _column("organisation_name"),
        "sector": _column("sector"),
        "region": _column("region"),
        "bio": _column("bio"),
        "aiInterests": _column("ai_interests"),
        "priorExperience": _column("prior_experience"),
        "createdAt": _stamp("created_at"),
        "updatedAt": _stamp("updated_at"),
        "skills": _skills,
        "ideas": _profile_ideas,
    },
    "ProfileSkill": {"direction": _column("direction"), "level": _column("level"), "skill": _claimed_skill},
    "Skill": {
        "id": _id("Skill"),
        "slug": _column("slug"),
        "name": _column("name"),
        "category": _column("category"),
    },
    "Team": {
        "id": _id("Team"),
        "name": _column("name"),
        "createdAt": _stamp("created_at"),
        "members": _members,
    },
    "Membership": {
        "id": _id("Membership"),
        "role": _column("role"),
        "joinedAt": _stamp("joined_at"),
        "profile": _member_profile,
    },
    "IdeaEdge": {"cursor": _edge_cursor, "node": _edge_node},
}
STRUCTURE = frozenset({"IdeaConnection", "PageInfo"})
"""Types a connection renders itself."""


def _root_ideas(renderer: _Renderer, selected: Selected, _source: Source) -> JSON:
    prefix = f"a{selected.arguments.index}_"  # type: ignore[union-attr]
    one_status, owner = renderer.shape(selected)[4:]
    query = idea_list_query(1 if one_status else 0, False, False, owner, False, renderer.reach)
    statement = _prefixed(query.statement, prefix)
    return renderer.connection(selected, statement, statement.selected_columns.id, "Idea", prefix)


def _node(renderer: _Renderer, selected: Selected, _source: Source) -> JSON:
    type_name = renderer.shape(selected)
    key = bindparam(f"a{selected.arguments.index}_id", type_=Integer)  # type: ignore[union-attr]
    if type_name == "Profile":
        profile = Profile.__table__.alias()  # type: ignore[attr-defined]
        return renderer.one(
            "Profile", selected, select(profile).where(profile.c.id == key), Source(profile.c, profile)
        )
    idea = Idea.__table__  # type: ignore[attr-defined]
    rows = select(idea).where(idea.c.id == key, ideas_visible(renderer.reach))
    return renderer.one("Idea", selected, rows, Source(idea.c, idea))


RENDERERS["Query"] = {"ideas": _root_ideas, "node": _node}


# Reading a request's arguments: the statement's shape, and the values of its parameters.

Read = Callable[[dict[str, Any], Viewer, str, int], tuple[Any, dict[str, Any]]]


def _part(value: Any, name: str) -> Any:
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def _page(values: dict[str, Any], prefix: str, max_size: int, descending: bool) -> tuple[Any, dict[str, Any]]:
    """As resolvers.pagination reads it; a request it refuses takes the standard path, which says why."""
    try:
        request = page_request(
            values.get("first"),
            values.get("after"),
            values.get("last"),
            values.get("before"),
            descending=descending,
            max_size=max_size,
        )
    except UserInputError as error:
        raise NotPlanned(str(error)) from error
    given = request.before is not None if request.backward else request.after is not None
    shape = (request.backward, descending, request.after is not None, request.before is not None)
    parameters = {
        "after": request.after,
        "before": request.before,
        "limit": request.limit,
        "scan": request.limit + 1,
        "given": given,
    }
    return shape, {f"{prefix}{name}": value for name, value in parameters.items()}


PLANNED_FILTERS = frozenset({"status", "owner"})


def _filters_given(given: Any) -> set[str]:
    """The filter's fields that hold a value, whether it comes as a dict or as the input object."""
    fields = given if isinstance(given, dict) else vars(given) if given is not None else {}
    return {name for name, value in fields.items() if value is not None}


def _read_ideas(
    values: dict[str, Any], viewer: Viewer, prefix: str, max_size: int
) -> tuple[Any, dict[str, Any]]:
    given = values.get("filter")
    statuses = list(_part(given, "status") or [])
    owner = _part(given, "owner")
    if len(statuses) > 1 or _filters_given(given) - PLANNED_FILTERS:
        raise NotPlanned("a filter the plans do not cover")
    try:
        owner_id = None if owner is None else key_of(owner, "filter.owner", "Profile")
    except UserInputError as error:
        raise NotPlanned(str(error)) from error
    order = values.get("orderBy", values.get("order_by"))
    shape, parameters = _page(
        values, prefix, max_size, descending=getattr(order, "value", order) == "NEWEST_FIRST"
    )
    _, filters = idea_list(viewer, statuses=statuses, owner_id=owner_id)
    parameters.update(
        {f"{prefix}{name}": value for name, value in filters.items() if name not in VIEWER_PARAMETERS}
    )
    return (*shape, bool(statuses), owner_id is not None), parameters


def _read_profile_ideas(
    values: dict[str, Any], _viewer: Viewer, prefix: str, max_size: int
) -> tuple[Any, dict[str, Any]]:
    status = values.get("status")
    shape, parameters = _page(values, prefix, max_size, descending=True)
    parameters[f"{prefix}status"] = status
    return (*shape, status is not None), parameters


def _read_skills(
    values: dict[str, Any], _viewer: Viewer, prefix: str, _max_size: int
) -> tuple[Any, dict[str, Any]]:
    direction = values.get("direction")
    return direction is not None, {f"{prefix}direction": direction}


def _read_node(
    values: dict[str, Any], _viewer: Viewer, prefix: str, _max_size: int
) -> tuple[Any, dict[str, Any]]:
    try:
        type_name, key = from_global_id(values["id"], "id")
    except UserInputError as error:
        raise NotPlanned(str(error)) from error
    if type_name not in ("Profile", "Idea"):
        raise NotPlanned(f"node of type {type_name}")
    return type_name, {f"{prefix}id": key}


READERS: dict[tuple[str, str], Read] = {
    ("Query", "ideas"): _read_ideas,
    ("Query", "node"): _read_node,
    ("Profile", "ideas"): _read_profile_ideas,
    ("Profile", "skills"): _read_skills,
}


@dataclass(frozen=True, slots=True)
class Statement:
    query: Query
    tables: frozenset[str]
    """What it reads, so that a cached answer is forgotten when one of them changes."""


def _tables(statement: Any) -> frozenset[str]:
    return frozenset(element.name for element in iterate(statement) if isinstance(element, Table))


@dataclass(slots=True)
class _Argued:
    arguments: Arguments
    read: Read


class Plan:
    """One operation for one viewer tier: its fields, and its statement per shape of arguments."""

    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, reach: Reach
    ) -> None:
        if operation.operation is not OperationType.QUERY or operation.directives:
            raise NotPlanned("not a query")
        fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        root = schema.query_type
        assert root is not None
        collector = _Collector(schema, fragments, reach)
        self.schema = schema
        self.document = document
        self.operation = operation
        self.reach = reach
        self.fields = collector.fields(root, [operation.selection_set])
        self.argued = [_Argued(arguments, self._reader(arguments)) for arguments in collector.arguments]
        self._statements: dict[tuple[Any, ...], Statement] = {}
        self._check(self.fields, "Query")

    def _reader(self, arguments: Arguments) -> Read:
        for (parent, name), read in READERS.items():
            parent_type = self.schema.get_type(parent)
            if (
                isinstance(parent_type, GraphQLObjectType)
                and parent_type.fields.get(name) is arguments.definition
            ):
                return read
        raise NotPlanned(f"arguments of {arguments.node.name.value}")

    def _check(self, fields: Fields, type_name: str) -> None:
        """Every field has a renderer: what the plan cannot render is found now, not per request."""
        table = RENDERERS.get(type_name, {})
        for selected in fields:
            if selected.name == "__typename":
                continue
            if type_name not in STRUCTURE and selected.name not in table:
                raise NotPlanned(f"{type_name}.{selected.name}")
            for child_type, children in selected.children.items():
                self._check(children, child_type)

    def statement(self, shapes: tuple[Any, ...]) -> "Statement":
        found = self._statements.get(shapes)
        if found is None:
            renderer = _Renderer(self.reach, shapes)
            statement = select(cast(renderer.object("Query", self.fields, Source(None)), Text).label("data"))
            found = self._statements[shapes] = Statement(Query(statement), _tables(statement))
        return found

    def arguments(
        self, variables: dict[str, Any] | None, viewer: Viewer, max_size: int
    ) -> tuple["Statement", dict[str, Any]]:
        """The statement and its parameters for this request; NotPlanned when the standard path
        must answer (variables it would refuse, arguments the plan does not cover)."""
        coerced = get_variable_values(self.schema, self.operation.variable_definitions or (), variables or {})
        if isinstance(coerced, list):
            raise NotPlanned("variables")
        shapes = []
        parameters: dict[str, Any] = dict(viewer.parameters)
        for argued in self.argued:
            values = get_argument_values(argued.arguments.definition, argued.arguments.node, coerced)
            shape, given = argued.read(values, viewer, f"a{argued.arguments.index}_", max_size)
            shapes.append(shape)
            parameters.update(given)
        return self.statement(tuple(shapes)), parameters


PlanKey = tuple[str, str | None]


class Plans:
    """The plans of the documents this process has answered, by text and operation name, then by
    viewer tier; None remembers a document that takes the standard path. The oldest are forgotten."""

    def __init__(self, schema: GraphQLSchema, max_size: int = PLANS_KEPT) -> None:
        self._schema = schema
        self._max_size = max_size
        self._plans: OrderedDict[PlanKey, dict[Reach, Plan | None]] = OrderedDict()

    def knows(self, text: str, operation_name: str | None) -> bool:
        """Whether some tier has a plan for it: documents no plan covers cost nothing more."""
        tiers = self._plans.get((text, operation_name))
        return tiers is not None and any(plan is not None for plan in tiers.values())

    def get(self, text: str, operation_name: str | None, reach: Reach) -> Plan | None:
        tiers = self._plans.get((text, operation_name))
        return None if tiers is None else tiers.get(reach)

    def learn(self, text: str, operation_name: str | None, reach: Reach, document: DocumentNode) -> None:
        """A document of one operation is also found when the request leaves its name out."""
        tiers = self._plans.get((text, operation_name))
        if tiers is not None and reach in tiers:
            return
        operation = get_operation_ast(document, operation_name)
        try:
            plan = None if operation is None else Plan(self._schema, document, operation, reach)
        except NotPlanned:
            plan = None
        keys = [(text, operation_name)]
        if get_operation_ast(document) is not None and operation_name is not None:
            keys.append((text, None))
        for key in keys:
            self._plans.setdefault(key, {})[reach] = plan
            self._plans.move_to_end(key)
        while len(self._plans) > self._max_size:
            self._plans.popitem(last=False)


class LearnPlans(SchemaExtension):
    """Plans a query once the standard path has answered it without an error: by then it has been
    parsed, validated and found within every limit."""

    def on_execute(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        result = execution.result
        if (
            isinstance(context, Context)
            and context.plans is not None
            and context.database.dialect == "postgresql"
            and not (context.streaming or context.federated_trace)
            and execution.query is not None
            and execution.graphql_document is not None
            and result is not None
            and not result.errors
        ):
            context.plans.learn(
                execution.query, execution.operation_name, context.viewer.reach, execution.graphql_document
            )

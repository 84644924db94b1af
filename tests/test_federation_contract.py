"""The tags the portal builds its contracts from: a contract that includes `public` and excludes
`members` is the anonymous part of the graph, complete (no field whose type it leaves out) and
readable without a sign-in. The contract is worked out from the committed SDL by Apollo's documented
rules: a type's tag applies to its fields, and an excluded tag wins."""

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)
from strawberry.permission import PermissionExtension

from schema import schema
from tests.world import World

SDL = (Path(__file__).parent.parent / "schema.graphql").read_text()
SUBGRAPH = build_schema(SDL, assume_valid_sdl=True)


def tags(definition: GraphQLNamedType | GraphQLField) -> set[str]:
    node = definition.ast_node
    return {
        argument.value.value  # type: ignore[attr-defined]
        for directive in (node.directives or () if node else ())
        if directive.name.value == "tag"
        for argument in directive.arguments
    }


def directive_names(definition: GraphQLField) -> set[str]:
    node = definition.ast_node
    return {directive.name.value for directive in (node.directives or () if node else ())}


def public_contract() -> dict[str, dict[str, GraphQLField]]:
    """Object and interface types with the fields the contract keeps."""
    contract: dict[str, dict[str, GraphQLField]] = {}
    for name, named in SUBGRAPH.type_map.items():
        if name.startswith("_") or not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            continue
        kept = {
            field_name: field
            for field_name, field in named.fields.items()
            if "public" in tags(named) | tags(field) and "members" not in tags(named) | tags(field)
        }
        if kept:
            contract[name] = kept
    return contract


def test_the_public_contract_offers_the_anonymous_queries():
    assert set(public_contract()["Query"]) == {
        "ideas",
        "idea",
        "profiles",
        "profile",
        "skills",
        "skill",
        "topics",
        "topic",
        "contestRounds",
        "contestRound",
    }


def test_the_public_contract_leaves_out_what_needs_a_sign_in():
    contract = public_contract()

    assert set(contract) == {
        "Query",
        "Idea",
        "Profile",
        "ProfileSkill",
        "Skill",
        "Topic",
        "ContestRound",
        "Node",
        "PageInfo",
        "IdeaConnection",
        "IdeaEdge",
        "ProfileConnection",
        "ProfileEdge",
        "SkillConnection",
        "SkillEdge",
        "ContestRoundConnection",
        "ContestRoundEdge",
    }
    assert {"description", "team", "reports"}.isdisjoint(contract["Idea"])
    assert {
        "bio",
        "aiInterests",
        "priorExperience",
        "memberships",
        "invitesReceived",
        "invitesSent",
    }.isdisjoint(contract["Profile"])
    assert "submissions" not in contract["ContestRound"]


def test_every_type_the_public_contract_reaches_is_in_it():
    """Apollo: a tagged type's tag belongs on every field returning it, or the contract is invalid."""
    missing = set()
    for type_name, fields in public_contract().items():
        for field_name, field in fields.items():
            reached = [get_named_type(field.type)] + [get_named_type(arg.type) for arg in field.args.values()]
            while reached:
                named = reached.pop()
                if isinstance(named, GraphQLScalarType):
                    continue
                if "public" not in tags(named):
                    missing.add(f"{type_name}.{field_name} -> {named.name}")
                if isinstance(named, GraphQLInputObjectType):
                    reached += [get_named_type(input_field.type) for input_field in named.fields.values()]
    assert missing == set()


def test_every_guarded_field_is_tagged_members():
    untagged = []
    for named in schema._schema.type_map.values():
        for field_name, field in getattr(named, "fields", {}).items():
            definition = field.extensions.get("strawberry-definition")
            extensions = getattr(definition, "extensions", [])
            if any(isinstance(extension, PermissionExtension) for extension in extensions):
                sdl_field = SUBGRAPH.get_type(named.name).fields[field_name]  # type: ignore[union-attr]
                if "members" not in tags(sdl_field):
                    untagged.append(f"{named.name}.{field_name}")
    assert untagged == []


def test_relay_lookups_are_for_cips_own_clients_only():
    query = SUBGRAPH.query_type
    assert query is not None

    assert "inaccessible" in directive_names(query.fields["node"])
    assert "inaccessible" in directive_names(query.fields["nodes"])


def _selection(named: GraphQLNamedType) -> str:
    """Every field of a contract type an anonymous visitor can select without arguments."""
    fields = public_contract()[named.name]
    return " ".join(
        name
        for name, field in fields.items()
        if isinstance(get_named_type(field.type), GraphQLScalarType | GraphQLEnumType)
        and not any(isinstance(argument.type, GraphQLNonNull) for argument in field.args.values())
    )


async def test_an_anonymous_visitor_reads_everything_the_public_contract_keeps(world: World):
    lists = {"ideas": "Idea", "profiles": "Profile", "skills": "Skill", "contestRounds": "ContestRound"}
    query = " ".join(
        f"{field}(first: 5) {{ nodes {{ {_selection(SUBGRAPH.type_map[type_name])} }} }}"
        for field, type_name in lists.items()
    )

    body = await world.anonymous.post(f"{{ {query} topics {{ {_selection(SUBGRAPH.type_map['Topic'])} }} }}")

    assert "errors" not in body, body["errors"]
    assert all(body["data"][field]["nodes"] for field in lists)

"""The committed SDL is what frontends and the portal read; it must never drift from the code."""

from pathlib import Path

from app.cli import main

SCHEMA_FILE = Path(__file__).parent.parent / "schema.graphql"
FEDERATION_OWN = ("_", "link__")
"""Introspection's and Apollo Federation's own types and fields (`_entities`, `link__Import`), which
describe themselves in their specifications."""


def test_committed_schema_matches_the_code(capsys):
    main(["export-schema"])
    exported = capsys.readouterr().out
    assert exported == SCHEMA_FILE.read_text(), (
        "schema.graphql is out of date: run `make schema` and commit it"
    )


def test_every_type_and_field_is_described(capsys):
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

    from schema import schema

    undocumented = []
    for name, graphql_type in schema._schema.type_map.items():
        if name.startswith(FEDERATION_OWN) or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInputObjectType | GraphQLEnumType
        ):
            continue
        if not graphql_type.description and name not in {"Query"}:
            undocumented.append(name)
        for field_name, field in getattr(graphql_type, "fields", {}).items():
            if field_name.startswith(FEDERATION_OWN):
                continue
            if not field.description:
                undocumented.append(f"{name}.{field_name}")
            for argument_name, argument in getattr(field, "args", {}).items():
                if not argument.description:
                    undocumented.append(f"{name}.{field_name}({argument_name})")
    assert undocumented == []

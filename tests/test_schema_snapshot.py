"""The committed SDL is what frontends and the portal read; it must never drift from the code."""

import subprocess
from pathlib import Path

import pytest

from app.cli import main
from app.schema_check import SchemaChanges, schema_changes

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


# Breaking changes: `make schema-check` compares the code's schema with a committed one


def test_the_code_breaks_nothing_the_last_commit_offered():
    committed = subprocess.run(
        ["git", "show", "HEAD:schema.graphql"],
        cwd=SCHEMA_FILE.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    assert schema_changes(committed, SCHEMA_FILE.read_text()).breaking == []


SUBGRAPH = """
schema @link(url: "https://specs.apollo.dev/federation/v2.11", import: ["@key"]) { query: Query }
type Query { idea(id: ID!): Idea }
type Idea @key(fields: "id") { id: ID! title: String! teaser: String! }
"""


def test_a_removed_field_and_a_changed_type_are_breaking():
    after = SUBGRAPH.replace(" teaser: String!", "").replace("title: String!", "title: Int!")

    changes = schema_changes(SUBGRAPH, after)

    assert changes.breaking == [
        "FIELD_REMOVED: Field Idea.teaser was removed.",
        "FIELD_CHANGED_KIND: Field Idea.title changed type from String! to Int!.",
    ]


def test_a_new_required_argument_is_breaking():
    after = SUBGRAPH.replace("idea(id: ID!)", "idea(id: ID!, lang: String!)")

    assert schema_changes(SUBGRAPH, after).breaking == [
        "REQUIRED_ARG_ADDED: A required argument Query.idea(lang:) was added."
    ]


def test_an_added_field_breaks_nothing():
    assert schema_changes(
        SUBGRAPH, SUBGRAPH.replace("teaser: String!", "teaser: String! tags: [String!]")
    ) == (SchemaChanges(breaking=[], dangerous=[]))


def test_schema_check_refuses_a_baseline_that_is_not_sdl(tmp_path: Path):
    baseline = tmp_path / "baseline.graphql"
    baseline.write_text("type Query {")

    with pytest.raises(SystemExit) as exited:
        main(["schema-check", str(baseline)])

    assert str(exited.value.code).startswith(
        "cip-graph schema-check: the baseline is not valid SDL: Syntax Error"
    )


def test_schema_check_exits_1_and_lists_what_breaks(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    baseline = tmp_path / "baseline.graphql"
    baseline.write_text(SCHEMA_FILE.read_text().replace("type Query {", "type Query {\n  retired: Int\n", 1))

    with pytest.raises(SystemExit) as exited:
        main(["schema-check", str(baseline)])

    assert exited.value.code == 1
    assert (
        capsys.readouterr().out
        == "1 breaking change(s):\n  - FIELD_REMOVED: Field Query.retired was removed.\n"
    )


def test_schema_check_passes_against_the_committed_schema(capsys: pytest.CaptureFixture[str]):
    main(["schema-check", str(SCHEMA_FILE)])

    assert capsys.readouterr().out == "No breaking or dangerous changes.\n"

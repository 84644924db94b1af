"""Generated operations against a real server: valid ones and ones with a schema violation.
Whatever arrives, the answer is a GraphQL response, never a 500, a masked internal error or a
stack trace."""

from datetime import UTC

import httpx
import pytest
from graphql import NameNode, ObjectFieldNode, ObjectValueNode, StringValueNode, build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from schema import schema

SCHEMA = build_schema(schema.as_str(), assume_valid_sdl=True)
"""The subgraph SDL applies federation directives it imports with @link rather than declares."""


def _representation(type_name: str, key: str) -> ObjectValueNode:
    return ObjectValueNode(
        fields=tuple(
            ObjectFieldNode(name=NameNode(value=name), value=StringValueNode(value=value))
            for name, value in (("__typename", type_name), ("id", key))
        )
    )


SCALARS = {
    "DateTime": st.datetimes(timezones=st.just(UTC)).map(
        lambda moment: StringValueNode(value=moment.isoformat())
    ),
    "_Any": st.builds(
        _representation,
        st.sampled_from(["Profile", "Idea", "Team", "Skill", "Invite", "Nothing"]),
        st.text(max_size=20),
    ),
}
"""Rounds take times as input and `_entities` takes representations; hypothesis-graphql needs to be
told how to write them."""
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def _assert_answered_cleanly(server: str, query: str) -> None:
    response = httpx.post(f"{server}/graphql", json={"query": query}, timeout=30)

    assert response.status_code in (200, 400), (response.status_code, query)
    assert "Traceback" not in response.text
    for error in response.json().get("errors", []):
        assert (error.get("extensions") or {}).get("code") != "INTERNAL_SERVER_ERROR", (error, query)


@pytest.mark.parametrize("mode", [Mode.POSITIVE, Mode.NEGATIVE])
def test_generated_operations_are_answered_cleanly(server: str, mode: Mode):
    @FUZZ
    @given(query=from_schema(SCHEMA, mode=mode, custom_scalars=SCALARS))
    def check(query: str) -> None:
        _assert_answered_cleanly(server, query)

    check()


@FUZZ
@given(search=st.text(max_size=300))
def test_any_search_text_is_answered_cleanly(server: str, search: str):
    query = "query($s: String) { ideas(first: 3, filter: {search: $s}) { totalCount nodes { id } } }"
    response = httpx.post(f"{server}/graphql", json={"query": query, "variables": {"s": search}}, timeout=30)

    assert response.status_code == 200
    for error in response.json().get("errors", []):
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (error, search)

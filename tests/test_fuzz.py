"""Generated requests against a real server of this module's own, sent anonymously, as members, as
the jury and as an admin: operations the schema allows or is one violation away from, broken
documents and request bodies, bad variables for every real operation, and members building and
leaving teams at random.

Whatever arrives, the answer is a GraphQL response: never a 500, a masked internal error or a stack
trace, and the server logs no unexpected error. Whatever the generated mutations change, no team
grows past four members, and no caller meets an idea or team the visibility rules
(resolvers/policy.py) hide from them; the database, read directly, is the judge.

The examples are derandomized: a run against a live server cannot be shrunk reliably, so the same
examples every time make a failure reproduce, and no run fails by chance."""

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import build_schema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from hypothesis_graphql import Mode, from_schema

from resolvers.ids import to_global_id
from schema import schema
from tests.conftest import TEST_SETTINGS
from tests.fuzzing import (
    A_JUROR,
    ANONYMOUS,
    JUNK,
    STRANGERS,
    Caller,
    Cast,
    Casting,
    Served,
    answered_cleanly,
    assert_no_caller_sees_what_they_may_not,
    assert_no_team_over_four_through_the_api,
    assert_shows_only_what_it_may,
    assert_teams_keep_their_shape,
    cast_of,
    literals,
    operations,
    serving,
    variables_for,
)

SCHEMA = build_schema(schema.as_str(), assume_valid_sdl=True)
"""The subgraph SDL applies federation directives it imports with @link rather than declares."""
OPERATIONS = operations(SCHEMA)
ENVIRONMENT = {
    "CIP_ENV": "test",
    "CIP_JWT_SECRET": TEST_SETTINGS.jwt_secret.get_secret_value() if TEST_SETTINGS.jwt_secret else "",
    "CIP_MUTATIONS_PER_MINUTE": "1000000",
    "CIP_MUTATIONS_PER_MINUTE_PER_IP": "1000000",
    "CIP_INVITES_PER_HOUR": "1000000",
    "CIP_INVITE_TTL_DAYS": "36500",
}
"""The tokens this module mints verify; no rate limit turns the run into RATE_LIMITED answers; the
demo's old pending invitations stay pending, so members can still answer them."""
FUZZ = settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def served(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serving(backend, tmp_path_factory.mktemp("fuzz"), ENVIRONMENT) as server:
        yield server


@pytest.fixture(autouse=True)
def quiet_log(served: Served) -> Iterator[None]:
    """Nothing failed behind the answers either: the server logged no unexpected error."""
    served.log_alarms()
    yield
    assert served.log_alarms() == []


@pytest.fixture(scope="module")
def cast(served: Served) -> Cast:
    """The people of the first three pending invitations, read before anything changes."""
    return cast_of(served, pending=3)


def test_generated_operations_keep_every_rule(served: Served, cast: Cast):
    """Queries and mutations for anyone: each answered cleanly, showing only what its caller may
    see, and refused, if at all, with a code (the document is valid, so GraphQL itself has nothing
    to object to); after each, every team keeps its shape; after all, no way of asking shows anyone
    what they may not see."""

    @settings(FUZZ, max_examples=150)
    @given(operation=from_schema(SCHEMA, custom_scalars=literals(cast)), who=st.sampled_from(cast.everyone))
    def check(operation: str, who: Caller) -> None:
        before = [served.snapshot()] if operation.startswith("mutation") else []
        body = answered_cleanly(served.post(who, {"query": operation}), (who, operation))
        after = served.snapshot()
        for error in body.get("errors") or []:
            assert "code" in (error.get("extensions") or {}), ("a valid operation, refused", error, operation)
        assert_shows_only_what_it_may(who, body, *before, after)
        assert_teams_keep_their_shape(after)

    check()
    assert_no_team_over_four_through_the_api(served)
    assert_no_caller_sees_what_they_may_not(served, cast.everyone)


def test_operations_one_violation_away_are_refused_cleanly(served: Served, cast: Cast):
    """A wrong argument type, a missing required argument, an unknown enum value: nothing runs."""

    @FUZZ
    @given(
        operation=from_schema(SCHEMA, mode=Mode.NEGATIVE, custom_scalars=literals(cast)),
        who=st.sampled_from(cast.everyone),
    )
    def check(operation: str, who: Caller) -> None:
        body = answered_cleanly(served.post(who, {"query": operation}), (who, operation))

        assert body["errors"], operation
        assert body.get("data") is None, (body, operation)

    check()


GRAPHQL_WORDS = ["{", "}", "(", ")", "[", "]", ":", "!", "$x", "...", "@include", "query", "mutation"]
GRAPHQL_WORDS += ["fragment", "on", "ideas", "id", "Idea", "first", "1", '"', '"""', "#", "=", "|", "&"]


@FUZZ
@given(
    document=st.one_of(st.text(), st.lists(st.sampled_from(GRAPHQL_WORDS)).map(" ".join)),
    who=st.sampled_from(STRANGERS),
)
def test_any_text_is_answered_cleanly(served: Served, document: str, who: Caller):
    """Random text, and GraphQL's own words in random order."""
    answered_cleanly(served.post(who, {"query": document}), document)


def _cut_short(document: str) -> st.SearchStrategy[str]:
    return st.integers(min_value=0, max_value=len(document) - 1).map(lambda end: document[:end])


@FUZZ
@given(
    document=st.sampled_from([operation.document for operation in OPERATIONS]).flatmap(_cut_short),
    who=st.sampled_from(STRANGERS),
)
def test_operations_cut_short_are_refused_cleanly(served: Served, document: str, who: Caller):
    """A real operation cut off anywhere does not parse, so nothing of it runs."""
    body = answered_cleanly(served.post(who, {"query": document}), document)

    assert body["errors"], body
    assert body.get("data") is None, body


@pytest.mark.parametrize(
    "content",
    [
        "",
        "nope",
        "{",
        "1",
        "null",
        "true",
        '"{ topics { slug } }"',
        "[]",
        "[1]",
        '{"query": 5}',
        '{"query": ["{ topics { slug } }"]}',
        '{"query": "{ topics { slug } }", "variables": "{}"}',
        '{"query": "{ topics { slug } }", "operationName": 7}',
        '{"query": "{ topics { slug } }", "extensions": []}',
        '{"query": "query($n: Int) { ideas(first: $n) { totalCount } }", "variables": {"n": NaN}}',
        '[{"query": 1}]',
        '[{"query": "{ topics { slug } }", "variables": [1]}]',
        '[{"query": "{ topics { slug } }", "operationName": 7}]',
        '[{"query": "{ topics { slug } }", "extensions": "x"}]',
    ],
)
def test_malformed_request_bodies_are_refused_cleanly(served: Served, content: str):
    """Bodies that are not JSON, or JSON that is not an operation (alone or in a batch), are refused
    as GraphQL errors."""
    body = answered_cleanly(served.post(ANONYMOUS, content=content), content)

    for answer in body if isinstance(body, list) else [body]:
        assert answer["errors"], body


@FUZZ
@given(data=st.data())
def test_any_json_body_is_answered_cleanly(served: Served, cast: Cast, data: st.DataObject):
    """Whatever JSON a client posts, batches included, it gets a GraphQL answer."""
    field = st.sampled_from(["query", "variables", "operationName", "extensions"])
    operation = st.dictionaries(field, st.one_of(JUNK, st.sampled_from([o.document for o in OPERATIONS])))
    body = data.draw(st.one_of(JUNK, operation, st.lists(operation, max_size=3)), label="body")
    who = data.draw(st.sampled_from(cast.everyone), label="who")

    answered_cleanly(served.post(who, body), body)


@FUZZ
@given(data=st.data())
def test_bad_variables_for_real_operations_are_refused_cleanly(
    served: Served, cast: Cast, data: st.DataObject
):
    """Every query and mutation with arguments, its variables missing, of the wrong type, extra,
    huge, holding NUL characters, or nested where they should not be, for anyone."""
    operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
    variables = data.draw(variables_for(operation, cast), label="variables")
    who = data.draw(st.sampled_from(cast.everyone), label="who")

    answered_cleanly(served.post(who, {"query": operation.document, "variables": variables}), operation.name)


NESTINGS = {
    "lists": ("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", "ids", "[", "]"),
    "objects": ("query($f: IdeaFilter) { ideas(filter: $f) { totalCount } }", "f", '{"search": ', "}"),
}


@pytest.mark.parametrize("depth", [600, 100_000])
@pytest.mark.parametrize("nesting", list(NESTINGS))
def test_deeply_nested_variables_are_refused_cleanly(served: Served, nesting: str, depth: int):
    """Variables nested deeper than any input of the schema, up to what fits in a request body."""
    document, variable, opening, closing = NESTINGS[nesting]
    value = opening * depth + '"x"' + closing * depth
    content = f'{{"query": {json.dumps(document)}, "variables": {{"{variable}": {value}}}}}'

    body = answered_cleanly(served.post(ANONYMOUS, content=content), (nesting, depth))

    assert body["errors"], body


@dataclass(frozen=True)
class Invitation:
    """An invitation a run sent: its recipient may answer it, its sender withdraw it."""

    id: str
    sender: Caller
    recipient: Caller


SEND = """mutation($input: SendInviteInput!) {
  sendInvite(input: $input) { invite { id idea { id } team { id } } errors { code field } }
}"""
RESPOND = """mutation($id: ID!, $accept: Boolean!) {
  respondToInvite(id: $id, accept: $accept) {
    invite { id team { id idea { id } members { profile { id } } } } errors { code }
  }
}"""
WITHDRAW = "mutation($id: ID!) { withdrawInvite(id: $id) { invite { id team { id } } errors { code } } }"
LEAVE = "mutation($id: ID!) { leaveTeam(id: $id) { team { id idea { id } } dissolved errors { code } } }"
MOVE = "mutation($id: ID!) {{ {move}(id: $id) {{ idea {{ id status team {{ id }} }} errors {{ code }} }} }}"
DELETE = "mutation { deleteMyProfile { deletedProfileId errors { code } } }"
CREATE = """mutation($name: String!) {
  createProfile(input: {kind: PERSON, displayName: $name, sector: RESEARCH}) {
    profile { id } errors { code }
  }
}"""
LOOK = """{
  ideas(first: 100, filter: {status: [DRAFT]}) { nodes { id team { id } } }
  me { memberships(first: 20) { nodes { team { id idea { id } } } } }
}"""


class TeamLife(RuleBasedStateMachine):
    """The members of a team of three, of a team of four and of no team invite each other, answer,
    race for the last seats, withdraw, leave, publish and unpublish, delete their profile and start
    again. Each move is a well-formed mutation, so a refusal is payload data, not an error; after
    each, every team keeps its shape and the answer showed only what its caller may see."""

    invitations = Bundle("invitations")

    def __init__(self, served: Served, members: tuple[Caller, ...]) -> None:
        super().__init__()
        self.served = served
        self.members = members
        self.state = served.snapshot()
        self.deleted = False

    def _send(self, who: Caller, query: str, **variables: Any) -> dict[str, Any]:
        return self._settle(who, self.served.post(who, {"query": query, "variables": variables}), query)

    def _settle(self, who: Caller, response: Any, query: str) -> dict[str, Any]:
        body = answered_cleanly(response, (who, query))
        assert "errors" not in body, (who, query, body["errors"])
        before, self.state = self.state, self.served.snapshot()
        assert_shows_only_what_it_may(who, body, before, self.state)
        return dict(body["data"])

    def _invite(self, sender: Caller, recipient: Caller, idea: int) -> Invitation | None:
        recipient_id = to_global_id("Profile", self.state.profile_of(recipient) or 0)
        variables = {"recipientId": recipient_id, "ideaId": to_global_id("Idea", idea)}
        sent = self._send(sender, SEND, input=variables)["sendInvite"]["invite"]
        return None if sent is None else Invitation(sent["id"], sender, recipient)

    def _crews(self) -> list[tuple[Caller, int]]:
        """Each member with each team they are in."""
        return [(who, team) for who in self.members for team in sorted(self.state.teams_of(who))]

    def _outside(self, team: int) -> list[Caller]:
        seated = {member.profile_id for member in self.state.members[team]} | {None}
        return [who for who in self.members if self.state.profile_of(who) not in seated]

    def _owned(self, who: Caller) -> list[int]:
        profile = self.state.profile_of(who)
        return sorted(key for key, idea in self.state.ideas.items() if idea.owner_id == profile)

    @precondition(lambda self: self._crews())
    @rule(target=invitations, data=st.data())
    def invite(self, data: st.DataObject) -> Any:
        sender, team = data.draw(st.sampled_from(self._crews()), label="sender and team")
        recipient = data.draw(st.sampled_from(self._outside(team) or self.members), label="recipient")
        invitation = self._invite(sender, recipient, self.state.teams[team])
        return multiple() if invitation is None else invitation

    @rule(invitation=invitations, accept=st.booleans())
    def answer(self, invitation: Invitation, accept: bool) -> None:
        self._send(invitation.recipient, RESPOND, id=invitation.id, accept=accept)

    @rule(invitation=invitations)
    def withdraw(self, invitation: Invitation) -> None:
        self._send(invitation.sender, WITHDRAW, id=invitation.id)

    @precondition(lambda self: self._crews())
    @rule(data=st.data())
    def race_for_the_last_seats(self, data: st.DataObject) -> None:
        """Two members invited to the same team accept at the same moment."""
        sender, team = data.draw(st.sampled_from(self._crews()), label="sender and team")
        outside = self._outside(team)
        if len(outside) < 2:
            return
        pair = data.draw(
            st.lists(st.sampled_from(outside), min_size=2, max_size=2, unique=True), label="pair"
        )
        invitations = [self._invite(sender, who, self.state.teams[team]) for who in pair]
        sent = [invitation for invitation in invitations if invitation is not None]

        def accept(invitation: Invitation) -> Any:
            variables = {"id": invitation.id, "accept": True}
            return self.served.post(invitation.recipient, {"query": RESPOND, "variables": variables})

        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(accept, sent))
        for invitation, response in zip(sent, responses, strict=True):
            self._settle(invitation.recipient, response, RESPOND)

    @precondition(lambda self: self._crews())
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        who, team = data.draw(st.sampled_from(self._crews()), label="who and team")
        self._send(who, LEAVE, id=to_global_id("Team", team))

    @precondition(lambda self: any(self._owned(who) for who in self.members))
    @rule(data=st.data(), move=st.sampled_from(["publishIdea", "unpublishIdea"]))
    def move_idea(self, data: st.DataObject, move: str) -> None:
        """Unpublished, an idea is a draft again: only its owner and its team still see it."""
        who = data.draw(st.sampled_from([who for who in self.members if self._owned(who)]), label="who")
        idea = data.draw(st.sampled_from(self._owned(who)), label="idea")
        self._send(who, MOVE.format(move=move), id=to_global_id("Idea", idea))

    @precondition(lambda self: not self.deleted)
    @rule(data=st.data())
    def delete_profile(self, data: st.DataObject) -> None:
        """Once a run: deleting takes the member's ideas and seats with it, or hands them on."""
        who = data.draw(st.sampled_from(self.members), label="who")
        self.deleted = True
        self._send(who, DELETE)

    @precondition(lambda self: any(self.state.profile_of(who) is None for who in self.members))
    @rule(data=st.data())
    def start_again(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from([m for m in self.members if self.state.profile_of(m) is None]))
        self._send(who, CREATE, name=who.name)

    @rule(data=st.data())
    def look(self, data: st.DataObject) -> None:
        who = data.draw(st.sampled_from((*self.members, ANONYMOUS, A_JUROR)), label="who")
        self._send(who, LOOK)

    @invariant()
    def teams_keep_their_shape(self) -> None:
        assert_teams_keep_their_shape(self.state)


def test_team_life_keeps_every_rule(served: Served):
    """Each run casts members no earlier run touched. Afterwards, too, no team is over four and no
    way of asking shows anyone what they may not see."""
    casting = Casting(served)

    run_state_machine_as_test(
        lambda: TeamLife(served, casting.next_cast()),
        settings=settings(FUZZ, max_examples=4, stateful_step_count=20),
    )

    assert_no_team_over_four_through_the_api(served)
    assert_no_caller_sees_what_they_may_not(served, (*STRANGERS, *casting.people))


@FUZZ
@given(search=st.text(max_size=300))
def test_any_search_text_is_answered_cleanly(served: Served, search: str):
    """Search text goes to a stemmer and into SQL: whatever it holds, at most a BAD_USER_INPUT."""
    query = "query($s: String) { ideas(first: 3, filter: {search: $s}) { totalCount nodes { id } } }"
    body = answered_cleanly(served.post(ANONYMOUS, {"query": query, "variables": {"s": search}}), search)

    for error in body.get("errors", []):
        assert error["extensions"]["code"] == "BAD_USER_INPUT", (error, search)

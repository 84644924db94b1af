"""The machinery of tests/test_fuzz.py: a server of its own, callers with real tokens, what the
database says each caller may see, and the values hypothesis-graphql cannot make up by itself."""

import asyncio
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    GraphQLSchema,
    IntValueNode,
    NameNode,
    ObjectFieldNode,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    get_named_type,
    is_composite_type,
    is_required_input_field,
)
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import col

from app.auth import mint_token
from app.demo import SKILLS, TOPICS
from models import ContestRound, Idea, Invite, Membership, Profile, ProgressUpdate, Skill, Submission, Team
from models.db import Database
from models.enums import IdeaStatus, InviteStatus, TeamRole
from resolvers.errors import UserInputError
from resolvers.ids import from_global_id, to_cursor, to_global_id
from resolvers.team import MAX_TEAM_SIZE, MIN_TEAM_SIZE
from tests.conftest import ADMIN, JURY, TEST_SETTINGS, served

LOG_ALARMS = ("Unexpected error", "Exception in ASGI application", "Expiring invitations failed")
"""Lines the server logs only when something failed that no client could have caused."""


@dataclass(frozen=True)
class Caller:
    """Who sends an operation, signed in with a token the portal could have issued, or anonymous."""

    name: str
    subject: str | None = None
    roles: frozenset[str] = frozenset()

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def headers(self) -> dict[str, str]:
        if self.subject is None:
            return {}
        return {"Authorization": f"Bearer {_token(self.subject, self.roles)}"}

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        """Hypothesis names the caller of a failing example, without their token."""
        printer.text(self.name)


@cache
def _token(subject: str, roles: frozenset[str]) -> str:
    return mint_token(TEST_SETTINGS, subject, roles)


ANONYMOUS = Caller("anonymous")
AN_ADMIN = Caller("admin", ADMIN, frozenset({"admin"}))
A_JUROR = Caller("juror", JURY, frozenset({"jury"}))
A_NEWCOMER = Caller("newcomer", "fuzz|newcomer")
"""Signed in, without a profile yet."""
STRANGERS = (ANONYMOUS, AN_ADMIN, A_JUROR, A_NEWCOMER)
"""The callers besides the members of a cast."""


@dataclass(frozen=True)
class Snapshot:
    """The rows that decide who sees which idea and team (resolvers/policy.py), read straight from
    the database, so the API is judged by the data and not by itself."""

    ideas: Mapping[int, Any]
    teams: Mapping[int, int]
    """Each team's idea."""
    members: Mapping[int, Sequence[Any]]
    """Each team's memberships, former members (without a profile) included."""
    entered: frozenset[int]
    """The teams with a submission."""
    profiles: Mapping[str, int]
    """Each subject's profile."""

    def profile_of(self, caller: Caller) -> int | None:
        return None if caller.subject is None else self.profiles.get(caller.subject)

    def teams_of(self, caller: Caller) -> set[int]:
        profile = self.profile_of(caller)
        return {
            team
            for team, members in self.members.items()
            if profile is not None and any(member.profile_id == profile for member in members)
        }

    def sees_idea(self, caller: Caller, key: int) -> bool:
        """Everyone: published ideas. Members: archived ones too. Owners and their teams: their own,
        drafts and hidden ones included. Jury: also ideas whose team entered a round. Admins: all."""
        idea = self.ideas[key]
        if caller.is_admin:
            return True
        if caller.subject is None:
            return idea.status is IdeaStatus.PUBLISHED and idea.hidden_at is None
        carriers = {team for team, idea_key in self.teams.items() if idea_key == key}
        return (
            (idea.status is not IdeaStatus.DRAFT and idea.hidden_at is None)
            or idea.owner_id == self.profile_of(caller)
            or bool(carriers & self.teams_of(caller))
            or ("jury" in caller.roles and bool(carriers & self.entered))
        )

    def sees_team(self, caller: Caller, key: int) -> bool:
        """Members see the teams of ideas they see; the jury and admins every team."""
        if caller.is_admin or "jury" in caller.roles:
            return True
        return caller.subject is not None and self.sees_idea(caller, self.teams[key])

    def knows(self, type_name: str, key: int) -> bool:
        return key in (self.ideas if type_name == "Idea" else self.teams)

    def sees(self, caller: Caller, type_name: str, key: int) -> bool:
        return self.sees_idea(caller, key) if type_name == "Idea" else self.sees_team(caller, key)

    def visible_ideas(self, caller: Caller, status: IdeaStatus | None = None) -> set[int]:
        return {
            key
            for key, idea in self.ideas.items()
            if (status is None or idea.status is status) and self.sees_idea(caller, key)
        }

    def private_ideas(self) -> list[int]:
        """Drafts and hidden ideas: the ones most callers must never meet."""
        return sorted(
            key
            for key, idea in self.ideas.items()
            if idea.status is IdeaStatus.DRAFT or idea.hidden_at is not None
        )


@dataclass
class Served:
    """`cip-graph serve` in a process of its own, its database and its log."""

    url: str
    database: Database
    log: Path
    runner: asyncio.Runner
    http: httpx.Client
    _log_read: int = 0

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"<cip-graph at {self.url}>")

    def post(self, caller: Caller, body: Any = None, *, content: str | None = None) -> httpx.Response:
        """A JSON body, or `content` sent as it is with a JSON content type."""
        headers = {**caller.headers, "Content-Type": "application/json"}
        payload = json.dumps(body).encode() if content is None else content.encode()
        return self._request("POST", "/graphql", content=payload, headers=headers)

    def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Sent once more, on a new connection, when it met one the server dropped after a failure."""
        try:
            return self.http.request(method, path, **options)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            return self.http.request(method, path, **options)

    def rows(self, statement: Any) -> Sequence[Any]:
        return self.read(statement)[0]

    def read(self, *statements: Any) -> list[Sequence[Any]]:
        """Each statement's rows, read on one connection."""

        async def read() -> list[Sequence[Any]]:
            async with self.database.engine.connect() as connection:
                return [(await connection.execute(statement)).all() for statement in statements]

        return self.runner.run(read())

    def snapshot(self) -> Snapshot:
        ideas, teams, memberships, entered, profiles = self.read(
            select(col(Idea.id), col(Idea.owner_id), col(Idea.status), col(Idea.hidden_at), col(Idea.title)),
            select(col(Team.id), col(Team.idea_id)),
            select(col(Membership.team_id), col(Membership.profile_id), col(Membership.role)),
            select(col(Submission.team_id)).distinct(),
            select(col(Profile.id), col(Profile.subject_id)),
        )
        members: dict[int, list[Any]] = {team.id: [] for team in teams}
        for membership in memberships:
            members[membership.team_id].append(membership)
        return Snapshot(
            ideas={idea.id: idea for idea in ideas},
            teams={team.id: team.idea_id for team in teams},
            members=members,
            entered=frozenset(row.team_id for row in entered),
            profiles={row.subject_id: row.id for row in profiles},
        )

    def log_alarms(self) -> list[str]:
        """The alarming lines the server logged since the last call (a request of its own first, so
        what the server logs after its last answer is in)."""
        self._request("GET", "/healthz")
        with self.log.open() as log:
            log.seek(self._log_read)
            text = log.read()
            self._log_read = log.tell()
        return [_alarm(line) for line in text.splitlines() if any(alarm in line for alarm in LOG_ALARMS)]


def _alarm(line: str) -> str:
    """A JSON log line's message with the last line of its traceback; a text line as it is."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    cause = str(record.get("exc_info") or "").strip().splitlines()[-1:]
    return " | ".join([str(record.get("message", "")).strip(), *cause])


@contextmanager
def serving(backend: str, folder: Path, environment: Mapping[str, str]) -> Iterator[Served]:
    """Started as the `server` fixture starts it, with `environment` added: it migrates and loads
    the demo data into a database of its own."""
    with served(backend, folder, "fuzz", environment) as (base, url):
        database = Database(url)
        with asyncio.Runner() as runner, httpx.Client(base_url=base, timeout=60) as http:
            try:
                yield Served(base, database, folder / "server.log", runner, http)
            finally:
                runner.run(database.dispose())


def answered_cleanly(response: httpx.Response, what: Any) -> Any:
    """The answer's body, once it is known to be a GraphQL answer: no 500, no stack trace, no masked
    internal error, and no error that is neither GraphQL's own (which points at the document) nor
    one of the service's refusals (which carry a code). Refusals of any kind are fine."""
    assert response.status_code < 500, (response.status_code, response.text[:300], what)
    assert "Traceback" not in response.text, (response.text[:2000], what)
    body = response.json()
    for answer in body if isinstance(body, list) else [body]:
        assert isinstance(answer, dict), (answer, what)
        assert "data" in answer or "errors" in answer, (answer, what)
        for error in answer.get("errors") or []:
            code = (error.get("extensions") or {}).get("code")
            assert code != "INTERNAL_SERVER_ERROR", (error, what)
            assert code or error.get("locations"), ("an error neither GraphQL's own nor coded", error, what)
    return body


def keys_shown(answer: Any, type_name: str) -> set[int]:
    """The keys of every object of this type the answer shows, wherever it shows them."""
    keys = set()
    pending = [answer]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, dict):
            for name, item in value.items():
                if name == "id" and isinstance(item, str):
                    try:
                        found, key = from_global_id(item, "id")
                    except UserInputError:
                        continue
                    if found == type_name:
                        keys.add(key)
                else:
                    pending.append(item)
    return keys


def assert_shows_only_what_it_may(caller: Caller, answer: Any, *states: Snapshot) -> None:
    """Every idea and team in the answer is one the caller may see in one of `states` (before and
    after a mutation: what it changed may show either way). What no state knows was deleted."""
    for type_name in ("Idea", "Team"):
        for key in keys_shown(answer, type_name):
            known = [state for state in states if state.knows(type_name, key)]
            assert not known or any(state.sees(caller, type_name, key) for state in known), (
                f"{caller.name} was shown {type_name} {key}, which they may not see",
                [state.ideas.get(key) if type_name == "Idea" else state.teams.get(key) for state in known],
                answer,
            )


def assert_teams_keep_their_shape(state: Snapshot) -> None:
    """At most four members; at least two unless the team entered a round; one lead among them.
    Former members (without a profile) hold a place, not a seat."""
    for team, members in state.members.items():
        seated = [member for member in members if member.profile_id is not None]
        assert len(seated) <= MAX_TEAM_SIZE, (f"team {team} has {len(seated)} members", seated)
        if team not in state.entered:
            assert len(seated) >= MIN_TEAM_SIZE, (f"team {team} has {len(seated)} members", seated)
        leads = [member for member in seated if member.role is TeamRole.LEAD]
        assert len(leads) == (1 if seated else 0), (f"team {team} has {len(leads)} leads", members)


TEAM_SEATS = """query Teams($after: String) {
  teams(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { id members { profile { id } } }
  }
}"""


def assert_no_team_over_four_through_the_api(served: Served) -> None:
    """What an admin reads through the API agrees: no team has more than four members."""
    after = None
    while True:
        body = answered_cleanly(
            served.post(AN_ADMIN, {"query": TEAM_SEATS, "variables": {"after": after}}), "teams"
        )
        assert "errors" not in body, body["errors"]
        for team in body["data"]["teams"]["nodes"]:
            seated = [member for member in team["members"] if member["profile"] is not None]
            assert len(seated) <= MAX_TEAM_SIZE, team
        page = body["data"]["teams"]["pageInfo"]
        if not page["hasNextPage"]:
            return
        after = page["endCursor"]


PROBE = """query Probe($private: [ID!]!, $representations: [_Any!]!) {
  all: ideas(first: 0) { totalCount }
  drafts: ideas(first: 100, filter: {status: [DRAFT]}) { totalCount nodes { id } }
  nodes(ids: $private) { id }
  _entities(representations: $representations) { ... on Idea { id } }
  teams(first: 100) { nodes { id idea { id } } }
  topics { ideas(first: 100, status: DRAFT) { nodes { id } } }
  me {
    ideas(first: 100) { nodes { id } }
    memberships(first: 100) { nodes { team { id idea { id } } } }
    invitesReceived(first: 100) { nodes { idea { id } team { id } } }
  }
}"""
ALIASES = 25
"""Aliases per probe document, below the service's limit of 30."""


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _aliased(template: str, values: Sequence[str], definition: str) -> tuple[str, dict[str, str]]:
    """One document asking `template` once for each value, as aliases a0, a1, ..."""
    definitions = ", ".join(f"$v{index}: {definition}" for index in range(len(values)))
    fields = " ".join(f"a{index}: {template.format(f'$v{index}')}" for index in range(len(values)))
    return f"query({definitions}) {{ {fields} }}", {f"v{index}": value for index, value in enumerate(values)}


def probe_answers(served: Served, who: Caller, state: Snapshot) -> Iterator[Any]:
    """The answers to every way of asking for ideas: lists, counts, search, IDs, entities, owners'
    profiles, teams and the caller's own."""
    private = state.private_ideas()
    for chunk in _chunks(private, 100):
        ids = [to_global_id("Idea", key) for key in chunk]
        variables = {"private": ids, "representations": [{"__typename": "Idea", "id": i} for i in ids]}
        yield served.post(who, {"query": PROBE, "variables": variables})
    owners = sorted({to_global_id("Profile", state.ideas[key].owner_id) for key in private})
    for chunk in _chunks(owners, ALIASES):
        document, variables = _aliased(
            "profile(id: {}) {{ ideas(first: 100) {{ nodes {{ id }} }} }}", chunk, "ID!"
        )
        yield served.post(who, {"query": document, "variables": variables})
    words = sorted({state.ideas[key].title.split()[0] for key in private})
    for chunk in _chunks(words, ALIASES):
        document, variables = _aliased(
            "ideas(first: 100, filter: {{search: {}}}) {{ nodes {{ id }} }}", chunk, "String!"
        )
        yield served.post(who, {"query": document, "variables": variables})
    for chunk in _chunks([to_global_id("Idea", key) for key in private], ALIASES):
        document, variables = _aliased("idea(id: {}) {{ id team {{ id }} }}", chunk, "ID!")
        yield served.post(who, {"query": document, "variables": variables})


def assert_no_caller_sees_what_they_may_not(served: Served, callers: Sequence[Caller]) -> None:
    """Through every way of asking, each caller meets only ideas and teams they may see, and the
    counts hold exactly what they may see."""
    state = served.snapshot()
    for who in callers:
        if who.is_admin:
            continue
        for response in probe_answers(served, who, state):
            body = answered_cleanly(response, who)
            assert_shows_only_what_it_may(who, body, state)
            data = body.get("data") or {}
            if data.get("all") is not None:
                counted = (data["all"]["totalCount"], data["drafts"]["totalCount"])
                visible = (len(state.visible_ideas(who)), len(state.visible_ideas(who, IdeaStatus.DRAFT)))
                assert counted == visible, f"{who.name} counts {counted} ideas and drafts, may see {visible}"


@dataclass(frozen=True)
class Cast:
    """The members the fuzz tests act as, and the global IDs of what concerns them: generated IDs
    are drawn from these (and from garbage), so generated mutations find something to change."""

    members: tuple[Caller, ...]
    ids: tuple[str, ...]

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(f"<{len(self.members)} members, {len(self.ids)} IDs>")

    @property
    def everyone(self) -> tuple[Caller, ...]:
        return (*self.members, *STRANGERS)


NEW_KEYS = 5
"""Keys past the last row of each table, for what the run itself creates."""


def cast_of(served: Served, pending: int) -> Cast:
    """The senders and recipients of the first `pending` pending invitations and the teams of their
    ideas, with the IDs of their ideas, teams, invitations, submissions and log entries, of some
    strangers' drafts, and of what the run will create."""
    invites = served.rows(
        select(col(Invite.sender_id), col(Invite.recipient_id), col(Invite.idea_id))
        .where(col(Invite.status) == InviteStatus.PENDING)
        .order_by(col(Invite.id))
        .limit(pending)
    )
    state = served.snapshot()
    people = {invite.sender_id for invite in invites} | {invite.recipient_id for invite in invites}
    ideas = {invite.idea_id for invite in invites} | {
        key for key, idea in state.ideas.items() if idea.owner_id in people
    }
    teams = {team for team, idea in state.teams.items() if idea in ideas}
    people |= {member.profile_id for team in teams for member in state.members[team] if member.profile_id}
    ideas |= set(state.private_ideas()[:10])
    keyed = {
        "Profile": people,
        "Idea": ideas,
        "Team": teams,
        "Invite": _keys(
            served, Invite, (col(Invite.sender_id).in_(people)) | col(Invite.recipient_id).in_(people)
        ),
        "Submission": _keys(served, Submission, col(Submission.team_id).in_(teams)),
        "ProgressUpdate": _keys(served, ProgressUpdate, col(ProgressUpdate.team_id).in_(teams)),
        "Membership": _keys(served, Membership, col(Membership.team_id).in_(teams)),
        "ContestRound": _keys(served, ContestRound, None),
        "Skill": _keys(served, Skill, col(Skill.id) <= 3),
    }
    subjects = {key: subject for subject, key in state.profiles.items()}
    return Cast(
        members=tuple(Caller(f"member {key}", subjects[key]) for key in sorted(people)),
        ids=tuple(
            to_global_id(type_name, key)
            for type_name, keys in keyed.items()
            for key in sorted(keys | _new_keys(served, type_name))
        ),
    )


@dataclass
class Casting:
    """Hands each run of the team life members no earlier run touched: those of a team of three and
    of a team of four whose ideas are published, and three in no team, so some can still join and
    some must be refused."""

    served: Served
    teams: set[int] = field(default_factory=set)
    people: list[Caller] = field(default_factory=list)
    """Everyone cast so far."""

    def next_cast(self) -> tuple[Caller, ...]:
        state = self.served.snapshot()
        taken = {state.profile_of(who) for who in self.people}
        seated = {
            team: [member.profile_id for member in members if member.profile_id is not None]
            for team, members in state.members.items()
        }
        fresh = [
            team
            for team, idea in sorted(state.teams.items())
            if state.ideas[idea].status is IdeaStatus.PUBLISHED
            and state.ideas[idea].hidden_at is None
            and team not in self.teams
            and not taken.intersection(seated[team])
        ]
        three = next(team for team in fresh if len(seated[team]) == MAX_TEAM_SIZE - 1)
        four = next(team for team in fresh if len(seated[team]) == MAX_TEAM_SIZE)
        loners = sorted(
            set(state.profiles.values()) - taken - {key for keys in seated.values() for key in keys}
        )
        subjects = {key: subject for subject, key in state.profiles.items()}
        cast = tuple(
            Caller(f"member {key}", subjects[key]) for key in [*seated[three], *seated[four], *loners[:3]]
        )
        self.teams |= {three, four}
        self.people += cast
        return cast


MODELS = {"Idea": Idea, "Team": Team, "Profile": Profile, "Invite": Invite, "Submission": Submission}


def _keys(served: Served, model: Any, condition: Any) -> set[int]:
    statement = select(col(model.id))
    return {row.id for row in served.rows(statement if condition is None else statement.where(condition))}


def _new_keys(served: Served, type_name: str) -> set[int]:
    if type_name not in MODELS:
        return set()
    last = served.rows(select(func.coalesce(func.max(MODELS[type_name].id), 0).label("last")))[0].last
    return set(range(last + 1, last + 1 + NEW_KEYS))


# Strategies for what the schema names but cannot describe.

SLUGS = tuple(slug for slug, *_ in SKILLS) + tuple(slug for slug, *_ in TOPICS)
TEXT = st.one_of(
    st.text(st.characters(min_codepoint=1, exclude_categories=["Cs"]), max_size=40),
    st.sampled_from(SLUGS),
    st.integers(min_value=1, max_value=400).map(to_cursor),
    st.sampled_from(["", " ", "x" * 281, "x" * 20_001]),
)
"""Strings: anything, the taxonomy's slugs (so ideas and skills can be created), cursors, and text
just past the limits of a teaser and a description. No NUL character: one in a literal refuses
the whole document, so documents carry none and variables carry them (`ANY_TEXT`)."""
ANY_TEXT = TEXT | st.text(max_size=10).map(lambda text: f"{text}\x00")
PAGE_SIZES = st.one_of(
    st.integers(min_value=-1, max_value=101), st.integers(min_value=-(2**31), max_value=2**31 - 1)
)
"""Mostly around the page sizes allowed, so lists are read rather than refused."""
MOMENTS = st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat())


def _string(value: str) -> StringValueNode:
    return StringValueNode(value=value)


def _integer(value: int) -> IntValueNode:
    return IntValueNode(value=str(value))


def _representation(reference: Mapping[str, str]) -> ObjectValueNode:
    return ObjectValueNode(
        fields=tuple(
            ObjectFieldNode(name=NameNode(value=name), value=StringValueNode(value=value))
            for name, value in reference.items()
        )
    )


NOT_IDS = ("", "not-an-id", "42", to_cursor(1), to_global_id("Idea", 2**31), "SWRlYTp4", "SWRlYTox\n")
"""A cursor, a key too large for the database, a base64 of 'Idea:x', a valid ID with a newline."""
ENTITIES = frozenset({"ContestRound", "Idea", "Profile", "Skill", "Submission", "Team"})


def ids_of(cast: Cast) -> st.SearchStrategy[str]:
    return st.sampled_from(cast.ids + NOT_IDS)


def references_of(cast: Cast) -> st.SearchStrategy[dict[str, str]]:
    """What a router sends `_entities`: mostly an entity of the cast's by its own type, now and then
    a type this subgraph does not own, an ID of another type, or no ID."""
    typed = [(from_global_id(key, "id")[0], key) for key in cast.ids]
    odd = [("Invite", cast.ids[0]), ("Profile", to_global_id("Idea", 1)), ("Idea", "not-an-id")]
    pairs = [(type_name, key) for type_name, key in typed if type_name in ENTITIES] + odd
    return st.sampled_from(pairs).map(lambda pair: {"__typename": pair[0], "id": pair[1]})


def literals(cast: Cast) -> dict[str, st.SearchStrategy[ValueNode]]:
    """Literals hypothesis-graphql writes into documents: IDs mostly of the cast's objects, strings
    and page sizes that sometimes mean something, times, and the representations `_entities` takes."""
    return {
        "ID": ids_of(cast).map(_string),
        "Int": PAGE_SIZES.map(_integer),
        "String": TEXT.map(_string),
        "DateTime": MOMENTS.map(_string),
        "_Any": references_of(cast).map(_representation),
    }


LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    ANY_TEXT,
    st.just("x" * 300_000),
)
"""Every kind of JSON value, including numbers past every range, NaN and the infinities, and a
string longer than the largest request body."""
JUNK = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@dataclass(frozen=True)
class Operation:
    """A root field asked for with every argument as a variable, the way clients write them."""

    name: str
    document: str
    arguments: Mapping[str, GraphQLArgument]


def operations(schema: GraphQLSchema) -> list[Operation]:
    """Every query and mutation that takes arguments."""
    found = []
    for keyword, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        for name, root_field in root.fields.items():
            if not root_field.args:
                continue
            definitions = ", ".join(f"${argument}: {spec.type}" for argument, spec in root_field.args.items())
            arguments = ", ".join(f"{argument}: ${argument}" for argument in root_field.args)
            selection = " { __typename }" if is_composite_type(get_named_type(root_field.type)) else ""
            document = f"{keyword} {name.title()}({definitions}) {{ {name}({arguments}){selection} }}"
            found.append(Operation(name, document, root_field.args))
    return found


def variables_for(operation: Operation, cast: Cast) -> st.SearchStrategy[dict[str, Any]]:
    """Each argument left out, well typed, or any JSON at all, at every depth of its input; plus
    variables nobody declared."""
    declared = st.fixed_dictionaries(
        {}, optional={name: _value(argument.type, cast) for name, argument in operation.arguments.items()}
    )
    extra = st.dictionaries(st.text(max_size=8).map(lambda name: f"extra{name}"), JUNK, max_size=2)
    return st.builds(lambda values, more: {**more, **values}, declared, extra)


def _value(type_: GraphQLInputType, cast: Cast) -> st.SearchStrategy[Any]:
    return st.one_of(_typed(type_, cast), JUNK)


def _typed(type_: GraphQLInputType, cast: Cast) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return _typed(type_.of_type, cast)
    return st.none() | _shaped(type_, cast)


def _shaped(type_: GraphQLInputType, cast: Cast) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(_value(type_.of_type, cast), max_size=4) | _value(type_.of_type, cast)
    if isinstance(type_, GraphQLInputObjectType):
        fields = {name: _value(spec.type, cast) for name, spec in type_.fields.items()}
        required = {name for name, spec in type_.fields.items() if is_required_input_field(spec)}
        return st.fixed_dictionaries(
            {name: value for name, value in fields.items() if name in required},
            optional={name: value for name, value in fields.items() if name not in required},
        )
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from(list(type_.values))
    assert isinstance(type_, GraphQLScalarType), type_
    return _scalar(type_.name, cast)


def _scalar(name: str, cast: Cast) -> st.SearchStrategy[Any]:
    return {
        "Int": PAGE_SIZES | st.integers(),
        "Float": st.floats(),
        "String": ANY_TEXT,
        "Boolean": st.booleans(),
        "ID": ids_of(cast),
        "DateTime": MOMENTS,
        "_Any": references_of(cast),
    }.get(name, JUNK)

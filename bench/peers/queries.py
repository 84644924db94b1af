"""The three queries as each server is asked them, their variables, and the canonical form of an answer.

PostGraphile gets its own documents, aliased to this service's field names, so that one canonical form
(integer keys from either kind of global ID, aware datetimes, connections as lists) compares all three.
It pages with its own cursors, as this service does: with `offset`, PostgreSQL would build the owner,
skills and team of every skipped idea too, and page 49 would cost PostGraphile fifty pages of work."""

import base64
import binascii
import itertools
import json
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bench.peers.documents import IDEA_LIST, IDEA_PAGE, PROFILE_PAGE
from resolvers.ids import to_cursor, to_global_id

VISIBLE = "status = 'PUBLISHED' AND hidden_at IS NULL"
"""What a plain member and an anonymous viewer both see of the ideas."""
PG_VISIBLE = 'condition: {status: "PUBLISHED", hiddenAt: null}'

PG_IDEA_PAGE = f"""query IdeaPage($after: Cursor) {{
  ideas: allIdeas(first: 20, after: $after, orderBy: ROW_ID_DESC, {PG_VISIBLE}) {{
    nodes {{
      id title teaser publishedAt
      owner: profileByOwnerId {{
        id displayName sector
        skills: profileSkillsByProfileId(orderBy: SKILL_NAME_ASC) {{
          nodes {{ direction level skill: skillBySkillId {{ name }} }}
        }}
      }}
      team: teamByIdeaId {{
        name
        members: membershipsByTeamId(orderBy: [ROLE_ASC, ROW_ID_ASC]) {{
          nodes {{ role profile: profileByProfileId {{ id displayName }} }}
        }}
      }}
    }}
  }}
}}"""

PG_PROFILE_PAGE = f"""query ProfilePage($rowId: Int!) {{
  node: profileByRowId(rowId: $rowId) {{
    id kind displayName organisationName sector region createdAt
    skills: profileSkillsByProfileId(orderBy: SKILL_NAME_ASC) {{
      nodes {{ direction level skill: skillBySkillId {{ slug name category }} }}
    }}
    ideas: ideasByOwnerId(first: 10, orderBy: ROW_ID_DESC, {PG_VISIBLE}) {{
      totalCount nodes {{ id title teaser status publishedAt }}
    }}
  }}
}}"""

PG_IDEA_LIST = f"""query IdeaList($after: Cursor) {{
  ideas: allIdeas(first: 500, after: $after, orderBy: ROW_ID_DESC, {PG_VISIBLE}) {{
    nodes {{ id title teaser createdAt }}
  }}
}}"""

PG_CURSORS = f"""query Cursors($first: Int!) {{
  allIdeas(first: $first, orderBy: ROW_ID_DESC, {PG_VISIBLE}) {{ edges {{ cursor node {{ rowId }} }} }}
}}"""
"""PostGraphile's cursor of each visible idea, newest first: they are its own, opaque to clients."""

BODIES = 300
CHECKED = 20
TIMESTAMPS = frozenset({"publishedAt", "createdAt"})


@dataclass(frozen=True)
class Variables:
    """One request's variables: this service's (the floor takes the same) and PostGraphile's."""

    ours: dict[str, Any]
    peer: dict[str, Any]


@dataclass(frozen=True)
class Query:
    name: str
    document: str
    peer_document: str
    member: bool
    """Sent with a member's token, to every server alike."""
    checked: list[Variables]
    """Compared across the servers before any load."""
    load: list[Variables]
    """Cycled through by the load generator."""
    nodes: int | None
    """How many ideas every answer must list; None for the profile page, whose node must exist."""

    def body(self, variables: Variables, peer: bool) -> str:
        document, values = (self.peer_document, variables.peer) if peer else (self.document, variables.ours)
        return json.dumps({"query": document, "operationName": self.name, "variables": values})


def pages(ideas: list[int], peer_cursors: list[str], size: int, count: int) -> list[Variables]:
    """Page k follows the last idea of page k-1, newest first, in either server's cursors."""
    return [
        Variables(
            {"after": to_cursor(ideas[size * k - 1]) if k else None},
            {"after": peer_cursors[size * k - 1] if k else None},
        )
        for k in range(count)
    ]


def build(
    visible_ideas: list[int], peer_cursors: list[str], profiles: list[int], seed: int = 2026
) -> list[Query]:
    """The queries with their variables, drawn from `seed`: `visible_ideas` newest first, and
    `peer_cursors` PostGraphile's cursors of the same ideas."""
    rng = random.Random(seed)
    idea_pages = pages(visible_ideas, peer_cursors, 20, 50)
    people = [
        Variables({"id": to_global_id("Profile", key)}, {"rowId": key}) for key in rng.sample(profiles, 200)
    ]
    idea_lists = pages(visible_ideas, peer_cursors, 500, 20)

    def query(name: str, document: str, peer_document: str, pool: list[Variables], **rest: Any) -> Query:
        checked = [pool[0], *rng.sample(pool[1:], min(CHECKED, len(pool)) - 1)]
        return Query(name, document, peer_document, checked=checked, load=rng.choices(pool, k=BODIES), **rest)

    return [
        query("IdeaPage", IDEA_PAGE, PG_IDEA_PAGE, idea_pages, member=True, nodes=20),
        query("ProfilePage", PROFILE_PAGE, PG_PROFILE_PAGE, people, member=False, nodes=None),
        query("IdeaList", IDEA_LIST, PG_IDEA_LIST, idea_lists, member=False, nodes=500),
    ]


def key_of(global_id: str) -> tuple[str, int]:
    """The type and key of either server's global ID: base64 "Idea:42" here, '["Idea",42]' in PostGraphile."""
    try:
        text = base64.b64decode(global_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("?", -1)
    if text.startswith("["):
        type_name, key = json.loads(text)
        return type_name, key
    type_name, _, key = text.partition(":")
    return type_name, int(key) if key.isdigit() else -1


def canonical(value: Any, key: str = "") -> Any:
    """Plain values both kinds of server agree on: connections as their lists of nodes, IDs as (type, key),
    timestamps as aware datetimes, skills grouped by name (the order within a name is not specified)."""
    if isinstance(value, dict):
        if value.keys() == {"nodes"}:
            return canonical(value["nodes"], key)
        return {name: canonical(item, name) for name, item in value.items()}
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        if key == "skills":
            by_name = itertools.groupby(items, key=lambda claim: claim["skill"]["name"])
            return [(name, sorted(claims, key=json.dumps)) for name, claims in by_name]
        return items
    if key == "id" and isinstance(value, str):
        return key_of(value)
    if key in TIMESTAMPS and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def first_difference(ours: Any, theirs: Any, path: str = "data") -> str | None:
    """The path of the first place where two canonical answers differ, with both values."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for name in [*ours, *(name for name in theirs if name not in ours)]:
            found = first_difference(ours.get(name), theirs.get(name), f"{path}.{name}")
            if found:
                return found
        return None
    if isinstance(ours, list | tuple) and isinstance(theirs, list | tuple):
        if len(ours) != len(theirs):
            return f"{path}: {len(ours)} items here, {len(theirs)} there"
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            found = first_difference(mine, other, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if ours == theirs else f"{path}: {ours!r} here, {theirs!r} there"


def emptiness(query: Query, answer: dict[str, Any]) -> str | None:
    """Why a canonical answer is too empty to measure anything, if it is."""
    if query.nodes is None:
        return None if answer.get("node") else "no profile"
    ideas = answer.get("ideas") or []
    return None if len(ideas) == query.nodes else f"{len(ideas)} ideas instead of {query.nodes}"

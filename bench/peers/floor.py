"""The benchmark's floor: the three peer queries answered by hand, as fast as Python serves them.

No GraphQL, no ORM, no loaders: one prepared SQL statement per request builds the whole answer as JSON
inside PostgreSQL (rows turned into JSON, with the service's global IDs and timestamp format), and
the text passes through asyncpg as raw bytes into a raw ASGI response. Whatever a peer adds on top of
this is the price of its machinery. The answers equal this service's for the same documents.

    python -m bench.peers.floor --port 8791 --database-url postgresql://postgres@127.0.0.1:5432/cip_peers
"""

import argparse
import base64
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
import uvicorn

MAX_KEY = 2**31 - 1
BELOW_ALL = 2**31
"""The bound for "no cursor yet": every integer key is below it."""
VISIBLE = "i.status = 'PUBLISHED' AND i.hidden_at IS NULL"


def global_id(type_name: str, key: str) -> str:
    """base64("<Type>:<key>"), as resolvers/ids.py encodes it (short enough for one base64 line)."""
    return f"encode(convert_to('{type_name}:' || {key}, 'UTF8'), 'base64')"


def iso(column: str) -> str:
    """datetime.astimezone(UTC).isoformat(): microseconds only when there are any; NULL stays NULL."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, CASE WHEN date_trunc('second', {utc}) = {utc} "
        """THEN 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"' END)"""
    )


def skill_claims(profile: str, *fields: str) -> str:
    """A profile's skill claims by skill name, each with the given fields of its skill."""
    return f"""(SELECT coalesce(json_agg(claim ORDER BY s.name, ps.direction), '[]')
        FROM profile_skill ps JOIN skill s ON s.id = ps.skill_id
        CROSS JOIN LATERAL (SELECT {", ".join(f"s.{field}" for field in fields)}) skill
        CROSS JOIN LATERAL (SELECT ps.direction, ps.level, skill) claim
        WHERE ps.profile_id = {profile})"""


# Each JSON object is a row built by a LATERAL subquery whose column aliases are the keys, in order:
# json_agg and row_to_json write such rows compactly, cheaper than json_build_object.
IDEA_PAGE = f"""
SELECT coalesce(json_agg(node ORDER BY i.id DESC), '[]')
FROM (SELECT * FROM idea i WHERE {VISIBLE} AND i.id < $1::bigint ORDER BY i.id DESC LIMIT 20) i
JOIN profile p ON p.id = i.owner_id
CROSS JOIN LATERAL (SELECT {global_id("Profile", "p.id")} AS id, p.display_name AS "displayName", p.sector,
    {skill_claims("p.id", "name")} AS skills) owner
LEFT JOIN LATERAL (SELECT t.name, (
    SELECT coalesce(json_agg(member ORDER BY m.role, m.id), '[]')
    FROM membership m LEFT JOIN profile mp ON mp.id = m.profile_id
    CROSS JOIN LATERAL (SELECT {global_id("Profile", "mp.id")} AS id, mp.display_name AS "displayName") person
    CROSS JOIN LATERAL (SELECT m.role, CASE WHEN mp.id IS NULL THEN NULL ELSE person END AS profile) member
    WHERE m.team_id = t.id) AS members
    FROM team t WHERE t.idea_id = i.id) team ON true
CROSS JOIN LATERAL (SELECT {global_id("Idea", "i.id")} AS id, i.title, i.teaser,
    {iso("i.published_at")} AS "publishedAt", owner, team) node"""

PROFILE_PAGE = f"""
SELECT row_to_json(node)
FROM profile p
CROSS JOIN LATERAL (SELECT
    (SELECT count(*) FROM idea i WHERE i.owner_id = p.id AND {VISIBLE}) AS "totalCount",
    (SELECT coalesce(json_agg(idea ORDER BY i.id DESC), '[]')
        FROM (SELECT * FROM idea i WHERE i.owner_id = p.id AND {VISIBLE} ORDER BY i.id DESC LIMIT 10) i
        CROSS JOIN LATERAL (SELECT {global_id("Idea", "i.id")} AS id, i.title, i.teaser, i.status,
            {iso("i.published_at")} AS "publishedAt") idea) AS nodes) ideas
CROSS JOIN LATERAL (SELECT {global_id("Profile", "p.id")} AS id, p.kind, p.display_name AS "displayName",
    p.organisation_name AS "organisationName", p.sector, p.region, {iso("p.created_at")} AS "createdAt",
    {skill_claims("p.id", "slug", "name", "category")} AS skills, ideas) node
WHERE p.id = $1"""

IDEA_LIST = f"""
SELECT coalesce(json_agg(node ORDER BY i.id DESC), '[]')
FROM (SELECT * FROM idea i WHERE {VISIBLE} AND i.id < $1::bigint ORDER BY i.id DESC LIMIT 500) i
CROSS JOIN LATERAL (SELECT {global_id("Idea", "i.id")} AS id, i.title, i.teaser,
    {iso("i.created_at")} AS "createdAt") node"""


class BadRequest(Exception):
    pass


def key_of(value: Any, prefix: str) -> int:
    """The key of base64("<prefix>:<key>"), as strict as resolvers/ids.py."""
    try:
        name, _, key = base64.b64decode(value, validate=True).decode().partition(":")
        canonical = key.isdigit() and base64.b64encode(f"{prefix}:{int(key)}".encode()).decode() == value
        if name == prefix and canonical and int(key) <= MAX_KEY:
            return int(key)
    except (TypeError, ValueError):
        pass
    raise BadRequest(f"Not a {prefix} ID: {value!r}.")


def after(variables: dict[str, Any]) -> int:
    cursor = variables.get("after")
    return BELOW_ALL if cursor is None else key_of(cursor, "cursor")


class Floor:
    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.pool: asyncpg.Pool | None = None
        self.operations: dict[str, Callable[[dict[str, Any]], Awaitable[bytes]]] = {
            "IdeaPage": self.idea_page,
            "ProfilePage": self.profile_page,
            "IdeaList": self.idea_list,
        }

    async def fetch(self, statement: str, argument: int) -> bytes | None:
        """The statement's one value; asyncpg prepares each statement once per connection and caches it."""
        assert self.pool is not None
        result: bytes | None = await self.pool.fetchval(statement, argument)
        return result

    async def idea_page(self, variables: dict[str, Any]) -> bytes:
        return b'{"data":{"ideas":{"nodes":%s}}}' % await self.fetch(IDEA_PAGE, after(variables))

    async def profile_page(self, variables: dict[str, Any]) -> bytes:
        node = await self.fetch(PROFILE_PAGE, key_of(variables.get("id"), "Profile"))
        return b'{"data":{"node":%s}}' % (node or b"null")

    async def idea_list(self, variables: dict[str, Any]) -> bytes:
        return b'{"data":{"ideas":{"nodes":%s}}}' % await self.fetch(IDEA_LIST, after(variables))

    async def answer(self, body: bytes) -> tuple[int, bytes]:
        try:
            request = orjson.loads(body)
            variables = (request.get("variables") or {}) if isinstance(request, dict) else None
            if not isinstance(variables, dict):
                raise BadRequest("Expected a JSON object with an object of variables.")
            operation = self.operations.get(request.get("operationName"))
            if operation is None:
                raise BadRequest(f"Unknown operation: {request.get('operationName')!r}.")
            return 200, await operation(variables)
        except (BadRequest, orjson.JSONDecodeError) as error:
            return 400, orjson.dumps({"errors": [{"message": str(error)}]})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self.lifespan(receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if scope["method"] == "POST" and scope["path"] == "/graphql":
            status, payload = await self.answer(body)
        else:
            status, payload = 404, b'{"errors":[{"message":"POST /graphql only."}]}'
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(payload))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.pool = await asyncpg.create_pool(
                    self.database_url, min_size=10, max_size=10, init=raw_json
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.pool is not None:
                    await self.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def raw_json(connection: asyncpg.Connection) -> None:
    """json values arrive as the UTF-8 bytes PostgreSQL sent: no decoding, no re-encoding."""
    await connection.set_type_codec(
        "json", schema="pg_catalog", encoder=bytes, decoder=bytes, format="binary"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--database-url", required=True)
    arguments = parser.parse_args()
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        loop = "asyncio"
    uvicorn.run(
        Floor(arguments.database_url),
        host=arguments.host,
        port=arguments.port,
        loop=loop,
        http="httptools",
        lifespan="on",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()

"""The WebSocket protocols and Server-Sent Events: signing in, refusals, and bad input that leaves
the connection and the server serving."""

import asyncio
import json
from datetime import timedelta
from typing import Any

from app.auth import mint_token
from resolvers.ids import to_global_id
from tests.conftest import TEST_SETTINGS
from tests.live import LEGACY_WS, LiveServer, bearer
from tests.test_live_invites import INVITE_EVENTS, SEND, STRANGER, TEAM, TEAM_EVENTS
from tests.world import subject

FORBIDDEN = (4403, "Forbidden")
PLAIN = "subscription { inviteEvents { kind } }"
RECEIVED = {"data": {"inviteEvents": {"kind": "INVITE_RECEIVED"}}}


async def _invite_the_stranger(live: LiveServer) -> None:
    body = await live.client("partner").data(SEND, {"to": STRANGER})
    assert body["sendInvite"]["errors"] == []


async def test_a_connection_without_a_token_is_closed_as_forbidden(live: LiveServer):
    async with live.socket() as socket:
        await socket.send({"type": "connection_init", "payload": {}})

        assert await socket.closed_with() == FORBIDDEN


async def test_a_connection_with_a_bad_token_is_closed_as_forbidden(live: LiveServer):
    async with live.socket() as socket:
        await socket.send({"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}})

        assert await socket.closed_with() == FORBIDDEN


async def test_a_connection_with_an_expired_token_is_closed_as_forbidden(live: LiveServer):
    token = mint_token(TEST_SETTINGS, subject("stranger"), ttl=timedelta(hours=-1))
    async with live.socket() as socket:
        await socket.send({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})

        assert await socket.closed_with() == FORBIDDEN


async def test_a_token_that_is_not_a_string_is_closed_as_forbidden(live: LiveServer):
    async with live.socket() as socket:
        await socket.send({"type": "connection_init", "payload": {"Authorization": ["Bearer", "x"]}})

        assert await socket.closed_with() == FORBIDDEN


async def test_the_token_may_come_in_the_upgrade_requests_header(live: LiveServer):
    async with live.socket(headers={"Authorization": bearer("stranger")}) as stranger:
        assert (await stranger.init())["type"] == "connection_ack"
        await stranger.subscribe("1", PLAIN)
        await _invite_the_stranger(live)

        assert await stranger.next("1") == RECEIVED


async def test_subscribing_before_connection_init_is_refused(live: LiveServer):
    async with live.socket() as socket:
        await socket.subscribe("1", PLAIN)

        assert await socket.closed_with() == (4401, "Unauthorized")


async def test_the_legacy_protocol_signs_in_through_the_same_check(live: LiveServer):
    async with live.socket(LEGACY_WS) as stranger:
        assert await stranger.init({"Authorization": bearer("stranger")}) == {"type": "connection_ack"}
        await stranger.send({"id": "1", "type": "start", "payload": {"query": PLAIN}})
        await asyncio.sleep(0.1)
        await _invite_the_stranger(live)

        assert await stranger.receive() == {"type": "data", "id": "1", "payload": RECEIVED}


async def test_the_legacy_protocol_refuses_a_bad_token(live: LiveServer):
    async with live.socket(LEGACY_WS) as socket:
        refusal = await socket.init({"Authorization": "Bearer not-a-token"})

        assert refusal["type"] == "connection_error"
        assert refusal["payload"]["code"] == "UNAUTHENTICATED"
        assert (await socket.closed_with())[0] is not None


async def test_the_legacy_protocol_cannot_skip_connection_init(live: LiveServer):
    """CVE-2026-35523: Strawberry before 0.312.3 ran `start` without `connection_init`."""
    async with live.socket(LEGACY_WS) as socket:
        await socket.send({"id": "1", "type": "start", "payload": {"query": PLAIN}})
        await _invite_the_stranger(live)

        assert await socket.closed_with() == (4401, "Unauthorized")
    assert live.hub.subscriber_count == 0


async def _refusal(live: LiveServer, name: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    async with live.signed_in(name) as socket:
        await socket.subscribe("1", query, variables)
        message = await socket.receive()
    assert message["type"] == "error", message
    error: dict[str, Any] = message["payload"][0]
    return error


async def test_following_a_team_one_is_not_in_is_forbidden(live: LiveServer):
    error = await _refusal(live, "stranger", TEAM_EVENTS, {"team": TEAM})

    assert error["extensions"] == {"code": "FORBIDDEN"}


async def test_following_an_unknown_team_is_not_found(live: LiveServer):
    error = await _refusal(live, "owner", TEAM_EVENTS, {"team": to_global_id("Team", 99)})

    assert error["extensions"] == {"code": "NOT_FOUND"}


async def test_a_team_id_of_another_type_is_bad_input(live: LiveServer):
    error = await _refusal(live, "owner", TEAM_EVENTS, {"team": to_global_id("Idea", 1)})

    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "teamId"}


async def test_a_member_without_a_profile_may_not_subscribe(live: LiveServer):
    error = await _refusal(live, "newcomer", INVITE_EVENTS, {})

    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert "createProfile" in error["message"]


async def test_a_refused_subscription_leaves_the_connection_working(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        await stranger.subscribe("1", TEAM_EVENTS, {"team": TEAM})
        assert (await stranger.receive())["type"] == "error"
        await stranger.subscribe("2", PLAIN)
        await _invite_the_stranger(live)

        assert await stranger.next("2") == RECEIVED


async def test_a_second_subscription_with_an_id_in_use_closes_4409(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        await stranger.subscribe("1", PLAIN)
        await stranger.subscribe("1", PLAIN)

        assert await stranger.closed_with() == (4409, "Subscriber for 1 already exists")
    assert live.hub.subscriber_count == 0


async def test_a_malformed_message_closes_only_its_own_connection(live: LiveServer):
    async with live.signed_in("stranger") as stranger, live.signed_in("owner") as owner:
        await stranger.subscribe("1", PLAIN)
        await owner.connection.send("{not json")

        assert await owner.closed_with() == (4400, "WebSocket message must be valid JSON")
        await _invite_the_stranger(live)
        assert await stranger.next("1") == RECEIVED


async def test_more_subscriptions_than_a_connection_may_hold_are_refused(live: LiveServer):
    limit = TEST_SETTINGS.max_subscriptions_per_connection
    async with live.signed_in("stranger") as stranger:
        for number in range(limit + 1):
            await stranger.subscribe(str(number), PLAIN)

        refusal = await stranger.receive()
        await _invite_the_stranger(live)
        delivered = [await stranger.receive() for _ in range(limit)]

    assert refusal == {
        "id": str(limit),
        "type": "error",
        "payload": [{"message": "Subscription limit reached"}],
    }
    assert sorted(int(message["id"]) for message in delivered) == list(range(limit))


async def test_an_expired_sign_in_ends_the_subscription_at_the_next_event(live: LiveServer):
    """The token passes with the allowed 30 s of clock skew and runs out a second later."""
    token = mint_token(TEST_SETTINGS, subject("stranger"), ttl=timedelta(seconds=-29))
    async with live.socket() as stranger:
        assert (await stranger.init({"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
        await stranger.subscribe("1", PLAIN)
        await asyncio.sleep(1.2)
        await _invite_the_stranger(live)

        ended = await stranger.next("1")
        completed = await stranger.receive()

    assert ended["data"] is None
    assert ended["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}
    assert completed == {"id": "1", "type": "complete"}


async def _server_sent_events(live: LiveServer, headers: dict[str, str], events: int) -> list[dict[str, Any]]:
    received: list[dict[str, Any]] = []
    async with live.http.stream(
        "POST",
        "/graphql",
        json={"query": PLAIN},
        headers={"Accept": "text/event-stream", **headers},
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for line in response.aiter_lines():
            if line.startswith("data: ") and line != "data: ":
                received.append(json.loads(line.removeprefix("data: ")))
                if len(received) == events:
                    break
    return received


async def test_server_sent_events_carry_the_same_events(live: LiveServer):
    listening = asyncio.create_task(_server_sent_events(live, {"Authorization": bearer("stranger")}, 1))
    await asyncio.sleep(0.3)
    await _invite_the_stranger(live)

    assert await asyncio.wait_for(listening, 5) == [RECEIVED]


async def test_server_sent_events_refuse_anonymous_subscribers(live: LiveServer):
    (refusal,) = await _server_sent_events(live, {}, 1)

    assert refusal["data"] is None
    assert refusal["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED"}


async def test_a_subscription_posted_as_plain_json_is_refused(live: LiveServer):
    response = await live.http.post(
        "/graphql", json={"query": PLAIN}, headers={"Authorization": bearer("stranger")}
    )

    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_REQUEST"}
    assert "text/event-stream" in error["message"]

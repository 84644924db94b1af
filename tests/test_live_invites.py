"""Live invitation and team events over real sockets: who hears what, and when."""

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from app.main import expire_invites_now
from models import Event as EventRow
from models import Invite, Submission
from resolvers.ids import to_global_id
from tests.live import LiveServer

STRANGER, INVITE, TEAM = to_global_id("Profile", 3), to_global_id("Invite", 1), to_global_id("Team", 1)
IDEA = to_global_id("Idea", 1)
INVITE_EVENTS = """subscription($since: DateTime) {
  inviteEvents(since: $since) {
    kind invite { status message sender { displayName } recipient { displayName } }
  }
}"""
TEAM_EVENTS = """subscription($team: ID!) {
  teamEvents(teamId: $team) {
    kind teamId member { displayName } progressUpdate { title } submission { status }
  }
}"""
SEND = f"""mutation($to: ID!, $message: String) {{
  sendInvite(input: {{recipientId: $to, ideaId: "{IDEA}", message: $message}}) {{
    invite {{ id }} errors {{ code }}
  }}
}}"""
RESPOND = "mutation($id: ID!, $yes: Boolean!) { respondToInvite(id: $id, accept: $yes) { errors { code } } }"
WITHDRAW = "mutation($id: ID!) { withdrawInvite(id: $id) { errors { code } } }"
POST = """mutation($team: ID!) {
  postProgressUpdate(input: {teamId: $team, title: "Prototype", body: "It runs.", outcome: ONGOING}) {
    errors { code }
  }
}"""
LEAVE = "mutation($team: ID!) { leaveTeam(id: $team) { errors { code } } }"


def invite_event(kind: str, status: str, message: str | None, sender: str, recipient: str) -> dict[str, Any]:
    return {
        "data": {
            "inviteEvents": {
                "kind": kind,
                "invite": {
                    "status": status,
                    "message": message,
                    "sender": {"displayName": sender},
                    "recipient": {"displayName": recipient},
                },
            }
        }
    }


async def _ok(payload: dict[str, Any]) -> None:
    (result,) = payload.values()
    assert result["errors"] == [], result


async def test_an_invitation_reaches_its_recipient_at_once(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        await stranger.subscribe("1", INVITE_EVENTS)
        await _ok(await live.client("partner").data(SEND, {"to": STRANGER, "message": "Mit uns?"}))

        event = await stranger.next("1")

    assert event == invite_event("INVITE_RECEIVED", "PENDING", "Mit uns?", "Partner", "Stranger")


async def test_the_sender_hears_that_their_invitation_was_accepted(live: LiveServer):
    async with live.signed_in("owner") as owner:
        await owner.subscribe("1", INVITE_EVENTS)
        await _ok(await live.client("stranger").data(RESPOND, {"id": INVITE, "yes": True}))

        event = await owner.next("1")

    assert event == invite_event("INVITE_ACCEPTED", "ACCEPTED", "Join us?", "Owner", "Stranger")


async def test_the_sender_hears_that_their_invitation_was_declined(live: LiveServer):
    async with live.signed_in("owner") as owner:
        await owner.subscribe("1", INVITE_EVENTS)
        await _ok(await live.client("stranger").data(RESPOND, {"id": INVITE, "yes": False}))

        event = await owner.next("1")

    assert event == invite_event("INVITE_DECLINED", "DECLINED", "Join us?", "Owner", "Stranger")


async def test_a_withdrawn_invitation_is_announced_to_sender_and_recipient(live: LiveServer):
    async with live.signed_in("owner") as owner, live.signed_in("stranger") as stranger:
        await owner.subscribe("1", INVITE_EVENTS)
        await stranger.subscribe("1", INVITE_EVENTS)
        await _ok(await live.client("owner").data(WITHDRAW, {"id": INVITE}))

        heard = [await owner.next("1"), await stranger.next("1")]

    assert heard == [invite_event("INVITE_WITHDRAWN", "WITHDRAWN", "Join us?", "Owner", "Stranger")] * 2


async def test_an_expired_invitation_is_announced_to_its_sender(live: LiveServer):
    async with live.database.engine.begin() as connection:
        await connection.execute(
            update(Invite).values(created_at=datetime.now(UTC) - timedelta(days=15)).where(Invite.id == 1)
        )
    async with live.signed_in("owner") as owner:
        await owner.subscribe("1", INVITE_EVENTS)

        assert await expire_invites_now(live.database, live.hub, timedelta(days=14)) == 1
        event = await owner.next("1")

    assert event == invite_event("INVITE_EXPIRED", "EXPIRED", "Join us?", "Owner", "Stranger")


async def test_nobody_hears_another_members_invitations(live: LiveServer):
    async with live.signed_in("owner") as owner:
        await owner.subscribe("1", INVITE_EVENTS)
        await _ok(await live.client("partner").data(SEND, {"to": STRANGER}))

        await owner.quiet()


async def test_a_refused_invitation_announces_nothing(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        await stranger.subscribe("1", INVITE_EVENTS)
        refused = await live.client("owner").data(SEND, {"to": STRANGER})

        assert refused["sendInvite"]["errors"] == [{"code": "CONFLICT"}]
        await stranger.quiet()


async def test_a_member_who_was_offline_catches_up_then_stays_live(live: LiveServer):
    before = datetime.now(UTC)
    await _ok(await live.client("partner").data(SEND, {"to": STRANGER, "message": "While you were away"}))
    async with live.signed_in("stranger") as stranger:
        await stranger.subscribe("1", INVITE_EVENTS, {"since": before.isoformat()})
        replayed = await stranger.next("1")
        await _ok(await live.client("owner").data(WITHDRAW, {"id": INVITE}))
        live_event = await stranger.next("1")
        await stranger.quiet()

    assert replayed == invite_event(
        "INVITE_RECEIVED", "PENDING", "While you were away", "Partner", "Stranger"
    )
    assert live_event == invite_event("INVITE_WITHDRAWN", "WITHDRAWN", "Join us?", "Owner", "Stranger")


async def test_events_are_kept_for_replay_with_what_they_are_about(live: LiveServer):
    await _ok(await live.client("partner").data(SEND, {"to": STRANGER}))

    rows = await live.database.fetch_all(select(EventRow.kind, EventRow.audience_id, EventRow.invite_id))

    assert [tuple(row) for row in rows] == [("INVITE_RECEIVED", 3, 2)]


async def test_since_in_the_future_is_refused_naming_the_argument(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        await stranger.subscribe("1", INVITE_EVENTS, {"since": tomorrow})

        refusal = await stranger.receive()

    assert refusal["type"] == "error"
    assert refusal["payload"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "since"}
    assert "future" in refusal["payload"][0]["message"]


async def test_since_beyond_the_replay_window_is_refused(live: LiveServer):
    async with live.signed_in("stranger") as stranger:
        long_ago = (datetime.now(UTC) - timedelta(days=31)).isoformat()
        await stranger.subscribe("1", INVITE_EVENTS, {"since": long_ago})

        refusal = await stranger.receive()

    assert refusal["type"] == "error"
    assert "30 days" in refusal["payload"][0]["message"]


async def test_team_members_hear_progress_as_it_is_posted(live: LiveServer):
    async with live.signed_in("owner") as owner:
        await owner.subscribe("1", TEAM_EVENTS, {"team": TEAM})
        await _ok(await live.client("partner").data(POST, {"team": TEAM}))

        event = await owner.next("1")

    assert event == {
        "data": {
            "teamEvents": {
                "kind": "PROGRESS_POSTED",
                "teamId": TEAM,
                "member": {"displayName": "Partner"},
                "progressUpdate": {"title": "Prototype"},
                "submission": None,
            }
        }
    }


async def test_the_team_hears_a_new_member_join(live: LiveServer):
    async with live.signed_in("partner") as partner:
        await partner.subscribe("1", TEAM_EVENTS, {"team": TEAM})
        await _ok(await live.client("stranger").data(RESPOND, {"id": INVITE, "yes": True}))

        event = await partner.next("1")

    assert event["data"]["teamEvents"]["kind"] == "MEMBER_JOINED"
    assert event["data"]["teamEvents"]["member"] == {"displayName": "Stranger"}


async def test_a_member_who_leaves_hears_it_and_their_stream_completes(live: LiveServer):
    async with live.signed_in("partner") as partner, live.signed_in("owner") as owner:
        await partner.subscribe("1", TEAM_EVENTS, {"team": TEAM})
        await owner.subscribe("1", TEAM_EVENTS, {"team": TEAM})
        await _ok(await live.client("partner").data(LEAVE, {"team": TEAM}))

        partner_heard = [await partner.next("1"), await partner.receive()]
        owner_heard = await owner.next("1")
        await owner.quiet()

    assert partner_heard[0]["data"]["teamEvents"]["member"] == {"displayName": "Partner"}
    assert partner_heard[1] == {"id": "1", "type": "complete"}
    assert owner_heard["data"]["teamEvents"]["kind"] == "MEMBER_LEFT"


async def test_the_last_member_hears_the_team_dissolve(live: LiveServer):
    """Without a submission, a team left with one member dissolves; its stream then completes."""
    async with live.database.engine.begin() as connection:
        await connection.execute(delete(Submission))
    async with live.signed_in("owner") as owner:
        await owner.subscribe("1", TEAM_EVENTS, {"team": TEAM})
        await _ok(await live.client("partner").data(LEAVE, {"team": TEAM}))

        heard = [await owner.next("1"), await owner.next("1"), await owner.receive()]

    assert [event["data"]["teamEvents"]["kind"] for event in heard[:2]] == ["MEMBER_LEFT", "TEAM_DISSOLVED"]
    assert heard[1]["data"]["teamEvents"]["teamId"] == TEAM
    assert heard[2] == {"id": "1", "type": "complete"}

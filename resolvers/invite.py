"""Invitations to join an idea's team: sending, answering and withdrawing them.

Accepting joins the idea's team, or forms it with the idea's owner as lead. The idea's row is
locked while members change, so two invitees accepting at once into a team of three end with
one new member and one TEAM_SIZE refusal."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from loaders.invite import INVITE_COLUMNS
from models import Invite, Membership, Profile, Team
from models.enums import MESSAGE_MAX_LENGTH, EventKind, IdeaStatus, InviteStatus, TeamRole
from resolvers.change import Change
from resolvers.errors import Checks, ErrorCode, reject
from resolvers.event import record_for_member, record_for_team
from resolvers.idea import visible_idea
from resolvers.policy import invites_visible
from resolvers.team import MAX_TEAM_SIZE, real_members

RATE_WINDOW = timedelta(hours=1)
CLOSING_EVENTS = {
    InviteStatus.ACCEPTED: EventKind.INVITE_ACCEPTED,
    InviteStatus.DECLINED: EventKind.INVITE_DECLINED,
    InviteStatus.WITHDRAWN: EventKind.INVITE_WITHDRAWN,
    InviteStatus.EXPIRED: EventKind.INVITE_EXPIRED,
}


async def _team_of_idea(change: Change, idea_id: int) -> Any:
    return await change.row(select(col(Team.id), col(Team.name)).where(col(Team.idea_id) == idea_id))


async def _check_seat(change: Change, team_id: int, profile_id: int, field: str) -> None:
    members = await real_members(change, team_id)
    if any(member.profile_id == profile_id for member in members):
        raise reject(ErrorCode.CONFLICT, field, "This member is in the team already.")
    if len(members) >= MAX_TEAM_SIZE:
        raise reject(
            ErrorCode.TEAM_SIZE, field, f"The team has {MAX_TEAM_SIZE} members, the most a team may have."
        )


async def send_invite(change: Change, recipient: int, idea_id: int, message: str | None) -> int:
    sender = change.profile_id
    # Locking the sender's profile counts their invitations of the last hour one request at a time.
    # Every row lock is FOR NO KEY UPDATE (key_share): it still orders writers of the same row, but
    # does not block the rows other writers insert that refer to it, which deadlocked under load.
    await change.scalar(
        select(col(Profile.id)).where(col(Profile.id) == sender).with_for_update(key_share=True)
    )
    checks = Checks()
    checks.text("message", message, MESSAGE_MAX_LENGTH, required=False)
    if recipient == sender:
        checks.fail("recipientId", "You cannot invite yourself.")
    checks.done()
    if await change.scalar(select(col(Profile.id)).where(col(Profile.id) == recipient)) is None:
        raise reject(ErrorCode.NOT_FOUND, "recipientId", "No profile with this 'recipientId' exists.")
    idea = await visible_idea(change, idea_id, "ideaId")
    if idea.status is not IdeaStatus.PUBLISHED or idea.hidden_at is not None:
        raise reject(ErrorCode.CONFLICT, "ideaId", "Partners can be invited to published ideas only.")
    team = await _team_of_idea(change, idea_id)
    if idea.owner_id != sender and (team is None or team.id not in change.viewer.team_ids):
        raise reject(
            ErrorCode.FORBIDDEN, "ideaId", "Only the idea's owner and team may invite partners to it."
        )
    if team is not None:
        await _check_seat(change, team.id, recipient, "recipientId")
    pending = await change.scalar(
        select(col(Invite.id)).where(
            col(Invite.sender_id) == sender,
            col(Invite.recipient_id) == recipient,
            col(Invite.idea_id) == idea_id,
            col(Invite.status) == InviteStatus.PENDING,
        )
    )
    if pending is not None:
        raise reject(ErrorCode.CONFLICT, "recipientId", "You have invited this member to this idea already.")
    sent = await change.scalar(
        select(func.count()).where(
            col(Invite.sender_id) == sender, col(Invite.created_at) > change.now - RATE_WINDOW
        )
    )
    if sent >= change.invites_per_hour:
        raise reject(
            ErrorCode.RATE_LIMITED,
            None,
            f"You have sent {sent} invitations within the last hour, the most allowed; try again later.",
        )
    key: int = await change.scalar(
        insert(Invite)
        .values(
            sender_id=sender,
            recipient_id=recipient,
            idea_id=idea_id,
            team_id=None if team is None else team.id,
            message=message,
            status=InviteStatus.PENDING,
            created_at=change.now,
        )
        .returning(col(Invite.id))
    )
    await record_for_member(change, EventKind.INVITE_RECEIVED, recipient, key)
    return key


async def _pending_invite(change: Change, key: int) -> Any:
    invite = await change.visible(
        select(*INVITE_COLUMNS)
        .where(col(Invite.id) == key, invites_visible(change.viewer.reach))
        .with_for_update(key_share=True),
        "id",
        "invitation",
    )
    if invite.status is not InviteStatus.PENDING:
        raise reject(ErrorCode.CONFLICT, "id", f"The invitation is {invite.status} already.")
    return invite


async def _close(change: Change, invite: Any, status: InviteStatus, team_id: int | None = None) -> int:
    values: dict[str, Any] = {"status": status, "responded_at": change.now}
    if team_id is not None:
        values["team_id"] = team_id
    await change.connection.execute(update(Invite).where(col(Invite.id) == invite.id).values(**values))
    await _announce_closed(change, invite, status)
    return int(invite.id)


async def _announce_closed(change: Change, invite: Any, status: InviteStatus) -> None:
    """The sender hears how their invitation ended; the recipient too when it ended without them."""
    kind = CLOSING_EVENTS[status]
    await record_for_member(change, kind, invite.sender_id, invite.id)
    if status in (InviteStatus.WITHDRAWN, InviteStatus.EXPIRED):
        await record_for_member(change, kind, invite.recipient_id, invite.id)


async def respond_to_invite(change: Change, key: int, accept: bool) -> int:
    invite = await _pending_invite(change, key)
    if invite.recipient_id != change.profile_id:
        raise reject(ErrorCode.FORBIDDEN, "id", "Only the invited member may answer the invitation.")
    if not accept:
        return await _close(change, invite, InviteStatus.DECLINED)
    idea = await visible_idea(change, invite.idea_id, "id")
    if idea.status is IdeaStatus.ARCHIVED:
        raise reject(ErrorCode.CONFLICT, "id", "The idea has been archived; its team takes no new members.")
    team = await _team_of_idea(change, idea.id)
    if team is None:
        team_id: int = await change.scalar(
            insert(Team)
            .values(idea_id=idea.id, name=idea.title, created_at=change.now)
            .returning(col(Team.id))
        )
        await change.connection.execute(
            insert(Membership).values(
                team_id=team_id, profile_id=idea.owner_id, role=TeamRole.LEAD, joined_at=change.now
            )
        )
    else:
        team_id = team.id
        await _check_seat(change, team_id, invite.recipient_id, "id")
    await change.connection.execute(
        insert(Membership).values(
            team_id=team_id, profile_id=invite.recipient_id, role=TeamRole.MEMBER, joined_at=change.now
        )
    )
    await record_for_team(change, EventKind.MEMBER_JOINED, team_id, member_id=invite.recipient_id)
    return await _close(change, invite, InviteStatus.ACCEPTED, team_id)


async def withdraw_invite(change: Change, key: int) -> int:
    invite = await _pending_invite(change, key)
    if invite.sender_id != change.profile_id:
        raise reject(ErrorCode.FORBIDDEN, "id", "Only the member who sent the invitation may withdraw it.")
    return await _close(change, invite, InviteStatus.WITHDRAWN)


async def expire_invites(change: Change, ttl: timedelta) -> int:
    """Pending invitations older than `ttl` expire; how many did. Replicas may run this at once:
    each invitation is expired, and announced, by exactly one of them."""
    expired = await change.rows(
        update(Invite)
        .where(col(Invite.status) == InviteStatus.PENDING, col(Invite.created_at) < change.now - ttl)
        .values(status=InviteStatus.EXPIRED, responded_at=change.now)
        .returning(col(Invite.id), col(Invite.sender_id), col(Invite.recipient_id))
    )
    for invite in expired:
        await _announce_closed(change, invite, InviteStatus.EXPIRED)
    return len(expired)

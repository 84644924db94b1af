"""Building teams and entering contests through HTTP with real tokens: invitations, leaving a team,
submissions, the project log, and the jury's reviews and awards.

Every refusal is data, not an exception: the payload's object is null and `errors` holds one
`UserError` whose code and field tell the member what to fix. Each test starts from the world of
tests/world.py; what else it needs (more profiles, teams, rounds, invitations) it inserts as rows
through `Rows`, and it checks the outcome through the API or, where the API cannot tell, the database."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from models import metadata
from models.enums import (
    IDEA_CONTEST_MAX_AWARD_EUR,
    MESSAGE_MAX_LENGTH,
    IdeaStatus,
    InviteStatus,
    ProfileKind,
    RoundKind,
    Sector,
    TeamRole,
)
from resolvers.ids import to_global_id
from tests.conftest import TEST_SETTINGS, GraphQLClient
from tests.world import NOW, World, subject

OWNER, PARTNER, STRANGER = 1, 2, 3
PUBLISHED_IDEA, TEAM, ROUND = 1, 1, 1

ERRORS = "errors { code field message }"
MEMBERS = "members { role profile { id } }"

SEND_INVITE = f"""mutation($input: SendInviteInput!) {{ sendInvite(input: $input) {{
    invite {{ id status recipient {{ id }} }} {ERRORS} }} }}"""
RESPOND = f"""mutation($id: ID!, $accept: Boolean!) {{ respondToInvite(id: $id, accept: $accept) {{
    invite {{ status team {{ id name {MEMBERS} }} }} {ERRORS} }} }}"""
WITHDRAW_INVITE = f"""mutation($id: ID!) {{ withdrawInvite(id: $id) {{ invite {{ status }} {ERRORS} }} }}"""
LEAVE = f"""mutation($id: ID!) {{ leaveTeam(id: $id) {{ dissolved team {{ {MEMBERS} }} {ERRORS} }} }}"""

SUBMISSION = "submission { id status awardEur instalments { position amountEur condition releasedAt } }"
SUBMIT = f"""mutation($input: SubmitToRoundInput!) {{ submitToRound(input: $input) {{
    {SUBMISSION} {ERRORS} }} }}"""
WITHDRAW_SUBMISSION = f"""mutation($id: ID!) {{ withdrawSubmission(id: $id) {{ {SUBMISSION} {ERRORS} }} }}"""
REVIEW = f"""mutation($input: ReviewSubmissionInput!) {{ reviewSubmission(input: $input) {{
    {SUBMISSION} {ERRORS} }} }}"""
RELEASE = f"""mutation($id: ID!, $position: Int!) {{ releaseInstalment(id: $id, position: $position) {{
    {SUBMISSION} {ERRORS} }} }}"""
POST_PROGRESS = f"""mutation($input: PostProgressUpdateInput!) {{ postProgressUpdate(input: $input) {{
    progressUpdate {{ title outcome lessonsLearned author {{ id }} }} {ERRORS} }} }}"""

PENDING_RECEIVED = "{ me { invitesReceived(status: PENDING) { totalCount } } }"
TEAM_NODE = f"query($id: ID!) {{ node(id: $id) {{ ... on Team {{ {MEMBERS} progress {{ totalCount }} }} }} }}"

TWO_INSTALMENTS = [
    {"amountEur": 8_000, "condition": "Zwischenpräsentation"},
    {"amountEur": 12_000, "condition": "Abschlussbericht"},
]


async def mutate(client: GraphQLClient, mutation: str, **variables: Any) -> dict[str, Any]:
    """The payload of a mutation that ran without GraphQL errors (refusals are in the payload)."""
    (payload,) = (await client.data(mutation, variables)).values()
    assert payload is not None
    return dict(payload)


def refusal(payload: dict[str, Any]) -> tuple[str, str | None]:
    """The code and field of a refused change's one UserError, after checking nothing came with it."""
    (error,) = payload["errors"]
    assert error["message"]
    assert all(value in (None, False) for key, value in payload.items() if key != "errors"), payload
    return error["code"], error["field"]


def succeeded(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """The changed object of a payload that has no errors."""
    assert payload["errors"] == [], payload["errors"]
    result: dict[str, Any] = payload[key]
    return result


def roles(team: dict[str, Any]) -> list[tuple[str, str]]:
    """A team's members as (role, profile ID), lead first as the API lists them."""
    return [(member["role"], member["profile"]["id"]) for member in team["members"]]


def invite_input(recipient: int, idea: int = PUBLISHED_IDEA, message: str | None = None) -> dict[str, Any]:
    return {
        "recipientId": to_global_id("Profile", recipient),
        "ideaId": to_global_id("Idea", idea),
        "message": message,
    }


@dataclass(frozen=True)
class Person:
    """A profile a test added, and a client signed in as it."""

    key: int
    client: GraphQLClient

    @property
    def id(self) -> str:
        return to_global_id("Profile", self.key)


@dataclass(frozen=True)
class Rows:
    """Inserts what a test needs beyond the world straight into the database, returning the new keys.
    No explicit ids, so PostgreSQL's sequences (set by the world) hand them out."""

    client: GraphQLClient

    async def insert(self, table: str, **values: Any) -> int:
        columns = metadata.tables[table]
        async with self.client.database.engine.begin() as connection:
            result = await connection.execute(insert(columns).values(**values).returning(columns.c.id))
            return int(result.scalar_one())

    async def update(self, table: str, key: int, **values: Any) -> None:
        columns = metadata.tables[table]
        async with self.client.database.engine.begin() as connection:
            await connection.execute(update(columns).where(columns.c.id == key).values(**values))

    async def count(self, table: str, **where: Any) -> int:
        columns = metadata.tables[table]
        statement = select(func.count()).select_from(columns)
        statement = statement.where(*(columns.c[name] == value for name, value in where.items()))
        async with self.client.database.engine.connect() as connection:
            return int((await connection.execute(statement)).scalar_one())

    async def profile(self, name: str, sector: Sector = Sector.CIVIL_SOCIETY) -> Person:
        key = await self.insert(
            "profile",
            subject_id=subject(name),
            kind=ProfileKind.PERSON,
            display_name=name.title(),
            sector=sector,
        )
        return Person(key, self.client.signed_in(subject(name)))

    async def idea(self, title: str, owner: int = OWNER) -> int:
        """A published idea without a team."""
        return await self.insert(
            "idea",
            owner_id=owner,
            title=title,
            teaser=f"Teaser of {title}",
            description=f"Description of {title}",
            status=IdeaStatus.PUBLISHED,
            published_at=NOW - timedelta(days=1),
        )

    async def join(
        self, team: int, profile: int, role: TeamRole = TeamRole.MEMBER, joined_at: datetime | None = None
    ) -> int:
        values = {} if joined_at is None else {"joined_at": joined_at}
        return await self.insert("membership", team_id=team, profile_id=profile, role=role, **values)

    async def team(self, lead: int, *members: int) -> int:
        """A team on a new published idea of its lead's."""
        idea = await self.idea(f"Idea of {'+'.join(map(str, (lead, *members)))}", owner=lead)
        team = await self.insert("team", idea_id=idea, name=f"Team on idea {idea}")
        await self.join(team, lead, TeamRole.LEAD)
        for member in members:
            await self.join(team, member)
        return team

    async def round(self, name: str, opens: timedelta, closes: timedelta) -> str:
        """A cross-sector idea contest opening and closing at these offsets from now, as a global ID."""
        key = await self.insert(
            "contest_round",
            name=name,
            kind=RoundKind.IDEA_CONTEST,
            year=NOW.year,
            opens_at=NOW + opens,
            closes_at=NOW + closes,
            max_award_eur=IDEA_CONTEST_MAX_AWARD_EUR,
            cross_sector_required=True,
        )
        return to_global_id("ContestRound", key)

    async def invite(self, recipient: int, sender: int = OWNER, idea: int = PUBLISHED_IDEA) -> str:
        """A pending invitation to the published idea's team, as a global ID."""
        key = await self.insert(
            "invite",
            sender_id=sender,
            recipient_id=recipient,
            idea_id=idea,
            team_id=TEAM if idea == PUBLISHED_IDEA else None,
            status=InviteStatus.PENDING,
        )
        return to_global_id("Invite", key)


@pytest.fixture
def rows(world: World, client: GraphQLClient) -> Rows:
    """After the world, so rows added on top of it get fresh keys."""
    return Rows(client)


@pytest.fixture
async def third_member(rows: Rows) -> Person:
    """A third member of team 1, who joined a day before the others."""
    person = await rows.profile("third", Sector.CIVIL_SOCIETY)
    await rows.join(TEAM, person.key, joined_at=NOW - timedelta(days=1))
    return person


@pytest.fixture
async def open_round(rows: Rows) -> str:
    """A second open idea contest, which team 1 has not entered."""
    return await rows.round("Zweite Runde", opens=-timedelta(days=1), closes=timedelta(days=1))


@pytest.fixture
async def awarded(world: World) -> dict[str, Any]:
    """Submission 1, awarded the most an idea contest gives, in two instalments."""
    payload = await mutate(
        world.jury,
        REVIEW,
        input={
            "id": world["submission"],
            "status": "AWARDED",
            "awardEur": IDEA_CONTEST_MAX_AWARD_EUR,
            "instalments": TWO_INSTALMENTS,
        },
    )
    return succeeded(payload, "submission")


# sendInvite


async def test_nobody_invites_themselves(world: World):
    payload = await mutate(world.owner, SEND_INVITE, input=invite_input(OWNER))

    assert refusal(payload) == ("VALIDATION", "recipientId")


@pytest.mark.parametrize(("sender", "code"), [("owner", "CONFLICT"), ("partner", "NOT_FOUND")])
async def test_drafts_take_no_invitations(world: World, sender: str, code: str):
    """Its owner is told it is a draft; a member who cannot see it is told it does not exist."""
    payload = await mutate(getattr(world, sender), SEND_INVITE, input=invite_input(STRANGER, idea=2))

    assert refusal(payload) == (code, "ideaId")


async def test_only_the_owner_and_team_invite_to_an_idea(world: World, rows: Rows):
    other = await rows.profile("other")

    payload = await mutate(world.stranger, SEND_INVITE, input=invite_input(other.key))

    assert refusal(payload) == ("FORBIDDEN", "ideaId")


async def test_one_pending_invitation_per_member_and_idea(world: World, rows: Rows):
    payload = await mutate(world.owner, SEND_INVITE, input=invite_input(STRANGER))

    assert refusal(payload) == ("CONFLICT", "recipientId")
    assert await rows.count("invite", sender_id=OWNER, recipient_id=STRANGER) == 1


async def test_team_members_are_not_invited_again(world: World):
    payload = await mutate(world.owner, SEND_INVITE, input=invite_input(PARTNER))

    assert refusal(payload) == ("CONFLICT", "recipientId")


async def test_a_message_is_at_most_2000_characters(world: World, rows: Rows):
    other = await rows.profile("other")

    payload = await mutate(
        world.owner, SEND_INVITE, input=invite_input(other.key, message="x" * (MESSAGE_MAX_LENGTH + 1))
    )

    assert refusal(payload) == ("VALIDATION", "message")


async def test_a_sent_invitation_is_pending_for_its_recipient(world: World, rows: Rows):
    other = await rows.profile("other")
    assert (await other.client.data(PENDING_RECEIVED))["me"]["invitesReceived"]["totalCount"] == 0

    payload = await mutate(world.owner, SEND_INVITE, input=invite_input(other.key, message="Join us?"))

    invite = succeeded(payload, "invite")
    assert (invite["status"], invite["recipient"]) == ("PENDING", {"id": other.id})
    assert (await other.client.data(PENDING_RECEIVED))["me"]["invitesReceived"]["totalCount"] == 1


async def test_the_31st_invitation_within_an_hour_is_refused(world: World, rows: Rows):
    limit = TEST_SETTINGS.invites_per_hour
    recipients = [await rows.profile(f"recipient{number}") for number in range(limit + 1)]
    for recipient in recipients[:limit]:
        succeeded(await mutate(world.partner, SEND_INVITE, input=invite_input(recipient.key)), "invite")

    payload = await mutate(world.partner, SEND_INVITE, input=invite_input(recipients[-1].key))

    assert refusal(payload) == ("RATE_LIMITED", None)
    assert await rows.count("invite", sender_id=PARTNER) == limit
    assert await rows.count("invite", recipient_id=recipients[-1].key) == 0


# respondToInvite and withdrawInvite


async def test_accepting_joins_the_team_and_opens_its_log(world: World):
    payload = await mutate(world.stranger, RESPOND, id=world["invite"], accept=True)

    invite = succeeded(payload, "invite")
    assert invite["status"] == "ACCEPTED"
    assert roles(invite["team"]) == [
        ("LEAD", world["owner_profile"]),
        ("MEMBER", world["partner_profile"]),
        ("MEMBER", world["stranger_profile"]),
    ]
    team = (await world.stranger.data(TEAM_NODE, {"id": world["team"]}))["node"]
    assert team["progress"] == {"totalCount": 1}


async def test_only_the_recipient_answers_an_invitation(world: World):
    payload = await mutate(world.owner, RESPOND, id=world["invite"], accept=True)

    assert refusal(payload) == ("FORBIDDEN", "id")


@pytest.mark.parametrize("first", [True, False])
async def test_an_invitation_is_answered_once(world: World, first: bool):
    succeeded(await mutate(world.stranger, RESPOND, id=world["invite"], accept=first), "invite")

    payload = await mutate(world.stranger, RESPOND, id=world["invite"], accept=True)

    assert refusal(payload) == ("CONFLICT", "id")


async def test_declining_joins_nothing(world: World, rows: Rows):
    payload = await mutate(world.stranger, RESPOND, id=world["invite"], accept=False)

    assert succeeded(payload, "invite")["status"] == "DECLINED"
    assert await rows.count("membership", profile_id=STRANGER) == 0


async def test_accepting_an_invitation_to_an_idea_without_team_forms_one(world: World, rows: Rows):
    idea = await rows.idea("Solo idea")
    sent = succeeded(await mutate(world.owner, SEND_INVITE, input=invite_input(STRANGER, idea)), "invite")

    payload = await mutate(world.stranger, RESPOND, id=sent["id"], accept=True)

    team = succeeded(payload, "invite")["team"]
    assert team["name"] == "Solo idea"
    assert roles(team) == [("LEAD", world["owner_profile"]), ("MEMBER", world["stranger_profile"])]


async def test_a_team_of_four_takes_no_fifth(world: World, rows: Rows, third_member: Person):
    fifth = await rows.profile("fifth")
    invite = await rows.invite(fifth.key)
    succeeded(await mutate(world.stranger, RESPOND, id=world["invite"], accept=True), "invite")

    payload = await mutate(fifth.client, RESPOND, id=invite, accept=True)

    assert refusal(payload) == ("TEAM_SIZE", "id")
    assert await rows.count("membership", team_id=TEAM) == 4
    assert await rows.count("invite", recipient_id=fifth.key, status=InviteStatus.PENDING) == 1


async def test_the_sender_withdraws_an_invitation(world: World):
    payload = await mutate(world.owner, WITHDRAW_INVITE, id=world["invite"])

    assert succeeded(payload, "invite") == {"status": "WITHDRAWN"}


async def test_the_recipient_cannot_withdraw_an_invitation(world: World):
    payload = await mutate(world.stranger, WITHDRAW_INVITE, id=world["invite"])

    assert refusal(payload) == ("FORBIDDEN", "id")


# leaveTeam


async def test_a_team_with_a_submission_stands_with_one_member(world: World):
    payload = await mutate(world.partner, LEAVE, id=world["team"])

    assert payload["errors"] == []
    assert payload["dissolved"] is False
    assert roles(payload["team"]) == [("LEAD", world["owner_profile"])]


async def test_a_team_without_submission_dissolves_below_two(world: World, rows: Rows):
    team = to_global_id("Team", await rows.team(OWNER, STRANGER))

    payload = await mutate(world.stranger, LEAVE, id=team)

    assert payload == {"dissolved": True, "team": None, "errors": []}
    assert (await world.admin.data("query($id: ID!) { node(id: $id) { id } }", {"id": team}))["node"] is None


async def test_the_longest_standing_member_leads_when_the_lead_leaves(world: World, third_member: Person):
    payload = await mutate(world.owner, LEAVE, id=world["team"])

    assert payload["errors"] == []
    assert payload["dissolved"] is False
    team = (await world.admin.data(TEAM_NODE, {"id": world["team"]}))["node"]
    assert roles(team) == [("LEAD", third_member.id), ("MEMBER", world["partner_profile"])]


async def test_only_members_leave_a_team(world: World):
    payload = await mutate(world.stranger, LEAVE, id=world["team"])

    assert refusal(payload) in {("FORBIDDEN", "id"), ("NOT_FOUND", "id")}


# submitToRound and withdrawSubmission


def entry(team: str, round_: str, draft: str = "Our project") -> dict[str, str]:
    return {"teamId": team, "roundId": round_, "projectDraft": draft}


async def test_a_team_enters_a_round_once(world: World):
    payload = await mutate(world.owner, SUBMIT, input=entry(world["team"], world["round"]))

    assert refusal(payload) == ("CONFLICT", "roundId")


async def test_a_withdrawn_submission_can_be_submitted_again(world: World):
    withdrawn = await mutate(world.partner, WITHDRAW_SUBMISSION, id=world["submission"])
    assert succeeded(withdrawn, "submission")["status"] == "WITHDRAWN"

    payload = await mutate(world.owner, SUBMIT, input=entry(world["team"], world["round"], "Second try"))

    submission = succeeded(payload, "submission")
    assert (submission["id"], submission["status"]) == (world["submission"], "SUBMITTED")


@pytest.mark.parametrize(
    ("opens", "closes", "code"),
    [(-2, -1, "DEADLINE_PASSED"), (1, 2, "CONFLICT")],
    ids=["closed", "upcoming"],
)
async def test_only_open_rounds_are_entered(world: World, rows: Rows, opens: int, closes: int, code: str):
    days = timedelta(days=1)
    round_ = await rows.round("Andere Runde", opens=opens * days, closes=closes * days)

    payload = await mutate(world.owner, SUBMIT, input=entry(world["team"], round_))

    assert refusal(payload) == (code, "roundId")


async def test_a_team_of_one_cannot_enter(world: World, rows: Rows):
    team = to_global_id("Team", await rows.team(OWNER))

    payload = await mutate(world.owner, SUBMIT, input=entry(team, world["round"]))

    assert refusal(payload) == ("TEAM_SIZE", "teamId")


async def test_a_cross_sector_round_refuses_a_one_sector_team(world: World, rows: Rows):
    founder = await rows.profile("founder", Sector.STARTUP)
    team = to_global_id("Team", await rows.team(OWNER, founder.key))

    payload = await mutate(world.owner, SUBMIT, input=entry(team, world["round"]))

    assert refusal(payload) == ("VALIDATION", "teamId")


@pytest.mark.parametrize("draft", ["", "   "])
async def test_a_submission_needs_a_draft(world: World, open_round: str, draft: str):
    payload = await mutate(world.owner, SUBMIT, input=entry(world["team"], open_round, draft))

    assert refusal(payload) == ("VALIDATION", "projectDraft")


async def test_only_members_enter_their_team(world: World, open_round: str):
    payload = await mutate(world.stranger, SUBMIT, input=entry(world["team"], open_round))

    assert refusal(payload) in {("FORBIDDEN", "teamId"), ("NOT_FOUND", "teamId")}


async def test_a_submission_stands_once_the_round_closed(world: World, rows: Rows):
    await rows.update("contest_round", ROUND, closes_at=NOW - timedelta(minutes=1))

    payload = await mutate(world.partner, WITHDRAW_SUBMISSION, id=world["submission"])

    assert refusal(payload) == ("DEADLINE_PASSED", "id")


# postProgressUpdate


def log_entry(world: World, outcome: str = "ONGOING", lessons: str | None = None) -> dict[str, Any]:
    return {
        "teamId": world["team"],
        "title": "Prototype",
        "body": "We built it.",
        "outcome": outcome,
        "lessonsLearned": lessons,
    }


async def test_a_member_posts_to_the_project_log(world: World):
    payload = await mutate(world.partner, POST_PROGRESS, input=log_entry(world))

    assert succeeded(payload, "progressUpdate") == {
        "title": "Prototype",
        "outcome": "ONGOING",
        "lessonsLearned": None,
        "author": {"id": world["partner_profile"]},
    }


@pytest.mark.parametrize("lessons", [None, "  "])
async def test_a_successful_failure_needs_its_lessons(world: World, lessons: str | None):
    payload = await mutate(world.owner, POST_PROGRESS, input=log_entry(world, "SUCCESSFUL_FAILURE", lessons))

    assert refusal(payload) == ("VALIDATION", "lessonsLearned")


async def test_a_successful_failure_with_lessons_is_posted(world: World):
    lessons = "Ask the municipality first."

    payload = await mutate(world.owner, POST_PROGRESS, input=log_entry(world, "SUCCESSFUL_FAILURE", lessons))

    posted = succeeded(payload, "progressUpdate")
    assert (posted["outcome"], posted["lessonsLearned"]) == ("SUCCESSFUL_FAILURE", lessons)


async def test_only_members_post_to_a_project_log(world: World):
    payload = await mutate(world.stranger, POST_PROGRESS, input=log_entry(world))

    assert refusal(payload) in {("FORBIDDEN", "teamId"), ("NOT_FOUND", "teamId")}


# reviewSubmission and releaseInstalment


def award(world: World, amount: int, instalments: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": world["submission"], "status": "AWARDED", "awardEur": amount, "instalments": instalments}


@pytest.mark.parametrize(("token_roles", "field"), [((), None), (("jury",), "id")], ids=["member", "juror"])
async def test_team_members_do_not_review_their_submission(
    world: World, client: GraphQLClient, token_roles: tuple[str, ...], field: str | None
):
    """Not as plain members, and not as jurors either: nobody judges their own team."""
    partner = client.signed_in(subject("partner"), *token_roles)

    payload = await mutate(partner, REVIEW, input={"id": world["submission"], "status": "SHORTLISTED"})

    assert refusal(payload) == ("FORBIDDEN", field)


async def test_an_award_is_at_most_the_rounds_maximum(world: World):
    too_much = IDEA_CONTEST_MAX_AWARD_EUR + 1

    payload = await mutate(
        world.jury, REVIEW, input=award(world, too_much, [{"amountEur": too_much, "condition": "Start"}])
    )

    assert refusal(payload) == ("VALIDATION", "awardEur")


async def test_instalments_add_up_to_the_award(world: World):
    payload = await mutate(world.jury, REVIEW, input=award(world, 15_000, TWO_INSTALMENTS))

    assert refusal(payload) == ("VALIDATION", "instalments")


async def test_an_award_is_paid_in_instalments(awarded: dict[str, Any]):
    assert awarded["status"] == "AWARDED"
    assert awarded["awardEur"] == IDEA_CONTEST_MAX_AWARD_EUR
    assert awarded["instalments"] == [
        {"position": 1, "amountEur": 8_000, "condition": "Zwischenpräsentation", "releasedAt": None},
        {"position": 2, "amountEur": 12_000, "condition": "Abschlussbericht", "releasedAt": None},
    ]


async def test_instalments_are_released_in_order(world: World, awarded: dict[str, Any]):
    payload = await mutate(world.jury, RELEASE, id=world["submission"], position=2)

    assert refusal(payload) == ("CONFLICT", "position")


async def test_releasing_records_when(world: World, awarded: dict[str, Any]):
    for position in (1, 2):
        payload = await mutate(world.jury, RELEASE, id=world["submission"], position=position)
        instalments = succeeded(payload, "submission")["instalments"]
        released = [instalment["position"] for instalment in instalments if instalment["releasedAt"]]
        assert released == list(range(1, position + 1))


async def test_a_decision_stands_once_money_was_released(world: World, awarded: dict[str, Any]):
    succeeded(await mutate(world.jury, RELEASE, id=world["submission"], position=1), "submission")

    payload = await mutate(world.jury, REVIEW, input={"id": world["submission"], "status": "REJECTED"})

    assert refusal(payload) == ("CONFLICT", "id")

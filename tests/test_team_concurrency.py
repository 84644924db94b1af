"""Two invitees accepting at the same moment into a team with one seat left, on PostgreSQL.

A team has at most four members. Accepting an invitation counts the team's members and adds one,
so two acceptances running side by side would both count three and both add a member, unless
one waits for the other. `respondToInvite` locks the idea's row (SELECT ... FOR UPDATE) before it
counts: the second acceptance waits for the first to commit, then counts four and is refused with
TEAM_SIZE. SQLite runs one write transaction at a time anyway (BEGIN IMMEDIATE), so only
PostgreSQL, with its concurrent transactions, can show whether the lock holds. The race runs five
times, each on a fresh world, so that a lucky ordering of the two requests cannot pass it."""

import asyncio
from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.test_mutations_team import RESPOND, TEAM, Rows, mutate
from tests.world import World

RACES = 5


@pytest.fixture
async def invitees(world: World, client: GraphQLClient) -> list[tuple[GraphQLClient, str]]:
    """Team 1 with a third member, and two members each holding a pending invitation to it."""
    if client.database.dialect != "postgresql":
        pytest.skip("SQLite runs one write at a time; only PostgreSQL races")
    rows = Rows(client)
    third = await rows.profile("third")
    await rows.join(TEAM, third.key)
    people = [await rows.profile(name) for name in ("fourth", "fifth")]
    return [(person.client, await rows.invite(person.key)) for person in people]


async def _accept(client: GraphQLClient, invite: str) -> dict[str, Any]:
    return await mutate(client, RESPOND, id=invite, accept=True)


@pytest.mark.parametrize("race", range(RACES))
async def test_of_two_acceptances_for_the_last_seat_one_wins(
    client: GraphQLClient, invitees: list[tuple[GraphQLClient, str]], race: int
):
    payloads = await asyncio.gather(*(_accept(invitee, invite) for invitee, invite in invitees))

    accepted = [p for p in payloads if p["invite"] is not None and p["invite"]["status"] == "ACCEPTED"]
    refused = [p for p in payloads if p["invite"] is None]
    assert len(accepted) == 1, payloads
    assert accepted[0]["errors"] == []
    assert len(refused) == 1, payloads
    assert [error["code"] for error in refused[0]["errors"]] == ["TEAM_SIZE"]
    assert await Rows(client).count("membership", team_id=TEAM) == 4

"""The queries the frontend's screens send (tests/screens/*.graphql, also what `make bench`
measures), each with its SQL statement count pinned: one per relation level."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from models import Membership, Submission
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient

SCREENS = Path(__file__).parent / "screens"


MEMBER = 1
"""A demo member browsing the community area; the contest round is the jury's screen."""


async def _run(client: GraphQLClient, screen: str, variables: dict) -> tuple[dict, int]:
    with client.database.recorded_statements() as statements:
        data = await client.data((SCREENS / f"{screen}.graphql").read_text(), variables)
    return data, len(statements)


@pytest.mark.parametrize("first", [5, 20, 100])
async def test_idea_page(demo_client: GraphQLClient, first: int):
    member = demo_client.as_profile(MEMBER)
    data, statements = await _run(member, "idea_page", {"first": first, "after": None})

    assert len(data["ideas"]["nodes"]) == first
    # the viewer, ideas, their count, owners, skills needed, teams
    assert statements == 6


async def test_profile_page(demo_client: GraphQLClient):
    busiest = await demo_client.database.fetch_all(
        select(col(Membership.profile_id))
        .group_by(col(Membership.profile_id))
        .order_by(func.count().desc())
        .limit(1)
    )

    data, statements = await _run(
        demo_client.as_profile(MEMBER),
        "profile_page",
        {"id": to_global_id("Profile", busiest[0].profile_id)},
    )

    assert data["profile"]["memberships"]["nodes"]
    # the viewer, profile, skill claims, ideas, memberships, their teams, the teams' ideas
    assert statements == 7


async def test_contest_round_page(demo_client: GraphQLClient):
    rows = await demo_client.database.fetch_all(select(col(Submission.round_id)).limit(1))

    data, statements = await _run(
        demo_client.signed_in("portal|jury", "jury"),
        "contest_round",
        {"id": to_global_id("ContestRound", rows[0].round_id)},
    )

    assert data["contestRound"]["submissions"]["nodes"]
    # the viewer, round, submissions, teams, memberships, member profiles
    assert statements == 6

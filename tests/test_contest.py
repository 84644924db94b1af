"""Contest and funding rounds: their phase is derived from the dates."""

from datetime import UTC, datetime

import pytest

from models.enums import RoundPhase
from resolvers.contest import phase_of
from tests.conftest import GraphQLClient

OPENS = datetime(2026, 3, 1, tzinfo=UTC)
CLOSES = datetime(2026, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "phase"),
    [
        (datetime(2026, 2, 28, 23, 59, tzinfo=UTC), RoundPhase.UPCOMING),
        (OPENS, RoundPhase.OPEN),
        (datetime(2026, 6, 29, 23, 59, tzinfo=UTC), RoundPhase.OPEN),
        (CLOSES, RoundPhase.CLOSED),
    ],
)
def test_phase_follows_the_dates(now: datetime, phase: RoundPhase):
    assert phase_of(OPENS, CLOSES, now) is phase


async def test_phase_filter_agrees_with_each_rounds_phase(demo_client: GraphQLClient):
    everything = await demo_client.data("{ contestRounds { nodes { id phase } } }")

    for phase in RoundPhase:
        data = await demo_client.data(
            "query($phase: [RoundPhase!]) { contestRounds(filter: {phase: $phase}) { nodes { id } } }",
            {"phase": [phase.value]},
        )
        expected = [r["id"] for r in everything["contestRounds"]["nodes"] if r["phase"] == phase.value]
        assert [r["id"] for r in data["contestRounds"]["nodes"]] == expected


async def test_round_lists_its_submissions_with_teams(demo_client: GraphQLClient):
    data = await demo_client.data(
        """{ contestRounds(filter: {kind: [IDEA_CONTEST]}) { nodes {
             kind maxAwardEur
             submissions(first: 100) { totalCount nodes { status awardEur round { kind }
               team { members { role } } } } } } }"""
    )

    round_ = data["contestRounds"]["nodes"][0]
    submissions = round_["submissions"]["nodes"]
    assert round_["submissions"]["totalCount"] >= len(submissions) > 0
    for submission in submissions:
        assert submission["round"]["kind"] == "IDEA_CONTEST"
        assert [m["role"] for m in submission["team"]["members"]].count("LEAD") == 1
        if submission["awardEur"] is not None:
            assert submission["status"] == "AWARDED"
            assert submission["awardEur"] <= round_["maxAwardEur"]

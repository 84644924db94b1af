"""The partner network and its figures, on the network of tests/partners.py.

Worked out by hand: the assistant team (ada, fay, mia) entered round 1, and ada's invitation to
fay was accepted; the health team (hana, jan, kim) won 15,000 EUR in round 2; ivo shares a team
with mia and one with hana, so every path between the two triangles runs through him. The draft's
team (dora, emil) does not count. Seven nodes, eight edges."""

from typing import Any

import pytest

from resolvers import network
from resolvers.ids import to_global_id
from tests.partners import Partners

NETWORK = """
query($filter: NetworkFilter) {
  partnerNetwork(filter: $filter) {
    communities betweennessExact
    nodes { profile { displayName } degree strength betweenness community }
    edges { source { displayName } target { displayName } weight teams invites submissions }
  }
}
"""
STATS = """
{
  networkStats {
    profilesBySector { sector profiles }
    profilesByRegion { region profiles }
    edges crossSectorEdges crossSectorShare
    skills { skill { slug } offered sought gap }
    rounds { round { name } sector submissions awards awardedEur }
  }
}
"""


async def partner_network(partners: Partners, **filter: Any) -> dict[str, Any]:
    data = await partners["ada"].data(NETWORK, {"filter": filter or None})
    found: dict[str, Any] = data["partnerNetwork"]
    return found


def nodes(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["profile"]["displayName"]: node for node in found["nodes"]}


def edges(found: dict[str, Any]) -> dict[tuple[str, str], tuple[int, int, int, int]]:
    return {
        (edge["source"]["displayName"], edge["target"]["displayName"]): (
            edge["weight"],
            edge["teams"],
            edge["invites"],
            edge["submissions"],
        )
        for edge in found["edges"]
    }


async def test_edges_count_shared_teams_accepted_invitations_and_joint_submissions(partners: Partners):
    assert edges(await partner_network(partners)) == {
        ("Ada", "Fay"): (3, 1, 1, 1),
        ("Ada", "Mia"): (2, 1, 0, 1),
        ("Fay", "Mia"): (2, 1, 0, 1),
        ("Hana", "Jan"): (2, 1, 0, 1),
        ("Hana", "Kim"): (2, 1, 0, 1),
        ("Jan", "Kim"): (2, 1, 0, 1),
        ("Ivo", "Mia"): (1, 1, 0, 0),
        ("Hana", "Ivo"): (1, 1, 0, 0),
    }


async def test_a_drafts_team_is_not_in_the_network(partners: Partners):
    assert {"Dora", "Emil"}.isdisjoint(nodes(await partner_network(partners)))


async def test_the_profile_bridging_two_groups_has_the_highest_betweenness(partners: Partners):
    found = nodes(await partner_network(partners))
    betweenness = {name: node["betweenness"] for name, node in found.items()}
    assert max(betweenness, key=betweenness.__getitem__) == "Ivo"
    assert betweenness["Ivo"] == pytest.approx(9 / 15)
    assert betweenness["Mia"] == betweenness["Hana"] == pytest.approx(8 / 15)
    assert betweenness["Ada"] == 0


async def test_degree_counts_partners_and_strength_their_weights(partners: Partners):
    found = nodes(await partner_network(partners))
    assert (found["Mia"]["degree"], found["Mia"]["strength"]) == (3, 5)
    assert (found["Ada"]["degree"], found["Ada"]["strength"]) == (2, 5)


async def test_louvain_finds_the_two_triangles(partners: Partners):
    found = await partner_network(partners)
    community = {name: node["community"] for name, node in nodes(found).items()}
    assert found["communities"] == 2
    assert community["Ada"] == community["Fay"] == community["Mia"]
    assert community["Hana"] == community["Jan"] == community["Kim"]
    assert community["Ada"] != community["Hana"]
    assert found["betweennessExact"] is True


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"round": to_global_id("ContestRound", 1)}, {("Ada", "Fay"), ("Ada", "Mia"), ("Fay", "Mia")}),
        ({"year": 2026}, {("Hana", "Jan"), ("Hana", "Kim"), ("Jan", "Kim")}),
        ({"topics": ["health"]}, {("Hana", "Jan"), ("Hana", "Kim"), ("Jan", "Kim")}),
        ({"sector": ["RESEARCH", "CIVIL_SOCIETY"]}, {("Hana", "Jan"), ("Hana", "Kim"), ("Jan", "Kim")}),
        ({"region": ["SACHSEN"]}, {("Hana", "Ivo")}),
    ],
)
async def test_a_filter_keeps_its_part_of_the_network(
    partners: Partners, filter: dict[str, Any], expected: set[tuple[str, str]]
):
    assert set(edges(await partner_network(partners, **filter))) == expected


async def test_a_round_filter_counts_only_that_rounds_submission(partners: Partners):
    found = edges(await partner_network(partners, round=to_global_id("ContestRound", 1)))
    assert found[("Ada", "Fay")] == (3, 1, 1, 1)


@pytest.mark.parametrize(
    "filter",
    [
        {"year": 1999},
        {"year": 0},
        {"year": 10_000},
        {"topics": ["no-such-topic"]},
        {"round": to_global_id("ContestRound", 99)},
    ],
)
async def test_a_filter_that_matches_nothing_gives_an_empty_network(
    partners: Partners, filter: dict[str, Any]
):
    found = await partner_network(partners, **filter)
    assert found == {"communities": 0, "betweennessExact": True, "nodes": [], "edges": []}


async def test_a_round_filter_needs_a_rounds_id(partners: Partners):
    body = await partners["ada"].post(NETWORK, {"filter": {"round": partners.idea("plain")}})
    assert body["data"] == {"partnerNetwork": None}
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter.round"}


async def test_a_network_over_the_limit_is_refused_until_narrowed(
    partners: Partners, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(network, "MAX_NETWORK_NODES", 3)
    body = await partners["ada"].post(NETWORK)
    assert body["data"] == {"partnerNetwork": None}
    [error] = body["errors"]
    assert error["message"] == (
        "The network for this filter has 7 profiles; partnerNetwork returns at most 3. "
        "Narrow it by sector, region, topic, round or year."
    )
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter"}
    assert len((await partner_network(partners, year=2026))["nodes"]) == 3


async def test_the_network_needs_a_sign_in(partners: Partners):
    body = await partners.client.anonymous().post(NETWORK)
    assert body["data"] == {"partnerNetwork": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_stats_count_profiles_by_sector_most_first(partners: Partners):
    stats = (await partners["ada"].data(STATS))["networkStats"]
    assert stats["profilesBySector"] == [
        {"sector": "MUNICIPALITY", "profiles": 5},
        {"sector": "RESEARCH", "profiles": 3},
        {"sector": "SME", "profiles": 2},
        {"sector": "STARTUP", "profiles": 2},
        {"sector": "ASSOCIATION", "profiles": 1},
        {"sector": "CIVIL_SOCIETY", "profiles": 1},
        {"sector": "TRADE_UNION", "profiles": 1},
    ]
    assert stats["profilesByRegion"][0] == {"region": "BERLIN", "profiles": 7}


async def test_stats_give_the_share_of_cross_sector_edges(partners: Partners):
    """Ada–Fay, Ada–Mia, Hana–Kim, Jan–Kim and Hana–Ivo cross sectors; Fay–Mia, Hana–Jan, Ivo–Mia do not."""
    stats = (await partners["ada"].data(STATS))["networkStats"]
    assert (stats["edges"], stats["crossSectorEdges"], stats["crossSectorShare"]) == (8, 5, 0.625)


async def test_stats_put_the_scarcest_skill_first(partners: Partners):
    """nlp is offered by ada alone and sought by bea, carl, fay and gus."""
    skills = (await partners["ada"].data(STATS))["networkStats"]["skills"]
    assert skills[0] == {"skill": {"slug": "nlp"}, "offered": 1, "sought": 4, "gap": 3}
    assert {"skill": {"slug": "public-administration"}, "offered": 6, "sought": 1, "gap": -5} in skills


async def test_stats_count_submissions_and_awards_per_round_and_sector(partners: Partners):
    rounds = (await partners["ada"].data(STATS))["networkStats"]["rounds"]
    first, second = {"name": "Ideenwettbewerb 2025"}, {"name": "Förderrunde 2026"}
    assert rounds == [
        {"round": first, "sector": "MUNICIPALITY", "submissions": 1, "awards": 0, "awardedEur": 0},
        {"round": first, "sector": "STARTUP", "submissions": 1, "awards": 0, "awardedEur": 0},
        {"round": second, "sector": "CIVIL_SOCIETY", "submissions": 1, "awards": 1, "awardedEur": 15_000},
        {"round": second, "sector": "RESEARCH", "submissions": 1, "awards": 1, "awardedEur": 15_000},
    ]


async def test_stats_of_an_empty_platform_are_zero(client: Any):
    stats = (await client.data(STATS))["networkStats"]
    assert stats == {
        "profilesBySector": [],
        "profilesByRegion": [],
        "edges": 0,
        "crossSectorEdges": 0,
        "crossSectorShare": 0.0,
        "skills": [],
        "rounds": [],
    }

"""The team builder and an idea's suggested partners, on the network of tests/partners.py.

Ada (STARTUP) owns the geodata idea, which needs nlp (hers), geodata, ux-research and
public-administration. Hana (RESEARCH) offers geodata and ux-research; jan geodata; kim and lea
ux-research; bea, carl, fay, gus, ivo and nico public-administration."""

from typing import Any

import pytest

from tests.partners import PA, Partners, weight

TEAM = """
query($id: ID!, $size: Int!) {
  node(id: $id) {
    ... on Idea {
      suggestedTeam(size: $size) {
        members { profile { displayName sector } inTeam interested covers { slug } }
        covered { skill { slug } }
        uncovered { skill { slug } weight }
        sectors crossSector optimal
        notice { code message }
      }
    }
  }
}
"""
PARTNERS = """
query($id: ID!) {
  node(id: $id) {
    ... on Idea {
      suggestedPartners {
        notice { code }
        matches {
          profile { displayName } score explanation
          theyOffer { skill { slug } } theySeek { skill { slug } }
        }
      }
    }
  }
}
"""


async def suggest(partners: Partners, viewer: str, idea: str, size: int) -> dict[str, Any]:
    data = await partners[viewer].data(TEAM, {"id": partners.idea(idea), "size": size})
    suggestion: dict[str, Any] = data["node"]["suggestedTeam"]
    return suggestion


def members(suggestion: dict[str, Any]) -> list[str]:
    return [member["profile"]["displayName"] for member in suggestion["members"]]


async def test_a_team_of_two_takes_whoever_covers_most_and_names_what_stays_uncovered(partners: Partners):
    suggestion = await suggest(partners, "ada", "geodata", 2)
    assert suggestion == {
        "members": [
            {
                "profile": {"displayName": "Ada", "sector": "STARTUP"},
                "inTeam": True,
                "interested": False,
                "covers": [{"slug": "nlp"}],
            },
            {
                "profile": {"displayName": "Hana", "sector": "RESEARCH"},
                "inTeam": False,
                "interested": False,
                "covers": [{"slug": "geodata"}, {"slug": "ux-research"}],
            },
        ],
        "covered": [
            {"skill": {"slug": "geodata"}},
            {"skill": {"slug": "ux-research"}},
            {"skill": {"slug": "nlp"}},
        ],
        "uncovered": [{"skill": {"slug": PA}, "weight": pytest.approx(weight(PA))}],
        "sectors": ["RESEARCH", "STARTUP"],
        "crossSector": True,
        "optimal": True,
        "notice": None,
    }


async def test_a_team_of_three_covers_every_need(partners: Partners):
    suggestion = await suggest(partners, "ada", "geodata", 3)
    assert members(suggestion)[:2] == ["Ada", "Hana"]
    assert members(suggestion)[2] in {"Bea", "Carl", "Fay", "Gus", "Ivo", "Nico"}
    assert suggestion["uncovered"] == []
    assert suggestion["members"][2]["covers"] == [{"slug": PA}]


async def test_the_team_must_span_two_sectors_even_at_the_cost_of_interest(partners: Partners):
    """Jan (RESEARCH) needs ux-research: hana offers it but is RESEARCH too, so she cannot make a
    team of two with him; kim and lea both can, and kim has his pending invitation."""
    suggestion = await suggest(partners, "jan", "plain", 2)
    assert members(suggestion) == ["Jan", "Kim"]
    assert suggestion["members"][1]["interested"] is True
    assert suggestion["sectors"] == ["CIVIL_SOCIETY", "RESEARCH"]


async def test_without_a_candidate_from_another_sector_the_team_says_it_spans_one(partners: Partners):
    """Carl (STARTUP) needs backend, which only ada, also STARTUP, offers."""
    suggestion = await suggest(partners, "carl", "backend", 2)
    assert members(suggestion) == ["Carl", "Ada"]
    assert suggestion["crossSector"] is False
    assert suggestion["notice"]["code"] == "SINGLE_SECTOR"


async def test_an_idea_without_needs_is_told_to_name_them(partners: Partners):
    suggestion = await suggest(partners, "ada", "assistant", 3)
    assert members(suggestion) == ["Ada", "Fay", "Mia"]
    assert suggestion["notice"]["code"] == "NO_NEEDS"


async def test_current_members_are_always_in(partners: Partners):
    """Hana's health team (hana, jan, kim) already offers ux-research, all the idea needs."""
    suggestion = await suggest(partners, "kim", "health", 4)
    assert members(suggestion)[:3] == ["Hana", "Jan", "Kim"]
    assert all(member["inTeam"] for member in suggestion["members"][:3])
    assert suggestion["notice"]["code"] == "NEEDS_COVERED"


@pytest.mark.parametrize(
    ("idea", "size", "message"),
    [
        ("geodata", 1, "'size' must be between 2 and 4, got 1."),
        ("geodata", 5, "'size' must be between 2 and 4, got 5."),
        ("health", 2, "The team already has 3 members; ask for a 'size' of at least 3."),
    ],
)
async def test_a_size_the_team_cannot_have_is_refused(partners: Partners, idea: str, size: int, message: str):
    owner = {"geodata": "ada", "health": "hana"}[idea]
    body = await partners[owner].post(TEAM, {"id": partners.idea(idea), "size": size})
    assert body["data"] == {"node": {"suggestedTeam": None}}
    [error] = body["errors"]
    assert (error["message"], error["extensions"]) == (
        message,
        {"code": "BAD_USER_INPUT", "argument": "size"},
    )


@pytest.mark.parametrize(("viewer", "code"), [("carl", "FORBIDDEN"), ("fay", "FORBIDDEN")])
async def test_only_the_ideas_owner_and_team_see_suggestions(partners: Partners, viewer: str, code: str):
    body = await partners[viewer].post(TEAM, {"id": partners.idea("geodata"), "size": 2})
    assert body["data"] == {"node": {"suggestedTeam": None}}
    assert body["errors"][0]["extensions"]["code"] == code


async def test_suggested_partners_offer_the_open_needs_from_other_sectors_first(partners: Partners):
    data = await partners["ada"].data(PARTNERS, {"id": partners.idea("geodata")})
    found = data["node"]["suggestedPartners"]
    assert [m["profile"]["displayName"] for m in found["matches"]][:4] == ["Hana", "Jan", "Kim", "Lea"]
    hana = found["matches"][0]
    assert hana["score"] == pytest.approx((weight("geodata") + weight("ux-research")) * 1.25)
    assert hana["theyOffer"] == [{"skill": {"slug": "geodata"}}, {"skill": {"slug": "ux-research"}}]
    assert hana["theySeek"] == []
    assert hana["explanation"] == (
        "Offers Geodaten (2.67) and Nutzerforschung (2.39), which the idea still needs. "
        "From another sector: +1.27 (score × 1.25)."
    )


async def test_suggested_partners_leave_out_pending_invitations(partners: Partners):
    """Kim has jan's pending invitation to the plain idea, so only lea and hana are suggested."""
    data = await partners["jan"].data(PARTNERS, {"id": partners.idea("plain")})
    listed = [m["profile"]["displayName"] for m in data["node"]["suggestedPartners"]["matches"]]
    assert listed == ["Lea", "Hana"]


async def test_an_idea_whose_needs_the_team_covers_gets_a_notice(partners: Partners):
    data = await partners["hana"].data(PARTNERS, {"id": partners.idea("health")})
    assert data["node"]["suggestedPartners"] == {"notice": {"code": "NEEDS_COVERED"}, "matches": []}

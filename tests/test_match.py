"""Partner and idea matching on the hand-made network of tests/partners.py.

Ada (STARTUP) offers nlp and backend and seeks public-administration and data-protection. Worked
out by hand: bea (MUNICIPALITY) offers both, seeks nlp: (w(pa) + w(dp) + w(nlp)) × 1.25; carl has
the same skills in ada's own sector, so no bonus; dora seeks backend, × 1.25; otto offers only
data-protection, rarer than ivo's and nico's public-administration. Fay and mia are ada's
teammates and gus has her pending invitation, so none of them is listed."""

from typing import Any

import pytest

from tests.conftest import GraphQLClient
from tests.partners import DP, PA, Partners, weight

MATCH = """
query($first: Int, $filter: PartnerFilter) {
  matchPartners(first: $first, filter: $filter) {
    notice { code message }
    matches {
      profile { displayName }
      score complementarity crossSector sectorBonus explanation
      theyOffer { skill { slug } weight }
      theySeek { skill { slug } weight }
    }
  }
}
"""
NAMES = """
query($first: Int, $filter: PartnerFilter) {
  matchPartners(first: $first, filter: $filter) { notice { code } matches { profile { displayName } } }
}
"""
IDEAS = """
query($first: Int) {
  matchIdeas(first: $first) {
    notice { code message }
    matches { idea { title } score crossSector skills { skill { slug } weight } explanation }
  }
}
"""
BONUS = 1.25


async def names(client: GraphQLClient, **variables: Any) -> list[str]:
    found = (await client.data(NAMES, variables))["matchPartners"]
    return [match["profile"]["displayName"] for match in found["matches"]]


async def test_partners_rank_by_weighted_complementarity_with_the_cross_sector_bonus(partners: Partners):
    assert await names(partners["ada"]) == ["Bea", "Carl", "Dora", "Otto", "Ivo", "Nico"]


async def test_the_best_match_carries_its_score_and_why(partners: Partners):
    found = (await partners["ada"].data(MATCH, {"first": 1}))["matchPartners"]
    complementarity = weight(PA) + weight(DP) + weight("nlp")
    assert found["notice"] is None
    [best] = found["matches"]
    assert best["score"] == pytest.approx(complementarity * BONUS)
    assert best["complementarity"] == pytest.approx(complementarity)
    assert best["sectorBonus"] == pytest.approx(complementarity * (BONUS - 1))
    assert best["crossSector"] is True
    assert best["theyOffer"] == [
        {"skill": {"slug": DP}, "weight": pytest.approx(weight(DP))},
        {"skill": {"slug": PA}, "weight": pytest.approx(weight(PA))},
    ]
    assert best["theySeek"] == [{"skill": {"slug": "nlp"}, "weight": pytest.approx(weight("nlp"))}]
    assert best["explanation"] == (
        "Offers Datenschutz (DSGVO) (1.83) and Verwaltungspraxis (1.69), which you seek. "
        "Seeks Sprachverarbeitung (NLP) (1.98), which you offer. "
        "From another sector: +1.38 (score × 1.25)."
    )


async def test_a_partner_from_the_same_sector_gets_no_bonus(partners: Partners):
    matches = (await partners["ada"].data(MATCH, {"first": 2}))["matchPartners"]["matches"]
    bea, carl = matches
    assert (carl["crossSector"], carl["sectorBonus"]) == (False, 0)
    assert bea["score"] == pytest.approx(carl["score"] * BONUS)


async def test_a_rarer_skill_weighs_more(partners: Partners):
    """Otto's data-protection has 6 claims, Ivo's public-administration 7."""
    found = await names(partners["ada"])
    assert found.index("Otto") < found.index("Ivo")
    assert weight(DP) > weight(PA)


async def test_equal_scores_go_to_the_older_profile(partners: Partners):
    assert (await names(partners["ada"]))[-2:] == ["Ivo", "Nico"]


async def test_teammates_and_pending_invitations_are_left_out(partners: Partners):
    assert {"Fay", "Mia", "Gus"}.isdisjoint(await names(partners["ada"]))


async def test_the_invited_member_does_not_see_the_inviter_either(partners: Partners):
    assert "Ada" not in await names(partners["gus"])


async def test_first_limits_the_list(partners: Partners):
    assert await names(partners["ada"], first=2) == ["Bea", "Carl"]


async def test_region_and_sector_filters_narrow_the_candidates(partners: Partners):
    assert await names(partners["ada"], filter={"region": ["SACHSEN"]}) == ["Otto", "Ivo"]
    assert await names(partners["ada"], filter={"sector": ["SME"], "kind": ["PERSON"]}) == ["Nico"]


async def test_a_filter_that_matches_nothing_gives_an_empty_list(partners: Partners):
    found = (await partners["ada"].data(NAMES, {"filter": {"region": ["SAARLAND"]}}))["matchPartners"]
    assert found == {"notice": None, "matches": []}


async def test_first_above_the_maximum_is_refused_naming_it(partners: Partners):
    body = await partners["ada"].post(NAMES, {"first": 51})
    assert body["data"] == {"matchPartners": None}
    [error] = body["errors"]
    assert error["message"] == "'first' must be between 0 and 50, got 51."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}


async def test_first_zero_gives_no_matches(partners: Partners):
    assert await names(partners["ada"], first=0) == []


async def test_a_member_without_skills_is_told_to_add_them(partners: Partners):
    found = (await partners["emil"].data(MATCH))["matchPartners"]
    assert found == {
        "notice": {
            "code": "NO_SKILLS",
            "message": "Add the skills you offer and seek (setSkills): partners are matched on them.",
        },
        "matches": [],
    }


async def test_a_member_without_a_profile_is_told_to_create_one(partners: Partners):
    found = (await partners["newcomer"].data(NAMES))["matchPartners"]
    assert found == {"notice": {"code": "NO_PROFILE"}, "matches": []}


async def test_matching_needs_a_sign_in(partners: Partners):
    body = await partners.client.anonymous().post(NAMES)
    assert body["data"] == {"matchPartners": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_new_skills_count_at_once(partners: Partners):
    """Emil had nothing to match on; once he seeks nlp, ada, who offers it, ranks."""
    await partners["emil"].data(
        'mutation { setSkills(offers: [], seeks: [{skill: "nlp", level: BASIC}]) { errors { message } } }'
    )
    assert await names(partners["emil"]) == ["Ada"]


async def test_a_teammate_on_a_draft_is_still_a_teammate(partners: Partners):
    """Dora seeks the backend emil offers, but they share the draft's team."""
    await partners["emil"].data(
        'mutation { setSkills(offers: [{skill: "backend", level: BASIC}], seeks: []) { errors { message } } }'
    )
    assert await names(partners["emil"]) == []


async def test_a_deleted_profile_is_no_longer_matched(partners: Partners):
    await partners["bea"].data("mutation { deleteMyProfile { errors { message } } }")
    assert "Bea" not in await names(partners["ada"])


async def test_statements_do_not_grow_with_the_number_of_matches(partners: Partners):
    await names(partners["ada"])
    counts = []
    for first in (1, 6):
        with partners.client.database.recorded_statements() as statements:
            await partners["ada"].data(MATCH, {"first": first})
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 6


PROFILE_MATCHES = """
query($id: ID!) { profile(id: $id) { matches(first: 3) { matches { profile { displayName } } } } }
"""


async def test_admins_see_any_profiles_matches(partners: Partners):
    data = await partners.admin.data(PROFILE_MATCHES, {"id": partners.profile("ada")})
    listed = [m["profile"]["displayName"] for m in data["profile"]["matches"]["matches"]]
    assert listed == ["Bea", "Carl", "Dora"]


async def test_members_may_not_see_another_profiles_matches(partners: Partners):
    body = await partners["carl"].post(PROFILE_MATCHES, {"id": partners.profile("ada")})
    assert body["data"] == {"profile": {"matches": None}}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_ideas_whose_open_needs_i_offer_rank_with_the_cross_sector_bonus(partners: Partners):
    """Lea (SME) offers ux-research: ada's and jan's ideas need it (other sectors), nico's too
    (her sector). Hana's health idea needs it but hana offers it; dora's needs it but is a draft."""
    found = (await partners["lea"].data(IDEAS))["matchIdeas"]
    assert found["notice"] is None
    assert [(m["idea"]["title"], m["crossSector"]) for m in found["matches"]] == [
        ("The geodata idea", True),
        ("The plain idea", True),
        ("The neighbours idea", False),
    ]
    first = found["matches"][0]
    assert first["score"] == pytest.approx(weight("ux-research") * BONUS)
    assert first["skills"] == [
        {"skill": {"slug": "ux-research"}, "weight": pytest.approx(weight("ux-research"))}
    ]
    assert first["explanation"] == (
        "Needs Nutzerforschung (2.39), which you offer and its team does not. "
        "You would bring a new sector (score × 1.25)."
    )


async def test_my_own_ideas_are_not_matched_to_me(partners: Partners):
    """Ada offers nlp, which her own geodata idea needs."""
    found = (await partners["ada"].data(IDEAS))["matchIdeas"]
    assert "The geodata idea" not in [m["idea"]["title"] for m in found["matches"]]


async def test_a_member_offering_nothing_is_told_to_add_offers(partners: Partners):
    found = (await partners["mia"].data(IDEAS))["matchIdeas"]
    assert found["matches"] == []
    assert found["notice"]["code"] == "NO_OFFERS"

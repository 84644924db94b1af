"""Finding profiles by sector, region and the skills they offer or seek."""

from sqlalchemy import select
from sqlmodel import col

from models import Profile, ProfileSkill, Skill
from models.enums import Sector, SkillDirection
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient

FIND = """
query Find($filter: ProfileFilter) {
  profiles(first: 100, filter: $filter) {
    totalCount
    nodes { id sector region skills { direction skill { slug } } }
  }
}
"""


def _claiming(direction: SkillDirection, slugs: list[str]):
    return (
        select(col(ProfileSkill.profile_id))
        .join(Skill)
        .where(col(ProfileSkill.direction) == direction, col(Skill.slug).in_(slugs))
    )


async def test_filter_by_sector_and_skill_offered(demo_client: GraphQLClient):
    data = await demo_client.data(
        FIND, {"filter": {"sector": ["MUNICIPALITY", "STARTUP"], "offers": ["machine-learning", "nlp"]}}
    )
    rows = await demo_client.database.fetch_all(
        select(col(Profile.id)).where(
            col(Profile.sector).in_([Sector.MUNICIPALITY, Sector.STARTUP]),
            col(Profile.id).in_(_claiming(SkillDirection.OFFERS, ["machine-learning", "nlp"])),
        )
    )

    assert rows, "the demo data should hold such profiles"
    assert {node["id"] for node in data["profiles"]["nodes"]} == {
        to_global_id("Profile", row.id) for row in rows
    }


async def test_filter_by_region_and_skill_sought(demo_client: GraphQLClient):
    data = await demo_client.data(FIND, {"filter": {"region": ["BERLIN"], "seeks": ["nlp"]}})

    for node in data["profiles"]["nodes"]:
        assert node["region"] == "BERLIN"
        assert {"direction": "SEEKS", "skill": {"slug": "nlp"}} in node["skills"]


async def test_skills_of_one_direction(demo_client: GraphQLClient):
    data = await demo_client.data(
        "query($id: ID!) { profile(id: $id) { offered: skills(direction: OFFERS) { direction }"
        " all: skills { direction } } }",
        {"id": to_global_id("Profile", 1)},
    )

    offered, everything = data["profile"]["offered"], data["profile"]["all"]
    assert offered
    assert all(claim["direction"] == "OFFERS" for claim in offered)
    assert len(everything) > len(offered)

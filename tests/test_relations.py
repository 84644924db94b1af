"""Every relation can be walked both ways and comes back to where it started."""

from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient


async def test_idea_owner_lists_the_idea(demo_client: GraphQLClient):
    data = await demo_client.data(
        "query($id: ID!) { idea(id: $id) { id owner { ideas(first: 100) { nodes { id } } } } }",
        {"id": to_global_id("Idea", 1)},
    )

    idea = data["idea"]
    assert idea["id"] in [node["id"] for node in idea["owner"]["ideas"]["nodes"]]


async def test_team_members_lead_back_to_the_team(demo_client: GraphQLClient):
    data = await demo_client.data(
        """{ teams(first: 5) { nodes { id idea { team { id } }
             members { team { id } profile { memberships(first: 100) { nodes { team { id } } } } } } } }"""
    )

    for team in data["teams"]["nodes"]:
        assert team["idea"]["team"]["id"] == team["id"]
        assert 2 <= len(team["members"]) <= 4
        for member in team["members"]:
            assert member["team"]["id"] == team["id"]
            teams_of_member = [m["team"]["id"] for m in member["profile"]["memberships"]["nodes"]]
            assert team["id"] in teams_of_member


async def test_skill_profiles_offer_the_skill(demo_client: GraphQLClient):
    data = await demo_client.data(
        """{ skill(slug: "nlp") { slug
             profiles(direction: OFFERS, first: 20) { nodes { skills(direction: OFFERS) { skill { slug } } } }
             ideas(first: 20) { nodes { skillsNeeded { slug } } } } }"""
    )

    skill = data["skill"]
    for profile in skill["profiles"]["nodes"]:
        assert {"skill": {"slug": "nlp"}} in profile["skills"]
    for idea in skill["ideas"]["nodes"]:
        assert {"slug": "nlp"} in idea["skillsNeeded"]


async def test_topic_ideas_carry_the_topic(demo_client: GraphQLClient):
    data = await demo_client.data("{ topics { slug ideas(first: 10) { nodes { topics { slug } } } } }")

    for topic in data["topics"]:
        for idea in topic["ideas"]["nodes"]:
            assert {"slug": topic["slug"]} in idea["topics"]


async def test_submission_team_and_progress_log(demo_client: GraphQLClient):
    data = await demo_client.data(
        """{ teams(first: 30) { nodes { id
             submissions { team { id } round { name } }
             progress(first: 10) { nodes { outcome lessonsLearned team { id } author { id } } } } } }"""
    )

    for team in data["teams"]["nodes"]:
        for submission in team["submissions"]:
            assert submission["team"]["id"] == team["id"]
        for update in team["progress"]["nodes"]:
            assert update["team"]["id"] == team["id"]
            if update["outcome"] == "SUCCESSFUL_FAILURE":
                assert update["lessonsLearned"]


async def test_invites_between_profiles(demo_client: GraphQLClient):
    data = await demo_client.data(
        """{ profiles(first: 50) { nodes { id
             invitesSent(first: 10) { nodes { sender { id } recipient { id } idea { owner { id } } } }
             invitesReceived(first: 10, status: PENDING) { nodes { status recipient { id } } } } } }"""
    )

    sent = 0
    for profile in data["profiles"]["nodes"]:
        for invite in profile["invitesSent"]["nodes"]:
            sent += 1
            assert invite["sender"]["id"] == profile["id"] == invite["idea"]["owner"]["id"]
            assert invite["recipient"]["id"] != profile["id"]
        for invite in profile["invitesReceived"]["nodes"]:
            assert invite["status"] == "PENDING"
            assert invite["recipient"]["id"] == profile["id"]
    assert sent > 0


async def test_topic_and_skill_by_slug(demo_client: GraphQLClient):
    data = await demo_client.data(
        '{ topic(slug: "health") { slug name } skill(slug: "nlp") { slug }'
        ' missing: topic(slug: "nope") { id } }'
    )

    assert data == {
        "topic": {"slug": "health", "name": "Gesundheit"},
        "skill": {"slug": "nlp"},
        "missing": None,
    }

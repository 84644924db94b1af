"""Who sees what, through HTTP with real tokens: anonymous visitors, members, owners, team
members, the jury and admins. What a viewer may not see does not exist for them: never listed,
never counted, null by ID; fields they may not see are null with UNAUTHENTICATED or FORBIDDEN."""

import pytest

from tests.conftest import GraphQLClient
from tests.world import World

IDEAS = "{ ideas(first: 100) { totalCount nodes { title } } }"


async def _titles(client: GraphQLClient) -> tuple[int, set[str]]:
    data = await client.data(IDEAS)
    return data["ideas"]["totalCount"], {node["title"] for node in data["ideas"]["nodes"]}


async def _node(client: GraphQLClient, global_id: str, selection: str = "id") -> dict | None:
    data = await client.data("query($id: ID!) { node(id: $id) { " + selection + " } }", {"id": global_id})
    return data["node"]


def _codes(body: dict) -> list[tuple[str, str]]:
    return [(".".join(map(str, error["path"])), error["extensions"]["code"]) for error in body["errors"]]


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("anonymous", {"The published idea"}),
        ("stranger", {"The published idea", "The archived idea"}),
        ("newcomer", {"The published idea", "The archived idea"}),
        ("partner", {"The published idea", "The archived idea"}),
        ("owner", {"The published idea", "The archived idea", "The draft idea", "The hidden idea"}),
        ("admin", {"The published idea", "The archived idea", "The draft idea", "The hidden idea"}),
    ],
)
async def test_idea_lists_and_counts_hold_only_what_the_viewer_may_see(
    world: World, viewer: str, expected: set
):
    total, titles = await _titles(getattr(world, viewer))

    assert titles == expected
    assert total == len(expected)


@pytest.mark.parametrize("idea", ["draft_idea", "hidden_idea"])
@pytest.mark.parametrize("viewer", ["anonymous", "stranger", "partner", "jury"])
async def test_drafts_and_hidden_ideas_do_not_exist_for_others(world: World, viewer: str, idea: str):
    client = getattr(world, viewer)

    assert await _node(client, world[idea]) is None
    data = await client.data("query($id: ID!) { idea(id: $id) { id } }", {"id": world[idea]})
    assert data == {"idea": None}


async def test_the_owner_sees_her_draft_and_why_an_idea_was_hidden(world: World):
    data = await world.owner.data(
        "query($d: ID!, $h: ID!) { d: idea(id: $d) { status } h: idea(id: $h) { hiddenReason } }",
        {"d": world["draft_idea"], "h": world["hidden_idea"]},
    )

    assert data == {"d": {"status": "DRAFT"}, "h": {"hiddenReason": "Werbung"}}


async def test_anonymous_sees_the_public_part_and_is_told_to_sign_in_for_the_rest(world: World):
    body = await world.anonymous.post(
        "query($id: ID!) { idea(id: $id) { title teaser description team { id } "
        "owner { displayName sector bio skills { level } } } }",
        {"id": world["published_idea"]},
    )

    assert body["data"] == {
        "idea": {
            "title": "The published idea",
            "teaser": "Teaser of the published idea",
            "description": None,
            "team": None,
            "owner": {"displayName": "Owner", "sector": "STARTUP", "bio": None, "skills": []},
        }
    }
    assert sorted(_codes(body)) == [
        ("idea.description", "UNAUTHENTICATED"),
        ("idea.owner.bio", "UNAUTHENTICATED"),
        ("idea.team", "UNAUTHENTICATED"),
    ]
    assert body["errors"][0]["message"].startswith("Sign in to see ")


async def test_members_see_descriptions_bios_and_published_ideas_teams(world: World):
    data = await world.stranger.data(
        "query($id: ID!) { idea(id: $id) { description owner { bio } team { name members { role } } } }",
        {"id": world["published_idea"]},
    )

    assert data == {
        "idea": {
            "description": "Description of the published idea",
            "owner": {"bio": "Bio of owner"},
            "team": {"name": "Team Published", "members": [{"role": "LEAD"}, {"role": "MEMBER"}]},
        }
    }


async def test_anonymous_sees_no_teams_at_all(world: World):
    body = await world.anonymous.post("{ teams { totalCount } }")

    assert body["data"] == {"teams": None}
    assert _codes(body) == [("teams", "UNAUTHENTICATED")]
    assert await _node(world.anonymous, world["team"]) is None


@pytest.mark.parametrize(
    ("viewer", "visible"), [("stranger", False), ("partner", True), ("jury", True), ("admin", True)]
)
async def test_submission_texts_are_for_the_team_the_jury_and_admins(
    world: World, viewer: str, visible: bool
):
    client = getattr(world, viewer)

    node = await _node(client, world["submission"], "... on Submission { projectDraft }")
    listed = await client.data(
        "query($id: ID!) { contestRound(id: $id) { submissions { totalCount nodes { projectDraft } } } }",
        {"id": world["round"]},
    )

    expected = [{"projectDraft": "Our secret draft"}] if visible else []
    assert node == (expected[0] if visible else None)
    assert listed["contestRound"]["submissions"] == {"totalCount": len(expected), "nodes": expected}


@pytest.mark.parametrize(
    ("viewer", "code"), [("anonymous", "UNAUTHENTICATED"), ("stranger", "FORBIDDEN"), ("jury", "FORBIDDEN")]
)
async def test_progress_logs_are_the_teams_own(world: World, viewer: str, code: str):
    body = await world.admin.post("query($id: ID!) { team(id: $id) { id } }", {"id": world["team"]})
    assert body["data"]["team"]
    client = getattr(world, viewer)

    body = await client.post(
        "query($id: ID!) { node(id: $id) { ... on Team { progress { totalCount } } } }", {"id": world["team"]}
    )

    if viewer == "anonymous":
        assert body == {"data": {"node": None}}
    else:
        assert body["data"] == {"node": {"progress": None}}
        assert _codes(body) == [("node.progress", code)]
    assert await _node(client, world["progress"]) is None


async def test_team_members_read_their_log(world: World):
    data = await world.partner.data(
        "query($id: ID!) { team(id: $id) { progress { totalCount "
        "nodes { title author { displayName } } } } }",
        {"id": world["team"]},
    )

    assert data == {
        "team": {
            "progress": {
                "totalCount": 1,
                "nodes": [{"title": "Kick-off", "author": {"displayName": "Partner"}}],
            }
        }
    }


@pytest.mark.parametrize(
    ("viewer", "visible"), [("owner", True), ("stranger", True), ("partner", False), ("admin", True)]
)
async def test_invitations_are_seen_by_sender_and_recipient(world: World, viewer: str, visible: bool):
    node = await _node(getattr(world, viewer), world["invite"], "... on Invite { message }")

    assert node == ({"message": "Join us?"} if visible else None)


async def test_only_the_profiles_own_member_lists_its_invitations(world: World):
    query = "query($id: ID!) { profile(id: $id) { invitesReceived { totalCount } } }"

    own = await world.stranger.data(query, {"id": world["stranger_profile"]})
    other = await world.owner.post(query, {"id": world["stranger_profile"]})

    assert own == {"profile": {"invitesReceived": {"totalCount": 1}}}
    assert other["data"] == {"profile": {"invitesReceived": None}}
    assert _codes(other) == [("profile.invitesReceived", "FORBIDDEN")]


async def test_nested_idea_lists_follow_the_same_rules(world: World):
    query = "query($id: ID!) { profile(id: $id) { ideas { totalCount } } }"

    anonymous = await world.anonymous.data(query, {"id": world["owner_profile"]})
    owner = await world.owner.data(query, {"id": world["owner_profile"]})

    assert anonymous == {"profile": {"ideas": {"totalCount": 1}}}
    assert owner == {"profile": {"ideas": {"totalCount": 4}}}


async def test_me_is_the_signed_in_members_profile(world: World):
    assert await world.partner.data("{ me { displayName } }") == {"me": {"displayName": "Partner"}}
    assert await world.newcomer.data("{ me { displayName } }") == {"me": None}
    assert await world.anonymous.data("{ me { displayName } }") == {"me": None}

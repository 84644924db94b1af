"""Data protection over the small world: a member takes all their data with them (`exportMyData`,
`GET /me/export`) or deletes their profile with everything personal it holds, while their team
keeps what it entered in a contest."""

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select
from sqlmodel import col

from models import Idea, Invite, Membership, Profile, ProfileSkill, ProgressUpdate, Submission, Team
from models.enums import IdeaStatus, SkillDirection, SkillLevel, TeamRole
from tests.conftest import GraphQLClient
from tests.world import NOW, World

EXPORT = "{ exportMyData }"
DELETE = "mutation { deleteMyProfile { deletedProfileId errors { code field message } } }"
MEMBERS = "query($id: ID!) { team(id: $id) { members { role profile { displayName } } } }"

OWNER, PARTNER, STRANGER = 1, 2, 3


async def _export(client: GraphQLClient) -> Any:
    return (await client.data(EXPORT))["exportMyData"]


async def _download(client: GraphQLClient) -> httpx.Response:
    return await client.http.get("/me/export", headers=client.headers)


async def _delete(client: GraphQLClient) -> dict[str, Any]:
    """The payload of a deletion that must succeed."""
    payload: dict[str, Any] = (await client.data(DELETE))["deleteMyProfile"]
    assert payload["errors"] == [], payload
    return payload


async def _rows(client: GraphQLClient, *columns: Any, where: Any = True) -> set[tuple[Any, ...]]:
    return {tuple(row) for row in await client.database.fetch_all(select(*columns).where(where))}


async def _insert(client: GraphQLClient, model: Any, *rows: dict[str, Any]) -> None:
    async with client.database.transaction() as connection:
        await connection.execute(insert(model), list(rows))


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


# Taking the data along


async def test_the_export_holds_the_members_profile_team_log_and_submission(world: World):
    document = await _export(world.partner)

    assert document["profile"]["id"] == world["partner_profile"]
    assert document["profile"]["display_name"] == "Partner"
    assert [(m["team_id"], m["role"]) for m in document["memberships"]] == [(world["team"], "MEMBER")]
    assert [(u["id"], u["title"]) for u in document["progressUpdates"]] == [(world["progress"], "Kick-off")]
    assert [(s["id"], s["project_draft"]) for s in document["teamSubmissions"]] == [
        (world["submission"], "Our secret draft")
    ]


async def test_the_export_holds_no_other_members_data(world: World):
    text = json.dumps(await _export(world.partner))

    for name in ("owner", "stranger"):
        assert world[f"{name}_profile"] not in text
        assert f"Bio of {name}" not in text
        assert f"test|{name}" not in text
    assert "Join us?" not in text


async def test_anonymous_visitors_have_nothing_to_export(world: World):
    body = await world.anonymous.post(EXPORT)

    assert body["data"] == {"exportMyData": None}
    assert _codes(body) == ["UNAUTHENTICATED"]


async def test_a_member_without_a_profile_has_nothing_to_export(world: World):
    assert await _export(world.newcomer) is None


async def test_the_download_is_the_same_document_as_the_query(world: World):
    response = await _download(world.partner)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.json() == await _export(world.partner)


@pytest.mark.parametrize(
    ("viewer", "status", "code"), [("anonymous", 401, "UNAUTHENTICATED"), ("newcomer", 404, "NOT_FOUND")]
)
async def test_no_download_without_a_profile(world: World, viewer: str, status: int, code: str):
    response = await _download(getattr(world, viewer))

    assert response.status_code == status
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == [code]


# Deleting the profile


async def test_deleting_a_profile_removes_it_with_its_skills_and_invites(world: World):
    await _insert(
        world.stranger,
        ProfileSkill,
        {
            "profile_id": STRANGER,
            "skill_id": 1,
            "direction": SkillDirection.OFFERS,
            "level": SkillLevel.BASIC,
        },
    )

    payload = await _delete(world.stranger)

    assert payload["deletedProfileId"] == world["stranger_profile"]
    assert await _rows(world.stranger, col(Profile.id), where=col(Profile.id) == STRANGER) == set()
    assert await _rows(world.stranger, col(ProfileSkill.skill_id)) == set()
    assert await _rows(world.stranger, col(Invite.id)) == set()


async def test_after_deleting_the_profile_the_member_is_still_signed_in_without_one(world: World):
    await _delete(world.stranger)

    assert await world.stranger.data("{ me { id } }") == {"me": None}


async def test_a_team_with_a_submission_keeps_a_former_members_place(world: World):
    await _delete(world.partner)

    assert await _rows(world.admin, col(Membership.profile_id), col(Membership.role)) == {
        (OWNER, TeamRole.LEAD),
        (None, TeamRole.MEMBER),
    }
    assert await _rows(world.admin, col(Submission.id)) == {(1,)}
    members = (await world.owner.data(MEMBERS, {"id": world["team"]}))["team"]["members"]
    assert members == [
        {"role": "LEAD", "profile": {"displayName": "Owner"}},
        {"role": "MEMBER", "profile": None},
    ]


async def test_the_log_entries_a_member_wrote_go_with_their_profile(world: World):
    await _delete(world.partner)

    assert await _rows(world.admin, col(ProgressUpdate.id)) == set()


async def test_an_idea_whose_team_carries_on_passes_to_the_new_lead(world: World):
    await _delete(world.owner)

    assert await _rows(world.admin, col(Idea.owner_id), where=col(Idea.id) == 1) == {(PARTNER,)}
    assert await _rows(world.admin, col(Membership.profile_id), col(Membership.role)) == {
        (PARTNER, TeamRole.LEAD),
        (None, TeamRole.MEMBER),
    }


async def test_ideas_nobody_carries_on_go_with_their_owners_profile(world: World):
    await _delete(world.owner)

    assert await _rows(world.admin, col(Idea.id)) == {(1,)}


async def test_the_invites_a_member_sent_go_with_their_profile(world: World):
    await _delete(world.owner)

    assert await _rows(world.admin, col(Invite.id)) == set()


async def test_a_team_without_submission_left_with_one_member_dissolves(world: World):
    await _insert(
        world.admin,
        Idea,
        {
            "id": 5,
            "owner_id": STRANGER,
            "title": "The stranger's idea",
            "teaser": "Teaser",
            "description": "Description",
            "status": IdeaStatus.PUBLISHED,
            "published_at": NOW,
        },
    )
    await _insert(world.admin, Team, {"id": 2, "idea_id": 5, "name": "Team Two"})
    await _insert(
        world.admin,
        Membership,
        {"id": 3, "team_id": 2, "profile_id": STRANGER, "role": TeamRole.LEAD},
        {"id": 4, "team_id": 2, "profile_id": PARTNER, "role": TeamRole.MEMBER},
    )

    await _delete(world.partner)

    assert await _rows(world.admin, col(Team.id)) == {(1,)}
    assert (
        await _rows(world.admin, col(Membership.team_id), where=col(Membership.profile_id) == STRANGER)
        == set()
    )
    assert await _rows(world.admin, col(Idea.owner_id), where=col(Idea.id) == 5) == {(STRANGER,)}


async def test_an_idea_nobody_is_left_to_carry_goes_with_its_team_and_entries(world: World):
    """Former members keep their places while someone with a profile carries the idea. When the
    idea's owner is the last of them, the idea is theirs to delete and its team and submission go
    with it: a team exists only for an idea, and nobody is left to own one."""
    await _delete(world.partner)
    await _delete(world.owner)

    assert await _rows(world.admin, col(Submission.id)) == set()
    assert await _rows(world.admin, col(Team.id)) == set()


async def test_anonymous_visitors_cannot_delete_a_profile(world: World):
    body = await world.anonymous.post(DELETE)

    assert body["data"] == {"deleteMyProfile": None}
    assert _codes(body) == ["UNAUTHENTICATED"]


async def test_a_member_without_a_profile_has_none_to_delete(world: World):
    payload = (await world.newcomer.data(DELETE))["deleteMyProfile"]

    assert payload["deletedProfileId"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("FORBIDDEN", None)]

"""Writing through HTTP with real tokens: profiles and their skills, ideas from draft to archive,
moderation and reports, the skill taxonomy and contest rounds.

Every refusal is a payload with the object null and a UserError that names the input field at
fault in words to show the member; a refused write leaves no trace in the database. Anonymous
callers get a GraphQL error UNAUTHENTICATED instead, as they cannot write at all."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from models import ContestRound, Idea, IdeaReport, Profile
from resolvers.ids import to_global_id
from tests.conftest import GraphQLClient
from tests.world import NOW, World, subject

ERRORS = "errors { code field message }"
PROFILE = "displayName kind sector organisationName region bio aiInterests"
SKILLS = "skills { direction level skill { slug } }"
IDEA = "title teaser description status publishedAt hiddenReason"


def _payload(body: dict[str, Any], name: str) -> dict[str, Any]:
    """The payload of mutation `name`: it ran, so what went wrong (if anything) is in its `errors`."""
    assert "errors" not in body, body["errors"]
    payload: dict[str, Any] = body["data"][name]
    return payload


@dataclass(frozen=True)
class Mutation:
    """One mutation and the selection asked of its payload."""

    name: str
    parameters: str
    """The operation's variables with their types, e.g. `$id: ID!, $reason: String!`."""
    selection: str

    @property
    def document(self) -> str:
        names = [parameter.split(":")[0].strip() for parameter in self.parameters.split(",")]
        arguments = ", ".join(f"{name[1:]}: {name}" for name in names)
        return f"mutation({self.parameters}) {{ {self.name}({arguments}) {{ {self.selection} {ERRORS} }} }}"

    async def post(self, client: GraphQLClient, **variables: Any) -> dict[str, Any]:
        """The whole response body."""
        return await client.post(self.document, variables)

    async def by(self, client: GraphQLClient, **variables: Any) -> dict[str, Any]:
        """The payload."""
        return _payload(await self.post(client, **variables), self.name)


CREATE_PROFILE = Mutation("createProfile", "$input: CreateProfileInput!", f"profile {{ {PROFILE} }}")
UPDATE_PROFILE = Mutation("updateProfile", "$input: UpdateProfileInput!", f"profile {{ {PROFILE} }}")
SET_SKILLS = Mutation(
    "setSkills", "$offers: [SkillClaimInput!]!, $seeks: [SkillClaimInput!]!", f"profile {{ {SKILLS} }}"
)
CREATE_IDEA = Mutation(
    "createIdea",
    "$input: CreateIdeaInput!",
    f"idea {{ id {IDEA} topics {{ slug }} skillsNeeded {{ slug }} }}",
)
UPDATE_IDEA = Mutation("updateIdea", "$input: UpdateIdeaInput!", "idea { title }")
PUBLISH, UNPUBLISH, ARCHIVE, UNHIDE = (
    Mutation(name, "$id: ID!", "idea { status publishedAt hiddenReason }")
    for name in ("publishIdea", "unpublishIdea", "archiveIdea", "unhideIdea")
)
HIDE = Mutation("hideIdea", "$id: ID!, $reason: String!", "idea { status hiddenReason }")
REPORT = Mutation("reportIdea", "$id: ID!, $reason: String!", "idea { title }")
CREATE_SKILL = Mutation("createSkill", "$input: CreateSkillInput!", "skill { slug name category }")
UPDATE_SKILL = Mutation("updateSkill", "$input: UpdateSkillInput!", "skill { slug name category }")
ROUND = "contestRound { name kind year maxAwardEur crossSectorRequired phase }"
CREATE_ROUND = Mutation("createRound", "$input: CreateRoundInput!", ROUND)
UPDATE_ROUND = Mutation("updateRound", "$input: UpdateRoundInput!", ROUND)

NEWCOMER = {"kind": "PERSON", "displayName": "Newcomer", "sector": "CIVIL_SOCIETY"}
NEW_IDEA = {"title": "Fewer forms", "teaser": "One form for all offices", "description": "How it works."}
PROFILE_ID = to_global_id("Profile", 1)
CLAIMS = {
    "offers": [{"skill": "nlp", "level": "EXPERT"}, {"skill": "open-data", "level": "BASIC"}],
    "seeks": [{"skill": "ux-research", "level": "ADVANCED"}],
}


def _refused(object_name: str, code: str, field: str | None, message: str) -> dict[str, Any]:
    """The whole payload of a refused mutation."""
    return {object_name: None, "errors": [{"code": code, "field": field, "message": message}]}


def _too_long(field: str, limit: int) -> str:
    return f"'{field}' takes at most {limit:,} characters, got {limit + 1:,}."


async def _count(client: GraphQLClient, model: Any, *conditions: Any) -> int:
    count: int = await client.database.fetch_scalar(
        select(func.count()).select_from(model).where(*conditions)
    )
    return count


async def _idea(client: GraphQLClient, global_id: str, selection: str = "status") -> dict[str, Any] | None:
    data = await client.data("query($id: ID!) { idea(id: $id) { " + selection + " } }", {"id": global_id})
    idea: dict[str, Any] | None = data["idea"]
    return idea


async def _my_skills(client: GraphQLClient) -> list[dict[str, Any]]:
    data = await client.data(f"{{ me {{ {SKILLS} }} }}")
    skills: list[dict[str, Any]] = data["me"]["skills"]
    return sorted(skills, key=lambda claim: (claim["direction"], claim["skill"]["slug"]))


def _claims(offers: list[dict[str, str]], seeks: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The claims as `me { skills }` lists them, sorted as `_my_skills` sorts them."""
    return [
        {"direction": direction, "level": claim["level"], "skill": {"slug": claim["skill"]}}
        for direction, claims in (("OFFERS", offers), ("SEEKS", seeks))
        for claim in sorted(claims, key=lambda claim: claim["skill"])
    ]


def _round_input(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Ideenwettbewerb Herbst",
        "kind": "IDEA_CONTEST",
        "year": NOW.year,
        "opensAt": (NOW + timedelta(days=10)).isoformat(),
        "closesAt": (NOW + timedelta(days=40)).isoformat(),
        "maxAwardEur": 20_000,
    } | changes


# Profiles


async def test_a_newcomer_creates_a_profile_and_me_returns_it(world: World):
    payload = await CREATE_PROFILE.by(world.newcomer, input=NEWCOMER | {"bio": "Hello"})

    expected = {
        "displayName": "Newcomer",
        "kind": "PERSON",
        "sector": "CIVIL_SOCIETY",
        "organisationName": None,
        "region": None,
        "bio": "Hello",
        "aiInterests": None,
    }
    assert payload == {"profile": expected, "errors": []}
    assert await world.newcomer.data(f"{{ me {{ {PROFILE} }} }}") == {"me": expected}


async def test_a_second_profile_is_a_conflict(world: World):
    payload = await CREATE_PROFILE.by(world.owner, input=NEWCOMER)

    assert payload == _refused(
        "profile", "CONFLICT", None, "You already have a profile; change it with updateProfile."
    )
    assert await _count(world.owner, Profile) == 3


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"kind": "ORGANISATION"},
            "organisationName",
            "An organisation's profile needs its 'organisationName'.",
        ),
        ({"displayName": "x" * 121}, "displayName", _too_long("displayName", 120)),
        ({"bio": "x" * 20_001}, "bio", _too_long("bio", 20_000)),
    ],
)
async def test_bad_new_profiles_are_refused_and_nothing_is_written(
    world: World, changes: dict, field: str, message: str
):
    payload = await CREATE_PROFILE.by(world.newcomer, input=NEWCOMER | changes)

    assert payload == _refused("profile", "VALIDATION", field, message)
    assert await _count(world.newcomer, Profile, col(Profile.subject_id) == subject("newcomer")) == 0
    assert await world.newcomer.data("{ me { id } }") == {"me": None}


async def test_update_profile_changes_only_the_fields_given(world: World):
    payload = await UPDATE_PROFILE.by(world.owner, input={"displayName": "Olga", "region": "BERLIN"})

    assert payload == {
        "profile": {
            "displayName": "Olga",
            "kind": "PERSON",
            "sector": "STARTUP",
            "organisationName": None,
            "region": "BERLIN",
            "bio": "Bio of owner",
            "aiInterests": None,
        },
        "errors": [],
    }


async def test_set_skills_replaces_what_was_offered_and_sought(world: World):
    await SET_SKILLS.by(world.owner, offers=[{"skill": "statistics", "level": "BASIC"}], seeks=[])

    payload = await SET_SKILLS.by(world.owner, **CLAIMS)

    assert payload["errors"] == []
    assert await _my_skills(world.owner) == _claims(**CLAIMS)


@pytest.mark.parametrize(
    ("claims", "field", "message"),
    [
        (
            {"offers": [{"skill": "telepathy", "level": "EXPERT"}], "seeks": []},
            "offers",
            "Unknown skills in 'offers': telepathy.",
        ),
        (
            {
                "offers": [],
                "seeks": [{"skill": "nlp", "level": "BASIC"}, {"skill": "nlp", "level": "EXPERT"}],
            },
            "seeks",
            "Skills named twice in 'seeks': nlp.",
        ),
    ],
)
async def test_bad_skill_lists_are_refused_and_the_skills_stay(
    world: World, claims: dict, field: str, message: str
):
    assert (await SET_SKILLS.by(world.owner, **CLAIMS))["errors"] == []

    payload = await SET_SKILLS.by(world.owner, **claims)

    assert payload == _refused("profile", "VALIDATION", field, message)
    assert await _my_skills(world.owner) == _claims(**CLAIMS)


# Who may write


async def test_anonymous_callers_are_told_to_sign_in(world: World):
    body = await CREATE_IDEA.post(world.anonymous, input=NEW_IDEA)

    assert body["data"] == {"createIdea": None}
    assert [(error["path"], error["extensions"]["code"], error["message"]) for error in body["errors"]] == [
        (["createIdea"], "UNAUTHENTICATED", "Sign in to make changes.")
    ]
    assert await _count(world.anonymous, Idea) == 4


async def test_members_without_a_profile_are_told_to_create_one(world: World):
    payload = await CREATE_IDEA.by(world.newcomer, input=NEW_IDEA)

    assert payload == _refused("idea", "FORBIDDEN", None, "Create your profile first (createProfile).")
    assert await _count(world.newcomer, Idea) == 4


# Creating ideas


async def test_a_new_idea_is_a_draft_only_its_owner_sees(world: World):
    payload = await CREATE_IDEA.by(
        world.owner, input=NEW_IDEA | {"topics": ["health"], "skillsNeeded": ["nlp", "open-data"]}
    )

    idea = payload["idea"]
    assert payload["errors"] == []
    assert {key: value for key, value in idea.items() if key != "id"} == {
        "title": "Fewer forms",
        "teaser": "One form for all offices",
        "description": "How it works.",
        "status": "DRAFT",
        "publishedAt": None,
        "hiddenReason": None,
        "topics": [{"slug": "health"}],
        "skillsNeeded": [{"slug": "open-data"}, {"slug": "nlp"}],
    }, "topics and skills are listed by name: 'Offene Daten' before 'Sprachverarbeitung (NLP)'"
    assert await _idea(world.owner, idea["id"]) == {"status": "DRAFT"}
    assert await _idea(world.stranger, idea["id"]) is None
    assert await world.stranger.data("query($id: ID!) { node(id: $id) { id } }", {"id": idea["id"]}) == {
        "node": None
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"teaser": "x" * 281}, "teaser", _too_long("teaser", 280)),
        ({"description": "x" * 20_001}, "description", _too_long("description", 20_000)),
        ({"title": "   "}, "title", "'title' must not be blank."),
        ({"topics": ["health", "astrology"]}, "topics", "Unknown in 'topics': astrology."),
    ],
    ids=["teaser", "description", "title", "topics"],
)
async def test_bad_new_ideas_are_refused_and_nothing_is_written(
    world: World, changes: dict, field: str, message: str
):
    payload = await CREATE_IDEA.by(world.owner, input=NEW_IDEA | changes)

    assert payload == _refused("idea", "VALIDATION", field, message)
    assert await _count(world.owner, Idea) == 4


# Publishing, unpublishing and archiving


async def test_an_idea_without_a_description_is_created_but_not_published(world: World):
    created = await CREATE_IDEA.by(world.owner, input={"title": "Bare", "teaser": "Only a teaser"})
    assert created["errors"] == [], "the description is optional until the idea is published"
    key = created["idea"]["id"]

    payload = await PUBLISH.by(world.owner, id=key)

    assert payload["idea"] is None
    assert [(error["code"], error["field"]) for error in payload["errors"]] == [("VALIDATION", "description")]
    assert await _idea(world.owner, key) == {"status": "DRAFT"}


async def test_publishing_needs_a_description(world: World):
    emptied = await UPDATE_IDEA.by(world.owner, input={"id": world["draft_idea"], "description": ""})
    assert emptied["errors"] == [], "a draft may have an empty description"

    payload = await PUBLISH.by(world.owner, id=world["draft_idea"])

    assert payload == _refused("idea", "VALIDATION", "description", "'description' must not be blank.")
    assert await _idea(world.owner, world["draft_idea"]) == {"status": "DRAFT"}


async def test_publishing_a_complete_draft_shows_it_to_everyone(world: World):
    assert await _idea(world.anonymous, world["draft_idea"]) is None

    payload = await PUBLISH.by(world.owner, id=world["draft_idea"])

    assert payload["errors"] == []
    assert payload["idea"]["status"] == "PUBLISHED"
    assert payload["idea"]["publishedAt"] is not None
    assert await _idea(world.anonymous, world["draft_idea"], "title status") == {
        "title": "The draft idea",
        "status": "PUBLISHED",
    }


@pytest.mark.parametrize(
    ("mutation", "idea", "message"),
    [
        (PUBLISH, "published_idea", "Only a draft can be published; this idea is PUBLISHED."),
        (UNPUBLISH, "draft_idea", "Only a published idea can be unpublished; this one is DRAFT."),
        (ARCHIVE, "draft_idea", "A draft that was never published cannot be archived."),
        (ARCHIVE, "archived_idea", "The idea is archived already."),
    ],
    ids=["publish-published", "unpublish-draft", "archive-unpublished-draft", "archive-archived"],
)
async def test_a_change_of_status_that_does_not_fit_is_a_conflict(
    world: World, mutation: Mutation, idea: str, message: str
):
    before = await _idea(world.owner, world[idea])

    payload = await mutation.by(world.owner, id=world[idea])

    assert payload == _refused("idea", "CONFLICT", "id", message)
    assert await _idea(world.owner, world[idea]) == before


async def test_unpublishing_turns_an_idea_back_into_a_draft(world: World):
    payload = await UNPUBLISH.by(world.owner, id=world["published_idea"])

    assert payload["errors"] == []
    assert payload["idea"]["status"] == "DRAFT"
    assert await _idea(world.anonymous, world["published_idea"]) is None
    assert await _idea(world.stranger, world["published_idea"]) is None


async def test_archiving_a_published_idea_keeps_it_for_members(world: World):
    payload = await ARCHIVE.by(world.owner, id=world["published_idea"])

    assert payload["errors"] == []
    assert payload["idea"]["status"] == "ARCHIVED"
    assert await _idea(world.stranger, world["published_idea"]) == {"status": "ARCHIVED"}
    assert await _idea(world.anonymous, world["published_idea"]) is None


async def test_an_archived_idea_is_kept_as_it_is(world: World):
    payload = await UPDATE_IDEA.by(world.owner, input={"id": world["archived_idea"], "title": "New"})

    assert payload == _refused("idea", "CONFLICT", "id", "An archived idea is kept as it is.")
    assert await _idea(world.owner, world["archived_idea"], "title") == {"title": "The archived idea"}


async def test_only_the_owner_changes_an_idea(world: World):
    payload = await UPDATE_IDEA.by(world.partner, input={"id": world["published_idea"], "title": "Ours"})

    assert payload == _refused("idea", "FORBIDDEN", "id", "Only the idea's owner may do this.")
    assert await _idea(world.owner, world["published_idea"], "title") == {"title": "The published idea"}


@pytest.mark.parametrize(
    ("global_id", "message"),
    [
        ("not-an-id", "Argument 'id' is not a valid ID: 'not-an-id'."),
        (
            PROFILE_ID,
            f"Argument 'id' takes an ID of type Idea, but {PROFILE_ID!r} is the ID of a Profile.",
        ),
    ],
    ids=["malformed", "other-type"],
)
async def test_an_id_that_names_no_idea_is_a_validation_error(world: World, global_id: str, message: str):
    payload = await PUBLISH.by(world.owner, id=global_id)

    assert payload == _refused("idea", "VALIDATION", "id", message)


@pytest.mark.parametrize(
    ("viewer", "global_id"),
    [("owner", to_global_id("Idea", 999)), ("stranger", to_global_id("Idea", 2))],
    ids=["nonexistent", "someone-elses-draft"],
)
async def test_ideas_the_caller_cannot_see_are_not_found(world: World, viewer: str, global_id: str):
    payload = await PUBLISH.by(getattr(world, viewer), id=global_id)

    assert payload == _refused("idea", "NOT_FOUND", "id", "No idea with this 'id' exists for you.")


# Moderation


async def test_only_admins_hide_ideas(world: World):
    payload = await HIDE.by(world.owner, id=world["published_idea"], reason="Mine")

    assert payload == _refused("idea", "FORBIDDEN", None, "Only admins may do this.")
    assert await _idea(world.anonymous, world["published_idea"]) == {"status": "PUBLISHED"}


async def test_a_hidden_idea_vanishes_for_all_but_its_owner(world: World):
    payload = await HIDE.by(world.admin, id=world["published_idea"], reason="Werbung")

    assert payload == {"idea": {"status": "PUBLISHED", "hiddenReason": "Werbung"}, "errors": []}
    assert await _idea(world.stranger, world["published_idea"]) is None
    assert await _idea(world.anonymous, world["published_idea"]) is None
    assert await _idea(world.owner, world["published_idea"], "hiddenReason") == {"hiddenReason": "Werbung"}


async def test_unhiding_an_idea_shows_it_again(world: World):
    payload = await UNHIDE.by(world.admin, id=world["hidden_idea"])

    assert payload["errors"] == []
    assert payload["idea"]["hiddenReason"] is None
    assert await _idea(world.anonymous, world["hidden_idea"], "title") == {"title": "The hidden idea"}
    assert await _idea(world.stranger, world["hidden_idea"], "hiddenReason") == {"hiddenReason": None}


async def test_hiding_needs_a_reason(world: World):
    payload = await HIDE.by(world.admin, id=world["published_idea"], reason="")

    assert payload == _refused("idea", "VALIDATION", "reason", "'reason' must not be blank.")
    assert await _idea(world.anonymous, world["published_idea"]) == {"status": "PUBLISHED"}


# Reports


async def test_a_member_reports_an_idea_once(world: World):
    first = await REPORT.by(world.stranger, id=world["published_idea"], reason="Copied")
    second = await REPORT.by(world.stranger, id=world["published_idea"], reason="Still copied")

    assert first == {"idea": {"title": "The published idea"}, "errors": []}
    assert second == _refused("idea", "CONFLICT", "id", "You have reported this idea already.")
    assert await _count(world.stranger, IdeaReport) == 1


async def test_admins_read_the_reports(world: World):
    await REPORT.by(world.stranger, id=world["published_idea"], reason="Copied")

    idea = await _idea(world.admin, world["published_idea"], "reports { reason reporter { displayName } }")

    assert idea == {"reports": [{"reason": "Copied", "reporter": {"displayName": "Stranger"}}]}


async def test_reports_are_for_admins_only(world: World):
    await REPORT.by(world.stranger, id=world["published_idea"], reason="Copied")

    body = await world.owner.post(
        "query($id: ID!) { idea(id: $id) { reports { reason } } }", {"id": world["published_idea"]}
    )

    assert body["data"] == {"idea": {"reports": None}}
    assert [(error["path"], error["extensions"]["code"]) for error in body["errors"]] == [
        (["idea", "reports"], "FORBIDDEN")
    ]


# The skill taxonomy


async def test_a_slug_is_lower_case_words_joined_by_dashes(world: World):
    payload = await CREATE_SKILL.by(
        world.admin, input={"slug": "Bad Slug", "name": "Bad", "category": "DATA"}
    )

    assert payload == _refused(
        "skill",
        "VALIDATION",
        "slug",
        "A slug is 1 to 64 lower-case letters and digits in words joined by '-', e.g. 'open-data'.",
    )


async def test_an_admin_adds_a_skill_to_the_taxonomy(world: World):
    skill = {"slug": "synthetic-data", "name": "Synthetische Daten", "category": "DATA"}

    payload = await CREATE_SKILL.by(world.admin, input=skill)

    assert payload == {"skill": skill, "errors": []}
    query = "query($slug: String!) { skill(slug: $slug) { slug name category } }"
    assert await world.anonymous.data(query, {"slug": "synthetic-data"}) == {"skill": skill}


async def test_a_slug_names_one_skill(world: World):
    payload = await CREATE_SKILL.by(world.admin, input={"slug": "nlp", "name": "Again", "category": "DATA"})

    assert payload == _refused("skill", "CONFLICT", "slug", "A skill with the slug 'nlp' exists already.")


@pytest.mark.parametrize(
    ("mutation", "skill"),
    [
        (CREATE_SKILL, {"slug": "rumours", "name": "Gerüchte", "category": "DATA"}),
        (UPDATE_SKILL, {"slug": "nlp", "name": "Renamed"}),
    ],
    ids=["create", "update"],
)
async def test_only_admins_curate_skills(world: World, mutation: Mutation, skill: dict):
    payload = await mutation.by(world.owner, input=skill)

    assert payload == _refused("skill", "FORBIDDEN", None, "Only admins may do this.")


async def test_an_admin_renames_a_skill(world: World):
    payload = await UPDATE_SKILL.by(world.admin, input={"slug": "nlp", "name": "Natural Language Processing"})

    renamed = {"slug": "nlp", "name": "Natural Language Processing", "category": "AI_METHODS"}
    assert payload == {"skill": renamed, "errors": []}
    query = "query($slug: String!) { skill(slug: $slug) { slug name category } }"
    assert await world.owner.data(query, {"slug": "nlp"}) == {"skill": renamed}


# Contest rounds


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"closesAt": (NOW + timedelta(days=5)).isoformat()},
            "closesAt",
            "A round closes after it opens.",
        ),
        ({"maxAwardEur": 20_001}, "maxAwardEur", "A IDEA_CONTEST awards between 1 and 20,000 EUR."),
    ],
    ids=["closes-before-opening", "award-too-high"],
)
async def test_bad_rounds_are_refused(world: World, changes: dict, field: str, message: str):
    payload = await CREATE_ROUND.by(world.admin, input=_round_input(**changes))

    assert payload == _refused("contestRound", "VALIDATION", field, message)
    assert await _count(world.admin, ContestRound) == 1


async def test_a_new_idea_contest_asks_for_cross_sector_teams_by_default(world: World):
    payload = await CREATE_ROUND.by(world.admin, input=_round_input())

    assert payload == {
        "contestRound": {
            "name": "Ideenwettbewerb Herbst",
            "kind": "IDEA_CONTEST",
            "year": NOW.year,
            "maxAwardEur": 20_000,
            "crossSectorRequired": True,
            "phase": "UPCOMING",
        },
        "errors": [],
    }


async def test_an_admin_renames_a_round(world: World):
    payload = await UPDATE_ROUND.by(world.admin, input={"id": world["round"], "name": "Ideenwettbewerb 2"})

    assert payload["errors"] == []
    assert payload["contestRound"]["name"] == "Ideenwettbewerb 2"
    data = await world.anonymous.data(
        "query($id: ID!) { contestRound(id: $id) { name maxAwardEur } }", {"id": world["round"]}
    )
    assert data == {"contestRound": {"name": "Ideenwettbewerb 2", "maxAwardEur": 20_000}}

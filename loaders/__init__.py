"""The per-request loader registry. Each loader is made on first use and dies with its request,
so its cache never serves one viewer's rows to another."""

from collections.abc import Callable, Hashable
from functools import cached_property
from typing import Any

from aiodataloader import DataLoader

from loaders import contest, idea, invite, profile, progress, skill, team, topic
from loaders.pagination import Page, PageRequest
from models.db import RequestReader
from models.enums import IdeaStatus, InviteStatus, SkillDirection, SubmissionStatus
from resolvers.viewer import Viewer

Row = Any


class Loaders:
    """Loaders of objects a viewer may or may not see are made for the request's viewer."""

    def __init__(self, reader: RequestReader, viewer: Viewer) -> None:
        self._reader = reader
        self._viewer = viewer
        self._paged: dict[Hashable, DataLoader[int, Page]] = {}

    def _page_loader(
        self, factory: Callable[..., DataLoader[int, Page]], *arguments: Hashable
    ) -> DataLoader[int, Page]:
        """Pages with different arguments are different queries, so each set gets its own loader."""
        key = (factory, *arguments)
        loader = self._paged.get(key)
        if loader is None:
            loader = self._paged[key] = factory(self._reader, *arguments)
        return loader

    @cached_property
    def profile_by_id(self) -> DataLoader[int, Row | None]:
        return profile.profile_by_id(self._reader)

    @cached_property
    def skill_by_id(self) -> DataLoader[int, Row | None]:
        return skill.skill_by_id(self._reader)

    @cached_property
    def skill_by_slug(self) -> DataLoader[str, Row | None]:
        return skill.skill_by_slug(self._reader)

    @cached_property
    def skills_by_idea_id(self) -> DataLoader[int, list[Row]]:
        return skill.skills_by_idea_id(self._reader)

    @cached_property
    def skill_claims_by_profile_id(self) -> DataLoader[int, list[Row]]:
        return skill.skill_claims_by_profile_id(self._reader)

    @cached_property
    def topic_by_id(self) -> DataLoader[int, Row | None]:
        return topic.topic_by_id(self._reader)

    @cached_property
    def topic_by_slug(self) -> DataLoader[str, Row | None]:
        return topic.topic_by_slug(self._reader)

    @cached_property
    def topics_by_idea_id(self) -> DataLoader[int, list[Row]]:
        return topic.topics_by_idea_id(self._reader)

    @cached_property
    def idea_by_id(self) -> DataLoader[int, Row | None]:
        return idea.idea_by_id(self._reader, self._viewer)

    @cached_property
    def team_by_id(self) -> DataLoader[int, Row | None]:
        return team.team_by_id(self._reader, self._viewer)

    @cached_property
    def team_by_idea_id(self) -> DataLoader[int, Row | None]:
        return team.team_by_idea_id(self._reader, self._viewer)

    @cached_property
    def membership_by_id(self) -> DataLoader[int, Row | None]:
        return team.membership_by_id(self._reader, self._viewer)

    @cached_property
    def memberships_by_team_id(self) -> DataLoader[int, list[Row]]:
        return team.memberships_by_team_id(self._reader)

    @cached_property
    def round_by_id(self) -> DataLoader[int, Row | None]:
        return contest.round_by_id(self._reader)

    @cached_property
    def submission_by_id(self) -> DataLoader[int, Row | None]:
        return contest.submission_by_id(self._reader, self._viewer)

    @cached_property
    def submissions_by_team_id(self) -> DataLoader[int, list[Row]]:
        return contest.submissions_by_team_id(self._reader, self._viewer)

    @cached_property
    def instalments_by_submission_id(self) -> DataLoader[int, list[Row]]:
        return contest.instalments_by_submission_id(self._reader)

    @cached_property
    def reports_by_idea_id(self) -> DataLoader[int, list[Row]]:
        return idea.reports_by_idea_id(self._reader)

    @cached_property
    def invite_by_id(self) -> DataLoader[int, Row | None]:
        return invite.invite_by_id(self._reader, self._viewer)

    @cached_property
    def progress_update_by_id(self) -> DataLoader[int, Row | None]:
        return progress.progress_update_by_id(self._reader, self._viewer)

    def profiles_by_skill_id(
        self, request: PageRequest, direction: SkillDirection | None
    ) -> DataLoader[int, Page]:
        return self._page_loader(profile.profiles_by_skill_id, request, direction)

    def ideas_by_owner_id(self, request: PageRequest, status: IdeaStatus | None) -> DataLoader[int, Page]:
        return self._page_loader(idea.ideas_by_owner_id, self._viewer, request, status)

    def ideas_by_skill_id(self, request: PageRequest, status: IdeaStatus | None) -> DataLoader[int, Page]:
        return self._page_loader(idea.ideas_by_skill_id, self._viewer, request, status)

    def ideas_by_topic_id(self, request: PageRequest, status: IdeaStatus | None) -> DataLoader[int, Page]:
        return self._page_loader(idea.ideas_by_topic_id, self._viewer, request, status)

    def memberships_by_profile_id(self, request: PageRequest) -> DataLoader[int, Page]:
        return self._page_loader(team.memberships_by_profile_id, self._viewer, request)

    def submissions_by_round_id(
        self, request: PageRequest, status: SubmissionStatus | None
    ) -> DataLoader[int, Page]:
        return self._page_loader(contest.submissions_by_round_id, self._viewer, request, status)

    def invites_by_sender_id(
        self, request: PageRequest, status: InviteStatus | None
    ) -> DataLoader[int, Page]:
        return self._page_loader(invite.invites_by_sender_id, self._viewer, request, status)

    def invites_by_recipient_id(
        self, request: PageRequest, status: InviteStatus | None
    ) -> DataLoader[int, Page]:
        return self._page_loader(invite.invites_by_recipient_id, self._viewer, request, status)

    def progress_by_team_id(self, request: PageRequest) -> DataLoader[int, Page]:
        return self._page_loader(progress.progress_by_team_id, self._viewer, request)

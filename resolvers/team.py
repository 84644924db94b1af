"""Listing teams."""

from functools import cache

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.team import TEAM_COLUMNS
from models import Team
from models.db import RequestReader
from resolvers.policy import teams_visible
from resolvers.viewer import Reach, Viewer


@cache
def _teams(reach: Reach) -> ListQuery:
    return ListQuery(select(*TEAM_COLUMNS).where(teams_visible(reach)), col(Team.id))


async def teams_page(reader: RequestReader, viewer: Viewer, request: PageRequest) -> Page:
    """The teams the viewer may see."""
    return await fetch_page(reader, _teams(viewer.reach), request, **viewer.parameters)

"""Listing teams."""

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from loaders.team import TEAM_COLUMNS
from models import Team
from models.db import RequestReader

TEAMS = ListQuery(select(*TEAM_COLUMNS), col(Team.id))


async def teams_page(reader: RequestReader, request: PageRequest) -> Page:
    return await fetch_page(reader, TEAMS, request)

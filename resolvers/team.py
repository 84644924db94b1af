"""Listing teams."""

from sqlalchemy import select
from sqlmodel import col

from loaders.pagination import Page, PageRequest, fetch_page
from loaders.team import TEAM_COLUMNS
from models import Team
from models.db import Reader


async def teams_page(reader: Reader, request: PageRequest) -> Page:
    return await fetch_page(reader, select(*TEAM_COLUMNS), col(Team.id), request)

"""The fields of action."""

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from loaders.topic import TOPIC_COLUMNS
from models import Topic
from models.db import RequestReader
from models.query import Query

ALL_TOPICS = Query(select(*TOPIC_COLUMNS).order_by(col(Topic.name)))


async def all_topics(reader: RequestReader) -> list[Any]:
    """Fields of action are a short curated list, so they come whole, by name."""
    return await reader.fetch_all(ALL_TOPICS)

"""The fields of action."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from loaders.topic import TOPIC_COLUMNS
from models import Topic
from models.db import Reader


async def all_topics(reader: Reader) -> Sequence[Any]:
    """Fields of action are a short curated list, so they come whole, by name."""
    return await reader.fetch_all(select(*TOPIC_COLUMNS).order_by(col(Topic.name)))

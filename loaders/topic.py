"""Topics by id, and the topics of each idea."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import keyed, row_by_key_loader, rows_by_key_loader
from models import IdeaTopic, Topic
from models.db import RequestReader

TOPIC_COLUMNS = (col(Topic.id), col(Topic.slug), col(Topic.name), col(Topic.description))
TOPIC_BY_ID = keyed(select(*TOPIC_COLUMNS), col(Topic.id))
TOPIC_BY_SLUG = keyed(select(*TOPIC_COLUMNS), col(Topic.slug))
TOPICS_BY_IDEA_ID = keyed(
    select(*TOPIC_COLUMNS).join(IdeaTopic, col(IdeaTopic.topic_id) == col(Topic.id)),
    col(IdeaTopic.idea_id),
    col(Topic.name),
)


def topic_by_id(reader: RequestReader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, TOPIC_BY_ID)


def topic_by_slug(reader: RequestReader) -> DataLoader[str, Any]:
    return row_by_key_loader(reader, TOPIC_BY_SLUG)


def topics_by_idea_id(reader: RequestReader) -> DataLoader[int, list[Any]]:
    return rows_by_key_loader(reader, TOPICS_BY_IDEA_ID)

"""Topics by id and slug, and the topics of each idea."""

from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import select
from sqlmodel import col

from loaders.base import row_by_key_loader, rows_by_key_loader
from models import IdeaTopic, Topic
from models.db import Reader

TOPIC_COLUMNS = (col(Topic.id), col(Topic.slug), col(Topic.name), col(Topic.description))


def topic_by_id(reader: Reader) -> DataLoader[int, Any]:
    return row_by_key_loader(reader, select(*TOPIC_COLUMNS), col(Topic.id))


def topics_by_idea_id(reader: Reader) -> DataLoader[int, list[Any]]:
    statement = select(*TOPIC_COLUMNS).join(IdeaTopic, col(IdeaTopic.topic_id) == col(Topic.id))
    return rows_by_key_loader(reader, statement, col(IdeaTopic.idea_id), col(Topic.name))

"""Fields of action an idea works in (work, environment, health, ...)."""

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from models.columns import text_field


class Topic(SQLModel, table=True):
    __tablename__ = "topic"
    __table_args__ = (
        CheckConstraint("slug = lower(slug) AND length(slug) BETWEEN 1 AND 64", name="slug_form"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, nullable=False)
    name: str = text_field(120)
    description: str | None = text_field(nullable=True)

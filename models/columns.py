"""Column factories shared by the tables, so every enum and timestamp is declared the same way."""

from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, func
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def enum_field(
    enum: type[Enum], *, nullable: bool = False, index: bool = False, primary_key: bool = False
) -> Any:
    """A VARCHAR holding the enum's name, with a CHECK constraint so the database refuses other values."""
    column_type = SAEnum(
        enum,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        name=enum.__name__.lower(),
    )
    return Field(sa_column=Column(column_type, nullable=nullable, index=index, primary_key=primary_key))


def text_field(max_length: int | None = None, *, nullable: bool = False) -> Any:
    return Field(sa_column=Column(String(max_length), nullable=nullable))


def timestamp_field(*, nullable: bool = False, server_default: bool = True) -> Any:
    default = func.now() if server_default else None
    return Field(
        default_factory=utcnow if server_default else None,
        sa_column=Column(DateTime(timezone=True), nullable=nullable, server_default=default),
    )


def foreign_key_field(
    target: str,
    *,
    ondelete: str = "CASCADE",
    nullable: bool = False,
    index: bool | None = None,
    primary_key: bool = False,
) -> Any:
    """An indexed integer foreign key; the leading column of a primary key needs no index of its own."""
    return Field(
        sa_column=Column(
            Integer,
            ForeignKey(target, ondelete=ondelete),
            nullable=nullable,
            index=(not primary_key) if index is None else index,
            primary_key=primary_key,
        )
    )

"""Full-text search over ideas: FTS5 on SQLite, the german text-search configuration on PostgreSQL."""

import re
from typing import Any

import snowballstemmer
from sqlalchemy import ColumnElement, bindparam
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import NullType

from resolvers.errors import UserInputError

_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("german")


class IdeaMatches(ColumnElement[Any]):
    """Ideas whose title, teaser or description match the `search` parameter."""

    inherit_cache = True
    type = NullType()

    def __init__(self) -> None:
        self.parameter = bindparam("search", type_=NullType())


@compiles(IdeaMatches, "sqlite")
def _fts5(element: IdeaMatches, compiler: SQLCompiler, **kw: Any) -> str:
    parameter = compiler.process(element.parameter, **kw)
    return f"idea.id IN (SELECT rowid FROM idea_search WHERE idea_search MATCH {parameter})"


@compiles(IdeaMatches, "postgresql")
def _tsvector(element: IdeaMatches, compiler: SQLCompiler, **kw: Any) -> str:
    parameter = compiler.process(element.parameter, **kw)
    return f"idea.search_vector @@ websearch_to_tsquery('german', {parameter})"


def search_argument(dialect: str, query: str) -> str:
    """What IdeaMatches expects: PostgreSQL parses the words itself; FTS5 has no German stemmer,
    so each word is stemmed here and matched as a prefix ("Verwaltungen" becomes "verwalt"*,
    which finds "Verwaltung")."""
    words = _WORD.findall(query.lower())
    if not words:
        raise UserInputError("search", "Argument 'search' needs at least one word to look for.")
    if dialect == "sqlite":
        return " ".join(f'"{_stemmer.stemWord(word)}"*' for word in words)
    return query

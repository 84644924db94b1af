"""Full-text search over ideas: FTS5 on SQLite, the german text-search configuration on PostgreSQL."""

import re

import snowballstemmer
from sqlalchemy import ColumnElement, text
from sqlmodel import col

from models import Idea
from resolvers.errors import UserInputError

_WORD = re.compile(r"\w+", re.UNICODE)
_stemmer = snowballstemmer.stemmer("german")


def _words(query: str) -> list[str]:
    words = _WORD.findall(query.lower())
    if not words:
        raise UserInputError("search", "Argument 'search' needs at least one word to look for.")
    return words


def sqlite_match(query: str) -> str:
    """FTS5 has no German stemmer, so each word is stemmed here and matched as a prefix:
    "Verwaltungen" becomes "verwalt"*, which finds "Verwaltung"."""
    return " ".join(f'"{_stemmer.stemWord(word)}"*' for word in _words(query))


def idea_search_condition(dialect: str, query: str) -> ColumnElement[bool]:
    if dialect == "sqlite":
        matching = text("SELECT rowid FROM idea_search WHERE idea_search MATCH :match")
        return col(Idea.id).in_(matching.bindparams(match=sqlite_match(query)))
    _words(query)
    return text("idea.search_vector @@ websearch_to_tsquery('german', :search)").bindparams(search=query)  # type: ignore[return-value]

"""Contest and funding rounds: listing, and the phase a round is in."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, DateTime, and_, bindparam, or_, select
from sqlmodel import col

from loaders.contest import ROUND_COLUMNS
from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from models import ContestRound
from models.db import RequestReader
from models.enums import RoundKind, RoundPhase
from models.query import in_array


def phase_of(opens_at: datetime, closes_at: datetime, now: datetime) -> RoundPhase:
    """Open from `opens_at` (inclusive) until `closes_at` (exclusive)."""
    if now < opens_at:
        return RoundPhase.UPCOMING
    if now < closes_at:
        return RoundPhase.OPEN
    return RoundPhase.CLOSED


def _in_phase(phase: RoundPhase) -> ColumnElement[bool]:
    opens, closes = col(ContestRound.opens_at), col(ContestRound.closes_at)
    now = bindparam("now", type_=DateTime(timezone=True))
    if phase is RoundPhase.UPCOMING:
        return opens > now
    if phase is RoundPhase.OPEN:
        return and_(opens <= now, closes > now)
    return closes <= now


@cache
def _rounds(kinds: bool, years: bool, phases: frozenset[RoundPhase]) -> ListQuery:
    """The list's SQL for one combination of filters, built once."""
    statement = select(*ROUND_COLUMNS)
    if kinds:
        statement = statement.where(in_array(col(ContestRound.kind), "kinds"))
    if years:
        statement = statement.where(in_array(col(ContestRound.year), "years"))
    if phases:
        statement = statement.where(or_(*(_in_phase(phase) for phase in sorted(phases))))
    return ListQuery(statement, col(ContestRound.id))


async def rounds_page(
    reader: RequestReader,
    request: PageRequest,
    *,
    kinds: Sequence[RoundKind] = (),
    years: Sequence[int] = (),
    phases: Sequence[RoundPhase] = (),
    now: datetime,
) -> Page:
    """Rounds matching every given filter; `now` decides which phase each round is in."""
    query = _rounds(bool(kinds), bool(years), frozenset(phases))
    return await fetch_page(
        reader,
        query,
        request,
        kinds=[kind.value for kind in kinds],
        years=list(years),
        now=now,
    )

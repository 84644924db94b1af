"""Contest and funding rounds: listing, and the phase a round is in."""

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlmodel import col

from loaders.contest import ROUND_COLUMNS
from loaders.pagination import Page, PageRequest, fetch_page
from models import ContestRound
from models.db import Reader
from models.enums import RoundKind, RoundPhase


def phase_of(opens_at: datetime, closes_at: datetime, now: datetime) -> RoundPhase:
    """Open from `opens_at` (inclusive) until `closes_at` (exclusive)."""
    if now < opens_at:
        return RoundPhase.UPCOMING
    if now < closes_at:
        return RoundPhase.OPEN
    return RoundPhase.CLOSED


def _in_phase(phase: RoundPhase, now: datetime) -> ColumnElement[bool]:
    opens, closes = col(ContestRound.opens_at), col(ContestRound.closes_at)
    if phase is RoundPhase.UPCOMING:
        return opens > now
    if phase is RoundPhase.OPEN:
        return and_(opens <= now, closes > now)
    return closes <= now


async def rounds_page(
    reader: Reader,
    request: PageRequest,
    *,
    kinds: Sequence[RoundKind] = (),
    years: Sequence[int] = (),
    phases: Sequence[RoundPhase] = (),
    now: datetime | None = None,
) -> Page:
    statement = select(*ROUND_COLUMNS)
    if kinds:
        statement = statement.where(col(ContestRound.kind).in_(kinds))
    if years:
        statement = statement.where(col(ContestRound.year).in_(years))
    if phases:
        moment = now or datetime.now(UTC)
        statement = statement.where(or_(*(_in_phase(phase, moment) for phase in phases)))
    return await fetch_page(reader, statement, col(ContestRound.id), request)

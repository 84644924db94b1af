"""Contest and funding rounds: listing, the phase a round is in, entering them, the jury's
reviews and awards paid in instalments, and admins running rounds."""

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, and_, bindparam, delete, func, insert, or_, select, update
from sqlmodel import col

from loaders.contest import ROUND_COLUMNS, SUBMISSION_COLUMNS
from loaders.pagination import ListQuery, Page, PageRequest, fetch_page
from models import AwardInstalment, ContestRound, Submission
from models.columns import utc
from models.db import RequestReader
from models.enums import (
    FUNDING_ROUND_MAX_AWARD_EUR,
    IDEA_CONTEST_MAX_AWARD_EUR,
    LONG_TEXT_MAX_LENGTH,
    EventKind,
    RoundKind,
    RoundPhase,
    SubmissionStatus,
)
from models.query import in_array
from resolvers.change import Change, camel
from resolvers.errors import Checks, ErrorCode, Problem, Rejected, reject
from resolvers.event import record_for_team
from resolvers.policy import submissions_visible
from resolvers.team import MAX_TEAM_SIZE, MIN_TEAM_SIZE, real_members, team_of_member
from resolvers.viewer import Reach


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


MAX_AWARD_EUR = {
    RoundKind.IDEA_CONTEST: IDEA_CONTEST_MAX_AWARD_EUR,
    RoundKind.FUNDING_ROUND: FUNDING_ROUND_MAX_AWARD_EUR,
}
MAX_INSTALMENTS = 10


async def _round(change: Change, key: int, field: str, *, lock: bool = False) -> Any:
    statement = select(*ROUND_COLUMNS).where(col(ContestRound.id) == key)
    row = await change.row(statement.with_for_update(key_share=True) if lock else statement)
    if row is None:
        raise reject(ErrorCode.NOT_FOUND, field, f"No round with this '{field}' exists.")
    return row


async def submit_to_round(change: Change, team_id: int, round_id: int, draft: str) -> int:
    """A team of two to four enters an open round with its project draft; where the round asks for
    it, its members come from at least two sectors. A withdrawn entry can be submitted again."""
    await team_of_member(change, team_id)
    round_ = await _round(change, round_id, "roundId")
    checks = Checks()
    checks.text("projectDraft", draft, LONG_TEXT_MAX_LENGTH)
    checks.done()
    phase = phase_of(utc(round_.opens_at), utc(round_.closes_at), change.now)
    if phase is RoundPhase.CLOSED:
        raise reject(
            ErrorCode.DEADLINE_PASSED,
            "roundId",
            f"The round closed at {utc(round_.closes_at):%Y-%m-%d %H:%M} UTC.",
        )
    if phase is RoundPhase.UPCOMING:
        raise reject(
            ErrorCode.CONFLICT, "roundId", f"The round opens at {utc(round_.opens_at):%Y-%m-%d %H:%M} UTC."
        )
    members = await real_members(change, team_id)
    if not MIN_TEAM_SIZE <= len(members) <= MAX_TEAM_SIZE:
        raise reject(
            ErrorCode.TEAM_SIZE,
            "teamId",
            f"A team enters with {MIN_TEAM_SIZE} to {MAX_TEAM_SIZE} members; this one has {len(members)}.",
        )
    sectors = {member.sector for member in members}
    if round_.cross_sector_required and len(sectors) < 2:
        raise reject(
            ErrorCode.VALIDATION,
            "teamId",
            f"This round asks for a cross-sector partnership, but every member is from {sectors.pop()}.",
        )
    entry = await change.row(
        select(col(Submission.id), col(Submission.status)).where(
            col(Submission.team_id) == team_id, col(Submission.round_id) == round_id
        )
    )
    if entry is not None and entry.status is not SubmissionStatus.WITHDRAWN:
        raise reject(ErrorCode.CONFLICT, "roundId", "The team has entered this round already.")
    values = {
        "project_draft": draft,
        "status": SubmissionStatus.SUBMITTED,
        "updated_at": change.now,
        "submitted_at": change.now,
    }
    if entry is not None:
        await change.connection.execute(
            update(Submission).where(col(Submission.id) == entry.id).values(**values)
        )
        key = int(entry.id)
    else:
        key = await change.scalar(
            insert(Submission)
            .values(team_id=team_id, round_id=round_id, **values)
            .returning(col(Submission.id))
        )
    await _announce_status(change, team_id, key)
    return key


async def _announce_status(change: Change, team_id: int, key: int) -> None:
    await record_for_team(change, EventKind.SUBMISSION_STATUS_CHANGED, team_id, submission_id=key)


async def _visible_submission(change: Change, key: int, field: str = "id") -> Any:
    return await change.visible(
        select(*SUBMISSION_COLUMNS)
        .where(col(Submission.id) == key, submissions_visible(change.viewer.reach))
        .with_for_update(key_share=True),
        field,
        "submission",
    )


async def withdraw_submission(change: Change, key: int) -> int:
    submission = await _visible_submission(change, key)
    if submission.team_id not in change.viewer.team_ids:
        raise reject(ErrorCode.FORBIDDEN, "id", "Only the team's members may withdraw its submission.")
    round_ = await _round(change, submission.round_id, "id")
    if change.now >= utc(round_.closes_at):
        raise reject(ErrorCode.DEADLINE_PASSED, "id", "The round has closed; its submissions stand.")
    if submission.status not in (SubmissionStatus.SUBMITTED, SubmissionStatus.SHORTLISTED):
        raise reject(
            ErrorCode.CONFLICT, "id", f"A submission that is {submission.status} cannot be withdrawn."
        )
    await change.connection.execute(
        update(Submission)
        .where(col(Submission.id) == key)
        .values(status=SubmissionStatus.WITHDRAWN, updated_at=change.now)
    )
    await _announce_status(change, submission.team_id, key)
    return key


def _require_jury(change: Change) -> None:
    if change.viewer.reach not in (Reach.JURY, Reach.ADMIN):
        raise reject(ErrorCode.FORBIDDEN, None, "Only the jury may review submissions.")


async def review_submission(
    change: Change,
    key: int,
    status: SubmissionStatus,
    award_eur: int | None,
    instalments: Sequence[tuple[int, str]],
) -> int:
    """The jury's decision. An award never exceeds the round's maximum and is paid in instalments
    that add up to it, each released once its condition is recorded as met."""
    _require_jury(change)
    submission = await _visible_submission(change, key)
    if submission.team_id in change.viewer.team_ids:
        raise reject(ErrorCode.FORBIDDEN, "id", "Jurors do not review their own team's submission.")
    round_ = await _round(change, submission.round_id, "id")
    checks = Checks()
    if status is SubmissionStatus.WITHDRAWN:
        checks.fail("status", "Only the team can withdraw its submission.")
    if status is SubmissionStatus.AWARDED:
        if award_eur is None or not 0 < award_eur <= round_.max_award_eur:
            checks.fail("awardEur", f"An award is between 1 and {round_.max_award_eur:,} EUR in this round.")
        if not 0 < len(instalments) <= MAX_INSTALMENTS:
            checks.fail("instalments", f"An award is paid in 1 to {MAX_INSTALMENTS} instalments.")
        elif award_eur is not None and sum(amount for amount, _ in instalments) != award_eur:
            checks.fail("instalments", "The instalments must add up to the award.")
        for index, (amount, condition) in enumerate(instalments):
            if amount <= 0:
                checks.fail(f"instalments.{index}.amountEur", "An instalment is a positive amount.")
            checks.text(f"instalments.{index}.condition", condition, 500)
    elif award_eur is not None or instalments:
        checks.fail("awardEur", "Only an AWARDED submission carries an award.")
    checks.done()
    if submission.status is SubmissionStatus.WITHDRAWN:
        raise reject(ErrorCode.CONFLICT, "id", "The team has withdrawn this submission.")
    released = await change.scalar(
        select(func.count()).where(
            col(AwardInstalment.submission_id) == key, col(AwardInstalment.released_at).is_not(None)
        )
    )
    if released:
        raise reject(
            ErrorCode.CONFLICT, "id", "Instalments of this award have been paid; the decision stands."
        )
    await change.connection.execute(delete(AwardInstalment).where(col(AwardInstalment.submission_id) == key))
    await change.connection.execute(
        update(Submission)
        .where(col(Submission.id) == key)
        .values(status=status, award_eur=award_eur, updated_at=change.now)
    )
    if instalments:
        await change.connection.execute(
            insert(AwardInstalment),
            [
                {"submission_id": key, "position": position, "amount_eur": amount, "condition": condition}
                for position, (amount, condition) in enumerate(instalments, start=1)
            ],
        )
    await _announce_status(change, submission.team_id, key)
    return key


async def release_instalment(change: Change, key: int, position: int) -> int:
    """Records an instalment's condition as met; instalments are released in order."""
    _require_jury(change)
    await _visible_submission(change, key)
    instalments = await change.rows(
        select(col(AwardInstalment.id), col(AwardInstalment.position), col(AwardInstalment.released_at))
        .where(col(AwardInstalment.submission_id) == key)
        .order_by(col(AwardInstalment.position))
    )
    chosen = next((row for row in instalments if row.position == position), None)
    if chosen is None:
        raise reject(ErrorCode.NOT_FOUND, "position", f"The award has no instalment {position}.")
    if chosen.released_at is not None:
        raise reject(ErrorCode.CONFLICT, "position", f"Instalment {position} has been released already.")
    if any(row.released_at is None for row in instalments if row.position < position):
        raise reject(ErrorCode.CONFLICT, "position", "Earlier instalments are released first.")
    await change.connection.execute(
        update(AwardInstalment).where(col(AwardInstalment.id) == chosen.id).values(released_at=change.now)
    )
    return key


ROUND_REQUIRED = ("name", "kind", "year", "opens_at", "closes_at", "max_award_eur", "cross_sector_required")


def _check_round(values: dict[str, Any]) -> None:
    """`values` is the whole round as it would be."""
    if missing := [camel(name) for name in ROUND_REQUIRED if values.get(name) is None]:
        raise Rejected(*(Problem(ErrorCode.VALIDATION, name, f"'{name}' is required.") for name in missing))
    checks = Checks()
    checks.text("name", values["name"], 200)
    checks.text("description", values.get("description"), LONG_TEXT_MAX_LENGTH, required=False)
    if not 2000 <= values["year"] <= 2100:
        checks.fail("year", "A round's year is between 2000 and 2100.")
    if utc(values["closes_at"]) <= utc(values["opens_at"]):
        checks.fail("closesAt", "A round closes after it opens.")
    limit = MAX_AWARD_EUR[values["kind"]]
    if not 0 < values["max_award_eur"] <= limit:
        checks.fail("maxAwardEur", f"A {values['kind']} awards between 1 and {limit:,} EUR.")
    checks.done()


async def _unique_name(change: Change, values: dict[str, Any], key: int | None = None) -> None:
    same = await change.scalar(
        select(col(ContestRound.id)).where(
            col(ContestRound.kind) == values["kind"],
            col(ContestRound.year) == values["year"],
            col(ContestRound.name) == values["name"],
            col(ContestRound.id) != (key or 0),
        )
    )
    if same is not None:
        raise reject(ErrorCode.CONFLICT, "name", "A round of this kind and year has this name already.")


async def create_round(change: Change, values: dict[str, Any]) -> int:
    change.require_admin()
    values = {"cross_sector_required": values["kind"] is RoundKind.IDEA_CONTEST} | values
    _check_round(values)
    await _unique_name(change, values)
    key: int = await change.scalar(insert(ContestRound).values(**values).returning(col(ContestRound.id)))
    return key


async def update_round(change: Change, key: int, values: dict[str, Any]) -> int:
    change.require_admin()
    current = await _round(change, key, "id", lock=True)
    merged = current._asdict() | values
    _check_round(merged)
    await _unique_name(change, merged, key)
    await change.connection.execute(update(ContestRound).where(col(ContestRound.id) == key).values(**values))
    return key

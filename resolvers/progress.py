"""A team documenting its progress, successful failures included."""

from typing import Any

from sqlalchemy import insert
from sqlmodel import col

from models import ProgressUpdate
from models.enums import LONG_TEXT_MAX_LENGTH, EventKind, ProgressOutcome
from resolvers.change import Change
from resolvers.errors import Checks
from resolvers.event import record_for_team
from resolvers.team import team_of_member


async def post_progress_update(change: Change, team_id: int, values: dict[str, Any]) -> int:
    """A successful failure is a result worth sharing only with what was learned from it."""
    await team_of_member(change, team_id)
    checks = Checks()
    checks.text("title", values["title"], 200)
    checks.text("body", values["body"], LONG_TEXT_MAX_LENGTH)
    lessons = values.get("lessons_learned")
    checks.text("lessonsLearned", lessons, LONG_TEXT_MAX_LENGTH, required=False)
    if values["outcome"] is ProgressOutcome.SUCCESSFUL_FAILURE and not (lessons or "").strip():
        checks.fail("lessonsLearned", "A successful failure needs its 'lessonsLearned'.")
    checks.done()
    key: int = await change.scalar(
        insert(ProgressUpdate)
        .values(team_id=team_id, author_id=change.profile_id, created_at=change.now, **values)
        .returning(col(ProgressUpdate.id))
    )
    await record_for_team(
        change, EventKind.PROGRESS_POSTED, team_id, member_id=change.profile_id, progress_update_id=key
    )
    return key

"""Who sees what: the one place that decides visibility, for lists, counts, lookups and fields.

Objects a viewer may not see do not exist for them: each type's condition below is part of every
statement that reads it, so such rows are never listed, counted or found by ID. Fields a viewer
may not see on an object they do see are refused by the `require_*` rules with an AccessDenied
that names the field."""

from sqlalchemy import ColumnElement, bindparam, false, or_, select, true
from sqlmodel import col

from models import Idea, Invite, Membership, ProgressUpdate, Submission, Team
from models.enums import IdeaStatus
from models.query import in_array
from resolvers.errors import CodedError
from resolvers.viewer import Reach, Viewer

UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"


class AccessDenied(CodedError):
    """A field the viewer may not see: UNAUTHENTICATED when signing in would help, else FORBIDDEN."""


def _viewer_profile() -> ColumnElement[int]:
    return bindparam("viewer_profile")


def ideas_seen_by_every_member() -> ColumnElement[bool]:
    """Neither drafts nor hidden: what any member sees, whoever they are."""
    return (col(Idea.status) != IdeaStatus.DRAFT) & col(Idea.hidden_at).is_(None)


def ideas_visible(reach: Reach) -> ColumnElement[bool]:
    """Everyone: published ideas. Members: archived ones too. Owners and their teams: their own,
    drafts and hidden ones included. Jury: also ideas whose team entered a round. Admins: all."""
    if reach is Reach.ADMIN:
        return true()
    if reach is Reach.ANONYMOUS:
        return (col(Idea.status) == IdeaStatus.PUBLISHED) & col(Idea.hidden_at).is_(None)
    visible = or_(
        ideas_seen_by_every_member(),
        col(Idea.owner_id) == _viewer_profile(),
        in_array(col(Idea.id), "viewer_ideas"),
    )
    if reach is Reach.JURY:
        entered = select(col(Team.idea_id)).join(Submission, col(Submission.team_id) == col(Team.id))
        return or_(visible, col(Idea.id).in_(entered))
    return visible


def teams_visible(reach: Reach) -> ColumnElement[bool]:
    """Members see the teams of ideas they see; the jury and admins every team."""
    if reach in (Reach.ADMIN, Reach.JURY):
        return true()
    if reach is Reach.ANONYMOUS:
        return false()
    return select(col(Idea.id)).where(col(Idea.id) == col(Team.idea_id), ideas_visible(reach)).exists()


def memberships_visible(reach: Reach) -> ColumnElement[bool]:
    if reach in (Reach.ADMIN, Reach.JURY, Reach.ANONYMOUS):
        return teams_visible(reach)
    return select(col(Team.id)).where(col(Team.id) == col(Membership.team_id), teams_visible(reach)).exists()


def submissions_visible(reach: Reach) -> ColumnElement[bool]:
    """A submission is seen by its team, the jury and admins."""
    if reach in (Reach.ADMIN, Reach.JURY):
        return true()
    if reach is Reach.ANONYMOUS:
        return false()
    return in_array(col(Submission.team_id), "viewer_teams")


def progress_visible(reach: Reach) -> ColumnElement[bool]:
    """A project log is the team's own."""
    if reach is Reach.ADMIN:
        return true()
    if reach is Reach.ANONYMOUS:
        return false()
    return in_array(col(ProgressUpdate.team_id), "viewer_teams")


def invites_visible(reach: Reach) -> ColumnElement[bool]:
    """An invitation is seen by who sent it and who received it."""
    if reach is Reach.ADMIN:
        return true()
    if reach is Reach.ANONYMOUS:
        return false()
    return or_(col(Invite.sender_id) == _viewer_profile(), col(Invite.recipient_id) == _viewer_profile())


def require_signed_in(viewer: Viewer, field: str) -> None:
    if not viewer.signed_in:
        raise AccessDenied(UNAUTHENTICATED, f"Sign in to see {field}.")


def require_self(viewer: Viewer, profile_id: int, field: str) -> None:
    """The profile's own member (or an admin)."""
    require_signed_in(viewer, field)
    if viewer.profile_id != profile_id and not viewer.is_admin:
        raise AccessDenied(FORBIDDEN, f"Only the profile's own member sees {field}.")


def require_team_member(viewer: Viewer, team_id: int, field: str) -> None:
    require_signed_in(viewer, field)
    if team_id not in viewer.team_ids and not viewer.is_admin:
        raise AccessDenied(FORBIDDEN, f"Only the team's members see {field}.")


def require_idea_crew(viewer: Viewer, owner_id: int, idea_id: int, field: str) -> None:
    """The idea's owner, its team's members (or an admin): who invites partners to it."""
    require_signed_in(viewer, field)
    if viewer.profile_id != owner_id and idea_id not in viewer.team_idea_ids and not viewer.is_admin:
        raise AccessDenied(FORBIDDEN, f"Only the idea's owner and team see {field}.")


def require_admin(viewer: Viewer, field: str) -> None:
    require_signed_in(viewer, field)
    if not viewer.is_admin:
        raise AccessDenied(FORBIDDEN, f"Only admins see {field}.")


def require_signed_in_to_write(viewer: Viewer) -> None:
    if not viewer.signed_in:
        raise AccessDenied(UNAUTHENTICATED, "Sign in to make changes.")

"""What every write works with: its transaction, who writes, and when."""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, Row
from sqlalchemy.ext.asyncio import AsyncConnection

from resolvers.errors import ErrorCode, UserInputError, reject
from resolvers.ids import key_of
from resolvers.viewer import Viewer

if TYPE_CHECKING:
    from resolvers.event import Event


@dataclass(frozen=True, slots=True)
class Change:
    connection: AsyncConnection
    viewer: Viewer
    now: datetime
    invites_per_hour: int
    events: list["Event"] = field(default_factory=list)
    """What the change will announce once it has committed (resolvers.event.record)."""

    @property
    def profile_id(self) -> int:
        """The writer's profile; most writes need one."""
        if self.viewer.profile_id is None:
            raise reject(ErrorCode.FORBIDDEN, None, "Create your profile first (createProfile).")
        return self.viewer.profile_id

    def require_admin(self) -> None:
        if not self.viewer.is_admin:
            raise reject(ErrorCode.FORBIDDEN, None, "Only admins may do this.")

    async def row(self, statement: Executable) -> Row[Any] | None:
        return (await self.connection.execute(statement)).first()

    async def rows(self, statement: Executable) -> list[Row[Any]]:
        return list((await self.connection.execute(statement)).all())

    async def scalar(self, statement: Executable) -> Any:
        return (await self.connection.execute(statement)).scalar()

    async def visible(self, statement: Executable, field: str, noun: str) -> Row[Any]:
        """The row read under one of the policy's conditions (which take the viewer's parameters);
        NOT_FOUND, naming the input field, when there is none the viewer may see."""
        parameters = self.viewer.parameters
        if self.connection.dialect.name == "sqlite":
            parameters = {k: json.dumps(v) if isinstance(v, list) else v for k, v in parameters.items()}
        row = (await self.connection.execute(statement, parameters)).first()
        if row is None:
            raise reject(ErrorCode.NOT_FOUND, field, f"No {noun} with this '{field}' exists for you.")
        return row


def key_or_rejected(global_id: str, field: str, type_name: str) -> int:
    """A global ID given as mutation input; a malformed one is a VALIDATION problem naming the field."""
    try:
        return key_of(global_id, field, type_name)
    except UserInputError as error:
        raise reject(ErrorCode.VALIDATION, field, str(error)) from error


def camel(name: str) -> str:
    """An input field's name as the client spelled it: `display_name` is `displayName`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)

"""An HTTP request that fails because the database is out of reach before it has answered (while
its context is built, or in a route such as /me/export) is answered 503 with Retry-After, not 500."""

from starlette.datastructures import URL
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.outage import outage_cause
from schema.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE, logged_outage


class OutageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answered = False

        async def sending(message: Message) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            cause = outage_cause(error)
            if cause is None or answered:
                raise
            error_id = logged_outage(cause, URL(scope=scope).path)
            extensions = {"code": "SERVICE_UNAVAILABLE", "errorId": error_id}
            response = JSONResponse(
                {"errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": extensions}]},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)

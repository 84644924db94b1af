"""The request body limit, enforced as the body arrives rather than after it has been read whole."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import error_response


class BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """Refuses a body larger than `max_bytes` with 413, whether its size is declared up front
    (Content-Length) or only becomes clear as chunks stream in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            await error_response("Content-Length must be a number of bytes.", "BAD_REQUEST", 400)(
                scope, receive, send
            )
            return
        if declared is not None and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            f"The request body is larger than {self.max_bytes} bytes, the limit (CIP_MAX_BODY_BYTES).",
            "PAYLOAD_TOO_LARGE",
            413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)

"""A TCP proxy between the service and its database that a test can cut and restore: a real outage,
with real sockets, without touching the database server that others share."""

import asyncio
from contextlib import suppress


class Proxy:
    """Forwards 127.0.0.1:`port` to the target. `cut()` drops every connection and stops listening,
    so connecting is refused; `restore()` listens on the same port again. `hold()` keeps new
    connections waiting at a gate until `release()`, so that clients start at the same moment."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._gate = asyncio.Event()
        self._gate.set()
        self.held = 0
        """Connections waiting at the gate."""

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None, "the proxy is not listening"
        server, self._server = self._server, None
        server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        await server.wait_closed()

    async def restore(self) -> None:
        await self.start()

    def hold(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    async def close(self) -> None:
        if self._server is not None:
            await self.cut()

    async def _forward(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        if not self._gate.is_set():
            self.held += 1
            await self._gate.wait()
            self.held -= 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers |= {client_writer, server_writer}
        try:
            await asyncio.gather(
                self._pipe(client_reader, server_writer), self._pipe(server_reader, client_writer)
            )
        finally:
            for writer in (client_writer, server_writer):
                self._writers.discard(writer)
                writer.transport.abort()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Copies one direction until it ends; then the other direction is ended as well."""
        with suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.transport.abort()

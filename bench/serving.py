"""Starting the processes a benchmark measures or drives, and waiting for a server to be ready."""

import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).parent.parent


def logged_process(
    command: list[str], environment: dict[str, str], log: Path, **options: Any
) -> subprocess.Popen[bytes]:
    """Started in the project's folder, its output written to `log`."""
    with log.open("wb") as output:
        return subprocess.Popen(
            command, env=environment, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, **options
        )


def wait_until_ready(
    process: subprocess.Popen[bytes], url: str, log: Path, timeout: float, what: str
) -> None:
    """Until `url`'s /readyz answers 200; exits, with the end of the server's log, when the process
    dies or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        with suppress(httpx.TransportError):
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"{what} aborted: cip-graph serve did not become ready:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)

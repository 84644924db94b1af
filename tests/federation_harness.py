"""The Node scripts of tests/federation, run from the tests: finding Node and the harness's packages
(skipping without them, failing instead when CIP_TEST_REQUIRE_NODE=1, as in CI), running a script to
its end, and serving one until the test is done."""

import asyncio
import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

FEDERATION = Path(__file__).parent / "federation"
NODE_REQUIRED = os.environ.get("CIP_TEST_REQUIRE_NODE") == "1"
MIN_NODE_MAJOR = 20
READY_WITHIN = 30.0
"""Seconds a served script may take to print its `ready` line (the gateway composes first)."""
RUN_WITHIN = 60.0
"""Seconds a script run to its end may take."""
STOP_WITHIN = 10.0
"""Seconds a served script may take to exit after SIGTERM before it is killed."""


@functools.cache
def _node_problem() -> tuple[str | None, str]:
    """Node's path, or None and why the harness cannot run."""
    node = shutil.which("node")
    if node is None:
        return None, "node is not on PATH"
    try:
        version = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=RUN_WITHIN, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"{node} --version failed: {error}"
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < MIN_NODE_MAJOR:
        return (
            None,
            f"{node} is {version or 'of an unknown version'}; the harness needs Node {MIN_NODE_MAJOR}+",
        )
    dependencies = json.loads((FEDERATION / "package.json").read_text())["dependencies"]
    missing = [
        name for name in dependencies if not (FEDERATION / "node_modules" / name / "package.json").is_file()
    ]
    if missing:
        return None, f"{FEDERATION / 'node_modules'} lacks {', '.join(missing)}"
    return node, ""


def node_executable() -> str:
    """Node's path, when it and the harness's packages (`make install`) are there."""
    node, problem = _node_problem()
    if node is None:
        message = f"federation tests need Node and tests/federation/node_modules (make install): {problem}"
        if NODE_REQUIRED:
            pytest.fail(f"{message} (CIP_TEST_REQUIRE_NODE=1, so this fails instead of skipping)")
        pytest.skip(message)
    return node


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def run(script: str, *arguments: str, stdin: str = "") -> Finished:
    """Runs a script of tests/federation to its end, with `stdin` as its input."""
    process = await asyncio.create_subprocess_exec(
        node_executable(),
        script,
        *arguments,
        cwd=FEDERATION,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(stdin.encode()), RUN_WITHIN)
    except TimeoutError:
        await _stop(process)
        pytest.fail(f"node {script} {' '.join(arguments)} did not finish within {RUN_WITHIN} s")
    assert process.returncode is not None
    return Finished(process.returncode, stdout.decode(), stderr.decode())


@asynccontextmanager
async def serving_script(script: str, *arguments: str) -> AsyncIterator[str]:
    """Serves a script that prints `ready URL` once it listens; yields the URL, and stops the script
    afterwards. If it exits or stays silent instead, the test fails with what it wrote to stderr."""
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            node_executable(),
            script,
            *arguments,
            cwd=FEDERATION,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
        )
        try:
            yield await _ready(process, script, log)
        finally:
            await _stop(process)


async def _ready(process: asyncio.subprocess.Process, script: str, log: IO[bytes]) -> str:
    assert process.stdout is not None
    try:
        line = (await asyncio.wait_for(process.stdout.readline(), READY_WITHIN)).decode().strip()
    except TimeoutError:
        line = f"(nothing within {READY_WITHIN} s)"
    if line.startswith("ready http://"):
        return line.removeprefix("ready ")
    await _stop(process)
    log.seek(0)
    pytest.fail(
        f"node {script} did not get ready (exit code {process.returncode}); stdout: {line or '(empty)'}\n"
        f"stderr:\n{log.read().decode(errors='replace')}"
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_WITHIN)
    except TimeoutError:
        process.kill()
        await process.wait()

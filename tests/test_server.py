"""`cip-graph serve` on a real socket: migrates, loads the demo data, serves GraphQL and probes."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.demo import DemoSize


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    database = tmp_path_factory.mktemp("server") / "cip.db"
    environment = {**os.environ, "CIP_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        env=environment,
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"cip-graph serve did not become ready:\n{output}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_liveness_and_readiness(server: str):
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server}/readyz").json() == {"status": "ready"}


def test_serves_the_demo_graph(server: str):
    response = httpx.post(
        f"{server}/graphql",
        json={"query": "{ profiles { totalCount } contestRounds { totalCount } }"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "profiles": {"totalCount": DemoSize().profiles},
            "contestRounds": {"totalCount": 2},
        }
    }


def test_serves_graphiql_in_development(server: str):
    response = httpx.get(f"{server}/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()

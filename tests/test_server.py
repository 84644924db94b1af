"""`cip-graph serve` on a real socket: migrates, loads the demo data, serves GraphQL and probes."""

import httpx

from app.demo import DemoSize


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

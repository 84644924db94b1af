"""The simulated members of `make load`; bench.load.run starts Locust with this file.

Each Locust user signs in as its own member and, without pausing (unless the plan says so), reads
the idea page, profile pages, search results and single nodes, looks at its pending invitations and
teams, invites other simulated members to its ideas, accepts, declines and withdraws invitations,
and enters its teams in the run's open rounds and withdraws them again.

Every request's outcome is appended to the records file; a write's intent is appended before it is
posted, so a write whose answer never arrived still shows up, as unknown, in the database check."""

import itertools
import json
import os
import random
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, between, events, task
from locust.contrib.fasthttp import ResponseContextManager

from bench.load.plan import PLAN_VARIABLE, RECORDS_VARIABLE, Kind, Outcome

if PLAN_VARIABLE not in os.environ or RECORDS_VARIABLE not in os.environ:
    raise SystemExit(f"{__file__} is run by `make load` (python -m bench.load), which sets {PLAN_VARIABLE}")

PLAN: dict[str, Any] = json.loads(Path(os.environ[PLAN_VARIABLE]).read_text())
RECORDS = Path(os.environ[RECORDS_VARIABLE]).open("a", buffering=1, encoding="utf-8")  # noqa: SIM115
"""Line-buffered: each record is in the file once its line is written, even if Locust is killed."""
STARTED = datetime.fromisoformat(PLAN["started_at"])
"""Invitations older than the run are the demo data's; the members leave them alone."""
ROUNDS: list[str] = PLAN["rounds"]
MEMBERS = itertools.count()
REQUESTS = itertools.count()

SCREENS = Path(__file__).parents[2] / "tests" / "screens"
IDEA_PAGE = (SCREENS / "idea_page.graphql").read_text()
PROFILE_PAGE = (SCREENS / "profile_page.graphql").read_text()
SEARCH = """query Search($text: String!) {
  ideas(first: 10, filter: {search: $text}) { totalCount nodes { id title teaser } }
}"""
NODE = """query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Idea { title status }
    ... on Profile { displayName sector }
    ... on Team { name members { role } }
  }
}"""
DASHBOARD = """query Dashboard {
  me {
    invitesReceived(status: PENDING, first: 50) { nodes { id createdAt } }
    memberships(first: 50) {
      nodes { team { id idea { id status } submissions { id status round { id } } } }
    }
  }
}"""
ERRORS = "errors { code field message }"
SEND_INVITE = f"""mutation Send($input: SendInviteInput!) {{
  sendInvite(input: $input) {{ invite {{ id status }} {ERRORS} }}
}}"""
RESPOND = f"""mutation Respond($id: ID!, $accept: Boolean!) {{
  respondToInvite(id: $id, accept: $accept) {{
    invite {{ id status team {{ id }} idea {{ id status }} }} {ERRORS}
  }}
}}"""
WITHDRAW_INVITE = f"""mutation Withdraw($id: ID!) {{
  withdrawInvite(id: $id) {{ invite {{ id status }} {ERRORS} }}
}}"""
SUBMIT = f"""mutation Submit($input: SubmitToRoundInput!) {{
  submitToRound(input: $input) {{ submission {{ id status team {{ id }} round {{ id }} }} {ERRORS} }}
}}"""
WITHDRAW_SUBMISSION = f"""mutation WithdrawSubmission($id: ID!) {{
  withdrawSubmission(id: $id) {{ submission {{ id status }} {ERRORS} }}
}}"""
SEARCHES = (
    "Verwaltungen",
    "Chatbot",
    "Pflegekräfte",
    "Schulen",
    "Sprachmodell",
    "Ehrenamtliche",
    "Naturschutz",
    "Beratungsstellen",
    "Datenplattform",
    "Bürgerbeteiligung",
)
DRAFT = "Wir bauen gemeinsam einen Prototyp, testen ihn mit einer Kommune und veröffentlichen den Code."
ACCEPT_SHARE = 0.6


def _error_text(errors: list[Any]) -> tuple[list[str], str]:
    codes = [str((error.get("extensions") or {}).get("code", "no code")) for error in errors]
    first = errors[0]
    error_id = (first.get("extensions") or {}).get("errorId")
    message = str(first.get("message", ""))
    return codes, message + (f" (errorId {error_id})" if error_id else "")


def classify(
    response: ResponseContextManager, mutation: tuple[str, str] | None
) -> tuple[Outcome, list[str], str, Any]:
    """The outcome, its codes and first message, and the query's data or the mutation's object."""
    if response.status_code == 0:
        error = getattr(response, "error", None)
        cause = getattr(error, "original", None) or error  # geventhttpclient's RetriesExceeded wraps it
        timed_out = isinstance(cause, TimeoutError | gevent.Timeout) or "timed out" in str(cause)
        return (Outcome.TIMEOUT if timed_out else Outcome.TRANSPORT), [], repr(error), None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        body = None
    errors = body.get("errors") if isinstance(body, dict) else None
    if response.status_code >= 400:
        outcome = Outcome.HTTP_5XX if response.status_code >= 500 else Outcome.HTTP_4XX
        codes, message = _error_text(errors) if errors else ([], str(response.text)[:300])
        return outcome, codes, message, None
    if not isinstance(body, dict) or errors:
        codes, message = _error_text(errors) if errors else ([], str(response.text)[:300])
        return Outcome.GRAPHQL_ERROR, codes, message, None
    data = body.get("data") or {}
    if mutation is None:
        return Outcome.OK, [], "", data
    field, noun = mutation
    payload = data.get(field) or {}
    if payload.get("errors"):
        problems = payload["errors"]
        return Outcome.REFUSED, [p["code"] for p in problems], str(problems[0]["message"]), None
    if payload.get(noun) is None:
        return Outcome.EMPTY, [], f"{field} answered {payload!r}", None
    return Outcome.OK, [], "", payload[noun]


class Member(FastHttpUser):
    """One signed-in member; its state is what its own answers told it."""

    wait_time = between(*PLAN["think_seconds"])
    network_timeout = PLAN["timeout_seconds"]
    connection_timeout = PLAN["timeout_seconds"]
    max_retries = 0
    """A POST is never sent twice: a retried write would be a duplicate of the client's making."""

    def on_start(self) -> None:
        self.index = next(MEMBERS) % len(PLAN["members"])
        me = PLAN["members"][self.index]
        self.rng = random.Random(PLAN["seed"] * 100_003 + self.index)
        self.headers = {"Authorization": f"Bearer {me['token']}"}
        self.ideas: set[str] = set(me["ideas"])
        """Published ideas it may invite to: its own, and its teams'."""
        self.teams: set[str] = set(me["teams"])
        self.received: list[str] = []
        """Pending invitations to it, as the last look at its page showed them."""
        self.sent: list[str] = []
        """Invitations it sent and has not seen answered."""
        self.entries: dict[str, str] = {}
        """Its teams' submissions to the run's rounds, by id, with their status."""
        self.cursor: str | None = None
        self.look_around()

    def _post(
        self,
        kind: Kind,
        query: str,
        variables: dict[str, Any],
        mutation: tuple[str, str] | None = None,
        sent: dict[str, Any] | None = None,
    ) -> tuple[Outcome, Any]:
        record: dict[str, Any] = {"seq": next(REQUESTS), "kind": kind, "member": self.index}
        record["start"] = time.time()
        if sent is not None:
            RECORDS.write(json.dumps({**record, "sent": sent}) + "\n")
        with self.client.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers=self.headers,
            name=kind,
            catch_response=True,
        ) as response:
            record["end"] = time.time()
            outcome, codes, message, result = classify(response, mutation)
            if outcome in (Outcome.OK, Outcome.REFUSED):
                response.success()
            else:
                response.failure(f"{outcome}: {' '.join(codes)} {message}")
        record |= {"outcome": outcome, "status": response.status_code, "codes": codes, "message": message}
        if sent is not None and outcome is Outcome.OK:
            record["got"] = result
        RECORDS.write(json.dumps(record) + "\n")
        return outcome, result

    def _other_member(self) -> str:
        others = PLAN["members"]
        index = self.rng.randrange(len(others) - 1)
        return str(others[index + (index >= self.index)]["profile"])

    def look_around(self) -> None:
        """Its pending invitations and its teams, with their ideas and entries."""
        outcome, data = self._post(Kind.DASHBOARD, DASHBOARD, {})
        me = (data or {}).get("me") if outcome is Outcome.OK else None
        if not me:
            return
        self.received = [
            node["id"]
            for node in me["invitesReceived"]["nodes"]
            if datetime.fromisoformat(node["createdAt"]) >= STARTED
        ]
        for membership in me["memberships"]["nodes"]:
            team = membership["team"]
            self.teams.add(team["id"])
            if team["idea"] and team["idea"]["status"] == "PUBLISHED":
                self.ideas.add(team["idea"]["id"])
            for entry in team["submissions"]:
                if entry["round"]["id"] in ROUNDS:
                    self.entries[entry["id"]] = entry["status"]

    @task(4)
    def idea_page(self) -> None:
        _, data = self._post(Kind.IDEA_PAGE, IDEA_PAGE, {"first": 20, "after": self.cursor})
        info = (((data or {}).get("ideas") or {}).get("pageInfo")) or {}
        more = info.get("hasNextPage") and self.rng.random() < 0.8
        self.cursor = info.get("endCursor") if more else None

    @task(3)
    def profile_page(self) -> None:
        self._post(Kind.PROFILE_PAGE, PROFILE_PAGE, {"id": self.rng.choice(PLAN["profiles"])})

    @task(2)
    def search(self) -> None:
        self._post(Kind.SEARCH, SEARCH, {"text": self.rng.choice(SEARCHES)})

    @task(2)
    def node(self) -> None:
        ids = (PLAN["ideas"], PLAN["profiles"], sorted(self.teams) or PLAN["ideas"])
        self._post(Kind.NODE, NODE, {"id": self.rng.choice(self.rng.choice(ids))})

    @task(3)
    def dashboard(self) -> None:
        self.look_around()

    @task(4)
    def send_invite(self) -> None:
        if not self.ideas:
            self.look_around()
            return
        sent = {"recipient": self._other_member(), "idea": self.rng.choice(sorted(self.ideas))}
        variables = {"input": {"recipientId": sent["recipient"], "ideaId": sent["idea"], "message": "Dabei?"}}
        outcome, invite = self._post(Kind.SEND_INVITE, SEND_INVITE, variables, ("sendInvite", "invite"), sent)
        if outcome is Outcome.OK:
            self.sent.append(invite["id"])

    @task(3)
    def respond(self) -> None:
        if not self.received:
            self.look_around()
            return
        invite = self.received.pop(self.rng.randrange(len(self.received)))
        accept = self.rng.random() < ACCEPT_SHARE
        kind = Kind.ACCEPT_INVITE if accept else Kind.DECLINE_INVITE
        variables = {"id": invite, "accept": accept}
        outcome, answered = self._post(
            kind, RESPOND, variables, ("respondToInvite", "invite"), {"invite": invite}
        )
        if outcome is Outcome.OK and accept and answered["team"]:
            self.teams.add(answered["team"]["id"])
            if answered["idea"] and answered["idea"]["status"] == "PUBLISHED":
                self.ideas.add(answered["idea"]["id"])

    @task(1)
    def withdraw_invite(self) -> None:
        if not self.sent:
            self.look_around()
            return
        invite = self.sent.pop(self.rng.randrange(len(self.sent)))
        mutation = ("withdrawInvite", "invite")
        self._post(Kind.WITHDRAW_INVITE, WITHDRAW_INVITE, {"id": invite}, mutation, {"invite": invite})

    @task(2)
    def submit(self) -> None:
        if not self.teams:
            self.look_around()
            return
        sent = {"team": self.rng.choice(sorted(self.teams)), "round": self.rng.choice(ROUNDS)}
        variables = {"input": {"teamId": sent["team"], "roundId": sent["round"], "projectDraft": DRAFT}}
        mutation = ("submitToRound", "submission")
        outcome, entry = self._post(Kind.SUBMIT, SUBMIT, variables, mutation, sent)
        if outcome is Outcome.OK:
            self.entries[entry["id"]] = entry["status"]

    @task(1)
    def withdraw_submission(self) -> None:
        entered = sorted(key for key, status in self.entries.items() if status == "SUBMITTED")
        if not entered:
            self.look_around()
            return
        entry = self.rng.choice(entered)
        mutation = ("withdrawSubmission", "submission")
        outcome, answered = self._post(
            Kind.WITHDRAW_SUBMISSION, WITHDRAW_SUBMISSION, {"id": entry}, mutation, {"submission": entry}
        )
        self.entries[entry] = answered["status"] if outcome is Outcome.OK else "UNKNOWN"


@events.quitting.add_listener
def _close_records(**_: Any) -> None:
    RECORDS.close()

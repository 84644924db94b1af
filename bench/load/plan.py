"""What the runner and the simulated members share: the names of request kinds and outcomes, and
where the plan and the records travel. Standard library only: Locust's process runs on gevent."""

from enum import StrEnum

PLAN_VARIABLE = "CIP_LOAD_PLAN"
"""The JSON file with the members (tokens, ideas, teams), the rounds and what to read."""
RECORDS_VARIABLE = "CIP_LOAD_RECORDS"
"""The file the members append one JSON object a line to: a write's intent before it is posted,
then every request's outcome."""


class Kind(StrEnum):
    IDEA_PAGE = "idea page"
    PROFILE_PAGE = "profile page"
    SEARCH = "search"
    NODE = "node lookup"
    DASHBOARD = "my invitations and teams"
    SEND_INVITE = "sendInvite"
    ACCEPT_INVITE = "respondToInvite accept"
    DECLINE_INVITE = "respondToInvite decline"
    WITHDRAW_INVITE = "withdrawInvite"
    SUBMIT = "submitToRound"
    WITHDRAW_SUBMISSION = "withdrawSubmission"


WRITES = frozenset(
    {
        Kind.SEND_INVITE,
        Kind.ACCEPT_INVITE,
        Kind.DECLINE_INVITE,
        Kind.WITHDRAW_INVITE,
        Kind.SUBMIT,
        Kind.WITHDRAW_SUBMISSION,
    }
)


class Outcome(StrEnum):
    OK = "ok"
    """Answered with the object and no errors; for a write, acknowledged."""
    REFUSED = "refused"
    """The payload's `errors`: a business rule said no (a full team, a repeated invitation)."""
    GRAPHQL_ERROR = "GraphQL error"
    """Top-level `errors` in a 200 answer; a masked internal error is among them."""
    EMPTY = "no object"
    """A write answered with neither its object nor errors."""
    HTTP_4XX = "HTTP 4xx"
    HTTP_5XX = "HTTP 5xx"
    TIMEOUT = "timeout"
    """No answer within the client's timeout: a write's effect is unknown."""
    TRANSPORT = "transport error"
    """The connection failed or closed: a write's effect is unknown."""

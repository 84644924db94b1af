"""The database after the flood against what the members were told.

Every write a member saw acknowledged (its object back, no errors) must be there, in the state
acknowledged; every row the run added (keys above the baseline's) and every change to an older row
must be one a member was told about, or one whose answer never arrived (unknown, counted apart),
or the invitation sweep's expiry of old demo invitations. Events are checked the same way: each
acknowledged change announced once. Then the invariants: no team above four members, one lead a
team, accepted invitations with their member, entered teams of two to four (cross-sector where
the round asks for it), one pending invitation per sender, recipient and idea."""

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from bench.load.plan import Kind, Outcome
from models import ContestRound, Event, Idea, Invite, Membership, Profile, Submission, Team
from models.db import Database
from resolvers.ids import from_global_id
from resolvers.team import MAX_TEAM_SIZE, MIN_TEAM_SIZE

CLOSED_AS = {
    Kind.ACCEPT_INVITE: "ACCEPTED",
    Kind.DECLINE_INVITE: "DECLINED",
    Kind.WITHDRAW_INVITE: "WITHDRAWN",
}
ENTERED_AS = {Kind.SUBMIT: "SUBMITTED", Kind.WITHDRAW_SUBMISSION: "WITHDRAWN"}


def key(global_id: str) -> int:
    return from_global_id(global_id, "id")[1]


@dataclass(frozen=True)
class Baseline:
    """The checked tables before the run: their highest keys, and the older rows' state."""

    highest: dict[str, int]
    invites: dict[int, tuple[Any, ...]]
    submissions: dict[int, tuple[Any, ...]]
    memberships: dict[int, tuple[Any, ...]]
    teams: frozenset[int]


async def snapshot(database: Database) -> Baseline:
    highest = {}
    for name, column in (
        ("invite", Invite.id),
        ("submission", Submission.id),
        ("team", Team.id),
        ("membership", Membership.id),
        ("event", Event.id),
    ):
        highest[name] = int(await database.fetch_scalar(select(func.coalesce(func.max(col(column)), 0))))
    invites = await database.fetch_all(
        select(col(Invite.id), col(Invite.status), col(Invite.team_id), col(Invite.responded_at))
    )
    submissions = await database.fetch_all(
        select(col(Submission.id), col(Submission.status), col(Submission.updated_at))
    )
    memberships = await database.fetch_all(
        select(col(Membership.id), col(Membership.team_id), col(Membership.profile_id), col(Membership.role))
    )
    teams = await database.fetch_scalar(select(func.array_agg(col(Team.id))))
    return Baseline(
        highest=highest,
        invites={row[0]: tuple(row[1:]) for row in invites},
        submissions={row[0]: tuple(row[1:]) for row in submissions},
        memberships={row[0]: tuple(row[1:]) for row in memberships},
        teams=frozenset(teams or ()),
    )


@dataclass
class Write:
    """One mutation a member posted: what it sent and, when an answer came, what it was told."""

    seq: int
    kind: Kind
    member: int
    start: float
    sent: dict[str, Any]
    end: float | None = None
    outcome: Outcome | None = None
    """None when no answer was recorded at all (the member was stopped while waiting)."""
    got: dict[str, Any] | None = None

    @property
    def acknowledged(self) -> bool:
        return self.outcome is Outcome.OK

    @property
    def refused(self) -> bool:
        """Refused by a rule, or before execution (4xx): nothing may have been written."""
        return self.outcome in (Outcome.REFUSED, Outcome.HTTP_4XX)

    @property
    def unknown(self) -> bool:
        return not (self.acknowledged or self.refused)

    def describe(self, profiles: list[int]) -> str:
        return f"{self.kind} #{self.seq} by member {self.member} (profile {profiles[self.member]})"


def read_records(path: Path) -> tuple[list[dict[str, Any]], list[Write]]:
    """The answered requests, and every write (its intent merged with its outcome when there is one)."""
    answered: list[dict[str, Any]] = []
    writes: dict[int, Write] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "outcome" not in record:
            writes[record["seq"]] = Write(
                record["seq"], Kind(record["kind"]), record["member"], record["start"], record["sent"]
            )
            continue
        answered.append(record)
        write = writes.get(record["seq"])
        if write is not None:
            write.end = record["end"]
            write.outcome = Outcome(record["outcome"])
            write.got = record.get("got")
    return answered, list(writes.values())


@dataclass
class Findings:
    lost: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    wrong_state: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    invariants: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)

    def categories(self) -> dict[str, list[str]]:
        return {
            "lost writes": self.lost,
            "extra writes": self.extra,
            "writes in another state than acknowledged": self.wrong_state,
            "duplicated writes or acknowledgements": self.duplicated,
            "events not as announced": self.events,
            "broken invariants": self.invariants,
        }

    @property
    def failed(self) -> bool:
        return any(self.categories().values())


@dataclass
class State:
    """The checked tables after the run."""

    invites: dict[int, Any]
    submissions: dict[int, Any]
    teams: dict[int, Any]
    memberships: dict[int, Any]
    events: list[Any]
    owners: dict[int, int]
    sectors: dict[int, str]
    cross_sector: dict[int, bool]


async def _state(database: Database, baseline: Baseline) -> State:
    invites = await database.fetch_all(
        select(
            col(Invite.id),
            col(Invite.sender_id),
            col(Invite.recipient_id),
            col(Invite.idea_id),
            col(Invite.team_id),
            col(Invite.status),
            col(Invite.responded_at),
        )
    )
    submissions = await database.fetch_all(
        select(
            col(Submission.id),
            col(Submission.team_id),
            col(Submission.round_id),
            col(Submission.status),
            col(Submission.updated_at),
        )
    )
    teams = await database.fetch_all(select(col(Team.id), col(Team.idea_id)))
    memberships = await database.fetch_all(
        select(col(Membership.id), col(Membership.team_id), col(Membership.profile_id), col(Membership.role))
    )
    events = await database.fetch_all(
        select(
            col(Event.kind),
            col(Event.audience_id),
            col(Event.team_id),
            col(Event.invite_id),
            col(Event.member_id),
            col(Event.submission_id),
        ).where(col(Event.id) > baseline.highest["event"])
    )
    owners = await database.fetch_all(select(col(Idea.id), col(Idea.owner_id)))
    sectors = await database.fetch_all(select(col(Profile.id), col(Profile.sector)))
    rounds = await database.fetch_all(select(col(ContestRound.id), col(ContestRound.cross_sector_required)))
    return State(
        invites={row.id: row for row in invites},
        submissions={row.id: row for row in submissions},
        teams={row.id: row for row in teams},
        memberships={row.id: row for row in memberships},
        events=list(events),
        owners={row.id: row.owner_id for row in owners},
        sectors={row.id: str(row.sector) for row in sectors},
        cross_sector={row.id: bool(row.cross_sector_required) for row in rounds},
    )


def _check_invites(
    state: State, baseline: Baseline, writes: list[Write], profiles: list[int], findings: Findings
) -> set[int]:
    """The run's invitations against the acknowledged sends and answers; returns the demo
    invitations the sweep expired meanwhile."""
    new = {k: row for k, row in state.invites.items() if k > baseline.highest["invite"]}
    told: dict[int, Write] = {}
    unknown_sends: Counter[tuple[int, int, int]] = Counter()
    for write in writes:
        if write.kind is not Kind.SEND_INVITE:
            continue
        sent = (profiles[write.member], key(write.sent["recipient"]), key(write.sent["idea"]))
        if write.unknown:
            unknown_sends[sent] += 1
        if not write.acknowledged or write.got is None:
            continue
        invite = key(write.got["id"])
        if invite in told:
            findings.duplicated.append(
                f"invitation {invite} was acknowledged to two requests: "
                f"{told[invite].describe(profiles)} and {write.describe(profiles)}",
            )
        told[invite] = write
        row = new.get(invite)
        if row is None:
            findings.lost.append(f"invitation {invite} ({write.describe(profiles)}) is not in the database")
        elif (row.sender_id, row.recipient_id, row.idea_id) != sent:
            findings.wrong_state.append(
                f"invitation {invite} is from {row.sender_id} to {row.recipient_id} about idea "
                f"{row.idea_id}; {write.describe(profiles)} sent {sent}",
            )
    landed = 0
    for invite, row in sorted(new.items()):
        if invite in told:
            continue
        triple = (row.sender_id, row.recipient_id, row.idea_id)
        if unknown_sends[triple]:
            unknown_sends[triple] -= 1
            landed += 1
            continue
        findings.extra.append(
            f"invitation {invite} ({row.status}, profile {row.sender_id} to {row.recipient_id}, idea "
            f"{row.idea_id}) was written, but no member was told and no unanswered sendInvite matches it",
        )

    closed: dict[int, list[Write]] = defaultdict(list)
    maybe: dict[int, set[str]] = defaultdict(set)
    for write in writes:
        if write.kind not in CLOSED_AS:
            continue
        invite = key(write.sent["invite"])
        if write.acknowledged:
            closed[invite].append(write)
        elif write.unknown:
            maybe[invite].add(CLOSED_AS[write.kind])
    for invite, acknowledged in closed.items():
        if len(acknowledged) > 1:
            findings.duplicated.append(
                f"invitation {invite} was closed for {len(acknowledged)} requests: "
                + ", ".join(write.describe(profiles) for write in acknowledged),
            )
        if invite not in new:
            findings.wrong_state.append(f"invitation {invite}, answered by a member, is not one of the run's")
    statuses: Counter[str] = Counter()
    for invite, row in new.items():
        status = str(row.status)
        statuses[status] += 1
        acknowledged = closed.get(invite, [])
        allowed = {CLOSED_AS[write.kind] for write in acknowledged} or {"PENDING"}
        if status not in allowed | maybe.get(invite, set()):
            told_as = ", ".join(f"{w.describe(profiles)}: {CLOSED_AS[w.kind]}" for w in acknowledged)
            findings.wrong_state.append(
                f"invitation {invite} is {status}; acknowledged: {told_as or 'sent, not answered'}",
            )
        for write in acknowledged:
            if write.kind is Kind.ACCEPT_INVITE:
                team = (write.got or {}).get("team")
                if team is None or key(team["id"]) != row.team_id:
                    findings.wrong_state.append(
                        f"invitation {invite} belongs to team {row.team_id}; {write.describe(profiles)} "
                        f"was told team {team}",
                    )

    expired: set[int] = set()
    for invite, before in baseline.invites.items():
        row = state.invites.get(invite)
        after = None if row is None else (row.status, row.team_id, row.responded_at)
        if after == before:
            continue
        if row is not None and str(before[0]) == "PENDING" and str(row.status) == "EXPIRED":
            expired.add(invite)
            continue
        findings.extra.append(f"demo invitation {invite} changed from {before} to {after}")
    unknown = sum(1 for write in writes if write.kind is Kind.SEND_INVITE and write.unknown)
    findings.summary.append(
        f"invitations  {len(new):,} written in the run: {len(told):,} acknowledged, {landed} by the "
        f"{unknown} unanswered sends; now "
        + ", ".join(f"{count:,} {status.lower()}" for status, count in sorted(statuses.items()))
        + f"; {len(expired):,} demo invitations expired by the sweep"
    )
    return expired


def _check_submissions(state: State, baseline: Baseline, writes: list[Write], findings: Findings) -> None:
    acknowledged: dict[int, list[Write]] = defaultdict(list)
    maybe: dict[int, set[str]] = defaultdict(set)
    by_entry = {(row.team_id, row.round_id): k for k, row in state.submissions.items()}
    unanswered_entries: set[int] = set()
    for write in writes:
        if write.kind not in ENTERED_AS:
            continue
        if write.kind is Kind.SUBMIT:
            sent = (key(write.sent["team"]), key(write.sent["round"]))
            if write.unknown:
                entry = by_entry.get(sent)
                if entry is not None:
                    maybe[entry].add("SUBMITTED")
                    unanswered_entries.add(entry)
                continue
            if not write.acknowledged or write.got is None:
                continue
            entry = key(write.got["id"])
            row = state.submissions.get(entry)
            if row is not None and (row.team_id, row.round_id) != sent:
                findings.wrong_state.append(
                    f"submission {entry} is team {row.team_id} in round {row.round_id}; submitToRound "
                    f"#{write.seq} sent {sent}",
                )
        else:
            entry = key(write.sent["submission"])
            if write.unknown:
                maybe[entry].add("WITHDRAWN")
                continue
            if not write.acknowledged:
                continue
        acknowledged[entry].append(write)

    new = {k: row for k, row in state.submissions.items() if k > baseline.highest["submission"]}
    for entry, told in acknowledged.items():
        row = state.submissions.get(entry)
        if row is None:
            findings.lost.append(
                f"submission {entry} (acknowledged to {told[0].kind} #{told[0].seq}) is gone"
            )
            continue
        if entry not in new:
            findings.wrong_state.append(f"submission {entry}, changed by a member, is not one of the run's")
        # The state of the last write: one no other acknowledged write started after.
        last = {
            ENTERED_AS[w.kind]
            for w in told
            if not any(o.start > (w.end or w.start) for o in told if o is not w)
        }
        if str(row.status) not in last | maybe.get(entry, set()):
            history = ", ".join(f"{w.kind} #{w.seq} {ENTERED_AS[w.kind]}" for w in told)
            findings.wrong_state.append(f"submission {entry} is {row.status}; acknowledged: {history}")
    for entry, row in new.items():
        if entry not in acknowledged and entry not in unanswered_entries:
            findings.extra.append(
                f"submission {entry} (team {row.team_id}, round {row.round_id}, {row.status}) was written, "
                f"but no member was told",
            )
    for entry, before in baseline.submissions.items():
        row = state.submissions.get(entry)
        after = None if row is None else (row.status, row.updated_at)
        if after != before:
            findings.extra.append(f"demo submission {entry} changed from {before} to {after}")
    entries = Counter((row.team_id, row.round_id) for row in state.submissions.values())
    for (team, round_), count in entries.items():
        if count > 1:
            findings.duplicated.append(f"team {team} has {count} submissions to round {round_}")
    statuses = Counter(str(row.status) for row in new.values())
    answered, landed = set(new) & set(acknowledged), (set(new) - set(acknowledged)) & unanswered_entries
    findings.summary.append(
        f"submissions  {len(new):,} written in the run: {len(answered):,} acknowledged, {len(landed)} by "
        "unanswered submits; now "
        + (", ".join(f"{count:,} {status.lower()}" for status, count in sorted(statuses.items())) or "none")
    )


def _check_teams(
    state: State, baseline: Baseline, writes: list[Write], profiles: list[int], findings: Findings
) -> None:
    """New teams and memberships: each from an acknowledged (or unanswered) acceptance."""
    accepted: dict[int, list[Write]] = defaultdict(list)
    unknown_joins: set[tuple[int, int]] = set()
    for write in writes:
        if write.kind is not Kind.ACCEPT_INVITE:
            continue
        invite = state.invites.get(key(write.sent["invite"]))
        if write.unknown and invite is not None and invite.team_id is not None:
            unknown_joins.add((invite.team_id, invite.recipient_id))
        team = (write.got or {}).get("team") if write.acknowledged else None
        if team is not None:
            accepted[key(team["id"])].append(write)

    new_teams = {k: row for k, row in state.teams.items() if k > baseline.highest["team"]}
    for team, told in accepted.items():
        if team not in state.teams:
            findings.lost.append(
                f"team {team} ({told[0].describe(profiles)} joined it) is not in the database"
            )
    unknown_teams = {team for team, _ in unknown_joins}
    for team in new_teams:
        if team not in accepted and team not in unknown_teams:
            findings.extra.append(f"team {team} was formed, but no acceptance that formed it was answered")
    for team in baseline.teams - set(state.teams):
        findings.extra.append(f"demo team {team} is gone")

    expected: Counter[tuple[int, int, str]] = Counter()
    for team, told in accepted.items():
        for write in told:
            invite = state.invites.get(key(write.sent["invite"]))
            if invite is not None:
                expected[(team, invite.recipient_id, "MEMBER")] += 1
    for team, row in new_teams.items():
        expected[(team, state.owners[row.idea_id], "LEAD")] += 1
    found: Counter[tuple[int, int, str]] = Counter()
    for membership, row in state.memberships.items():
        if membership <= baseline.highest["membership"]:
            continue
        seat = (row.team_id, row.profile_id, str(row.role))
        found[seat] += 1
        if found[seat] > expected[seat] and (row.team_id, row.profile_id) not in unknown_joins:
            findings.extra.append(
                f"membership {membership} (profile {row.profile_id} in team {row.team_id} as {row.role}) "
                f"was written, but no member was told",
            )
    for seat, count in expected.items():
        if found[seat] < count:
            findings.lost.append(f"profile {seat[1]} is not in team {seat[0]} as {seat[2]}, as acknowledged")
    for membership, before in baseline.memberships.items():
        row = state.memberships.get(membership)
        after = None if row is None else (row.team_id, row.profile_id, row.role)
        if after != before:
            findings.extra.append(f"demo membership {membership} changed from {before} to {after}")
    findings.summary.append(
        f"teams        {len(new_teams):,} formed in the run, {sum(found.values()):,} members joined; "
        f"{sum(len(told) for told in accepted.values()):,} acceptances acknowledged"
    )


def _check_events(
    state: State, baseline: Baseline, writes: list[Write], expired: set[int], findings: Findings
) -> None:
    """Each change announced once, and nothing else: no refused or rolled-back write left an event."""
    expected: Counter[tuple[Any, ...]] = Counter()
    slack: Counter[tuple[Any, ...]] = Counter()

    def member(kind: str, audience: int, invite: int) -> tuple[Any, ...]:
        return (kind, audience, None, invite, None, None)

    for invite, row in state.invites.items():
        status = str(row.status)
        if invite > baseline.highest["invite"]:
            expected[member("INVITE_RECEIVED", row.recipient_id, invite)] += 1
            if status in ("ACCEPTED", "DECLINED", "WITHDRAWN"):
                expected[member(f"INVITE_{status}", row.sender_id, invite)] += 1
            if status == "WITHDRAWN":
                expected[member("INVITE_WITHDRAWN", row.recipient_id, invite)] += 1
            if status == "ACCEPTED":
                expected[("MEMBER_JOINED", None, row.team_id, None, row.recipient_id, None)] += 1
        elif invite in expired:
            expected[member("INVITE_EXPIRED", row.sender_id, invite)] += 1
            expected[member("INVITE_EXPIRED", row.recipient_id, invite)] += 1
    for write in writes:
        if write.kind not in ENTERED_AS:
            continue
        if write.kind is Kind.SUBMIT and write.acknowledged and write.got is not None:
            entry = key(write.got["id"])
        elif write.kind is Kind.SUBMIT:
            sent = (key(write.sent["team"]), key(write.sent["round"]))
            entry = next((k for k, r in state.submissions.items() if (r.team_id, r.round_id) == sent), 0)
        else:
            entry = key(write.sent["submission"])
        row = state.submissions.get(entry)
        if row is None:
            continue
        announced = ("SUBMISSION_STATUS_CHANGED", None, row.team_id, None, None, entry)
        if write.acknowledged:
            expected[announced] += 1
        elif write.unknown:
            slack[announced] += 1
    actual = Counter(
        (str(row.kind), row.audience_id, row.team_id, row.invite_id, row.member_id, row.submission_id)
        for row in state.events
    )
    for event in sorted(set(expected) | set(actual), key=str):
        if not expected[event] <= actual[event] <= expected[event] + slack[event]:
            kind, audience, team, invite, joined, entry = event
            findings.events.append(
                f"{kind} (audience {audience}, team {team}, invitation {invite}, member {joined}, "
                f"submission {entry}) stored {actual[event]} times, expected {expected[event]}",
            )
    findings.summary.append(f"events       {len(state.events):,} stored in the run")


def _check_invariants(state: State, baseline: Baseline, rounds: Iterable[int], findings: Findings) -> None:
    members: dict[int, list[Any]] = defaultdict(list)
    for row in state.memberships.values():
        members[row.team_id].append(row)
    largest = 0
    for team, rows in sorted(members.items()):
        seated = [row for row in rows if row.profile_id is not None]
        largest = max(largest, len(seated))
        if len(seated) > MAX_TEAM_SIZE:
            people = ", ".join(str(row.profile_id) for row in seated)
            findings.invariants.append(f"team {team} has {len(seated)} members ({people})")
        leads = sum(1 for row in rows if str(row.role) == "LEAD")
        if leads != 1:
            findings.invariants.append(f"team {team} has {leads} leads")
    seats = {(row.team_id, row.profile_id) for row in state.memberships.values()}
    for invite, row in state.invites.items():
        ran = invite > baseline.highest["invite"]  # the demo data's accepted invitations name no team
        if ran and str(row.status) == "ACCEPTED" and (row.team_id, row.recipient_id) not in seats:
            findings.invariants.append(
                f"invitation {invite} is accepted, but profile {row.recipient_id} is not in its team "
                f"{row.team_id}",
            )
    run_rounds = set(rounds)
    for entry, row in state.submissions.items():
        if row.round_id not in run_rounds or str(row.status) == "WITHDRAWN":
            continue
        seated = [r.profile_id for r in members[row.team_id] if r.profile_id is not None]
        if not MIN_TEAM_SIZE <= len(seated) <= MAX_TEAM_SIZE:
            findings.invariants.append(f"submission {entry}: team {row.team_id} has {len(seated)} members")
        if state.cross_sector[row.round_id] and len({state.sectors[p] for p in seated}) < 2:
            findings.invariants.append(f"submission {entry}: team {row.team_id} is from one sector only")
    pending = Counter(
        (row.sender_id, row.recipient_id, row.idea_id)
        for row in state.invites.values()
        if str(row.status) == "PENDING"
    )
    for triple, count in pending.items():
        if count > 1:
            findings.invariants.append(
                f"{count} pending invitations from {triple[0]} to {triple[1]} about idea {triple[2]}"
            )
    findings.summary.append(
        f"invariants   {len(members):,} teams, the largest with {largest} members (at most {MAX_TEAM_SIZE}); "
        "one lead each; accepted invitations seated; entered teams 2 to 4, cross-sector where asked; "
        "one pending invitation per sender, recipient and idea"
    )


async def verify(
    url: str, baseline: Baseline, writes: list[Write], profiles: list[int], rounds: list[int]
) -> Findings:
    """`profiles[i]` is member i's profile key; `rounds` are the keys of the run's rounds."""
    database = Database(url)
    try:
        state = await _state(database, baseline)
    finally:
        await database.dispose()
    findings = Findings()
    expired = _check_invites(state, baseline, writes, profiles, findings)
    _check_submissions(state, baseline, writes, findings)
    _check_teams(state, baseline, writes, profiles, findings)
    _check_events(state, baseline, writes, expired, findings)
    _check_invariants(state, baseline, rounds, findings)
    return findings

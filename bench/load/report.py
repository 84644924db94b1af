"""The figures of a load run, from its records: throughput, latency by request kind, the service's
errors by kind, the business refusals apart from them, and what became of the writes."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from bench.load.plan import Kind, Outcome
from bench.load.verify import Write

ANSWERED = frozenset(Outcome) - {Outcome.TIMEOUT, Outcome.TRANSPORT}
"""Outcomes with an HTTP answer, whose latency is the service's; a timeout's is the client's."""
ERRORS = (
    Outcome.HTTP_5XX,
    Outcome.GRAPHQL_ERROR,
    Outcome.EMPTY,
    Outcome.HTTP_4XX,
    Outcome.TRANSPORT,
    Outcome.TIMEOUT,
)
SHOWN_MESSAGES = 5


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))] if ordered else 0.0


@dataclass(frozen=True)
class Figures:
    requests: int
    seconds: float
    outcomes: Counter[Outcome]
    graphql_codes: Counter[str]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _row(name: str, records: list[dict[str, Any]], seconds: float) -> str:
    ms = [(r["end"] - r["start"]) * 1000 for r in records if r["outcome"] in ANSWERED]
    refused = sum(1 for r in records if r["outcome"] == Outcome.REFUSED)
    errors = sum(1 for r in records if r["outcome"] not in (Outcome.OK, Outcome.REFUSED))
    rate = len(records) / seconds if seconds else 0.0
    return (
        f"{name:<26}{len(records):>9,}{rate:>8.1f}{percentile(ms, 0.5):>9.0f}{percentile(ms, 0.99):>9.0f}"
        f"{refused:>9,}{errors:>8,}"
    )


def figures(answered: list[dict[str, Any]], writes: list[Write]) -> Figures:
    """Prints the figures and returns what the verdict needs."""
    if not answered:
        print("no request was answered")
        return Figures(0, 0.0, Counter(), Counter())
    seconds = max(r["end"] for r in answered) - min(r["start"] for r in answered)
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for record in answered:
        by_kind[record["kind"]].append(record)
    print(f"\n{'kind':<26}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'refused':>9}{'errors':>8}")
    for kind in Kind:
        if by_kind.get(kind):
            print(_row(kind, by_kind[kind], seconds))
    print(_row("all", answered, seconds))
    print(f"\n{len(answered):,} requests in {seconds:.1f} s: {len(answered) / seconds:.1f} per second")
    print("latency: from posting to the whole answer read, over requests that got an HTTP answer")

    outcomes = Counter(Outcome(r["outcome"]) for r in answered)
    graphql_codes = Counter(
        code
        for r in answered
        if r["outcome"] in (Outcome.GRAPHQL_ERROR, Outcome.HTTP_4XX)
        for code in r["codes"]
    )
    print("\nerrors of the service:")
    for outcome in ERRORS:
        detail = ""
        if outcome is Outcome.GRAPHQL_ERROR and graphql_codes:
            detail = "  " + ", ".join(f"{code} {count:,}" for code, count in graphql_codes.most_common())
        unknown = " (writes among them: unknown)" if outcome in (Outcome.TIMEOUT, Outcome.TRANSPORT) else ""
        print(f"  {outcome:<18}{outcomes[outcome]:>8,}{detail}{unknown}")
    messages = Counter(
        f"{r['kind']}: {r['outcome']} {r['status']} {r['message'][:240]}"
        for r in answered
        if r["outcome"] not in (Outcome.OK, Outcome.REFUSED)
    )
    for message, count in messages.most_common(SHOWN_MESSAGES):
        print(f"    {count:>6,} x {message}")

    refusals: dict[str, Counter[str]] = defaultdict(Counter)
    for record in answered:
        if record["outcome"] == Outcome.REFUSED:
            for code in record["codes"]:
                refusals[code][record["kind"]] += 1
    print(f"\nrefusals (business answers such as a full team, not errors): {outcomes[Outcome.REFUSED]:,}")
    for code, kinds in sorted(refusals.items(), key=lambda item: -sum(item[1].values())):
        detail = ", ".join(f"{kind} {count:,}" for kind, count in kinds.most_common())
        print(f"  {code:<18}{sum(kinds.values()):>8,}  ({detail})")

    print(f"\nwrites: {len(writes):,} posted")
    print(f"{'kind':<26}{'acknowledged':>13}{'refused':>9}{'unknown':>9}")
    for kind in Kind:
        posted = [w for w in writes if w.kind is kind]
        if posted:
            acknowledged = sum(1 for w in posted if w.acknowledged)
            refused = sum(1 for w in posted if w.refused)
            print(f"{kind:<26}{acknowledged:>13,}{refused:>9,}{len(posted) - acknowledged - refused:>9,}")
    print("unknown: no answer arrived (timeout, transport error, stopped) or the answer was an error")
    return Figures(len(answered), seconds, outcomes, graphql_codes)

"""The team builder: a whole team for an idea, chosen exactly by a small integer program.

From the idea's crew (always in) and a pool of candidates (the best-matched profiles for its
open needs, and everyone with a pending or accepted invitation about it), CBC picks `size`
members that, in this order of priority:
1. cover as many of the idea's needed skills as possible, then the rarer ones;
2. include those who showed interest in the idea, then the better-matched;
and span at least two sectors, as the idea contest requires. When no candidate could make the
team cross-sector, the best single-sector team is proposed and the suggestion says so."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import cbcbox
import pulp

from models.db import Database, RequestReader
from models.enums import Sector
from resolvers.errors import UserInputError
from resolvers.match import (
    IdeaNeeds,
    Notice,
    PartnerCriteria,
    PartnerMatch,
    Weighted,
    idea_needs,
    partners_for_needs,
)
from resolvers.team import MAX_TEAM_SIZE

MIN_TEAM_SIZE = 2
POOL_SIZE = 50
SOLVER_SECONDS = 5
COVER = 100_000.0
"""Objective weight of each covered skill: one more skill outweighs everything else."""
RARITY = 10.0
"""Times a covered skill's weight: between equal counts, rarer skills win."""
INTEREST = 1.0
"""A member who showed interest; the match score adds less than 1 on top."""


@dataclass(frozen=True, slots=True)
class SuggestedMember:
    profile_id: int
    in_team: bool
    interested: bool
    covers: tuple[int, ...]
    """The idea's needed skills this member brings and no one before them in the list does."""


@dataclass(frozen=True, slots=True)
class TeamSuggestion:
    members: list[SuggestedMember]
    covered: list[Weighted]
    uncovered: list[Weighted]
    sectors: list[Sector]
    optimal: bool
    notice: Notice | None = None

    @property
    def cross_sector(self) -> bool:
        return len(self.sectors) >= 2


def check_size(size: int, crew: int) -> None:
    if not MIN_TEAM_SIZE <= size <= MAX_TEAM_SIZE:
        raise UserInputError(
            "size", f"'size' must be between {MIN_TEAM_SIZE} and {MAX_TEAM_SIZE}, got {size}."
        )
    if size < crew:
        raise UserInputError(
            "size", f"The team already has {crew} members; ask for a 'size' of at least {crew}."
        )


@dataclass(frozen=True, slots=True)
class _Candidate:
    profile_id: int
    sector: Sector
    offers: frozenset[int]
    in_team: bool
    interested: bool
    score: float


def _candidates(needs: IdeaNeeds, pool: Sequence[PartnerMatch]) -> list[_Candidate]:
    index = needs.index
    scores = {match.profile_id: match.score for match in pool}
    people = list(dict.fromkeys([*needs.circle.crew, *scores, *sorted(needs.circle.interested)]))
    candidates = []
    for profile_id in people:
        position = index.position(profile_id)
        if position is None:
            continue
        candidates.append(
            _Candidate(
                profile_id=profile_id,
                sector=index.sector_of(position),
                offers=frozenset(index.skills_of(position)[0] & set(needs.needed)),
                in_team=profile_id in needs.circle.crew,
                interested=profile_id in needs.circle.interested,
                score=scores.get(profile_id, 0.0),
            )
        )
    return candidates


def _solve(
    candidates: list[_Candidate], weights: dict[int, float], size: int, cross_sector: bool
) -> tuple[list[_Candidate], bool] | None:
    """The chosen candidates and whether CBC proved them optimal; None when infeasible."""
    problem = pulp.LpProblem("team", pulp.LpMaximize)
    pick = {c.profile_id: problem.add_variable(f"pick_{c.profile_id}", cat=pulp.LpBinary) for c in candidates}
    cover = {s: problem.add_variable(f"cover_{s}", cat=pulp.LpBinary) for s in weights}
    top = max((c.score for c in candidates), default=0.0) or 1.0
    problem += pulp.lpSum((COVER + RARITY * weights[s]) * cover[s] for s in weights) + pulp.lpSum(
        (INTEREST * c.interested + c.score / (top * 1.01)) * pick[c.profile_id] for c in candidates
    )
    problem += pulp.lpSum(pick.values()) == size
    for c in candidates:
        if c.in_team:
            problem += pick[c.profile_id] == 1
    for skill in weights:
        problem += cover[skill] <= pulp.lpSum(pick[c.profile_id] for c in candidates if skill in c.offers)
    if cross_sector:
        sectors = sorted({c.sector for c in candidates})
        spans = {s: problem.add_variable(f"sector_{s.value}", cat=pulp.LpBinary) for s in sectors}
        for sector, variable in spans.items():
            problem += variable <= pulp.lpSum(pick[c.profile_id] for c in candidates if c.sector == sector)
        problem += pulp.lpSum(spans.values()) >= 2
    problem.solve(pulp.COIN_CMD(path=cbcbox.cbc_bin_path(), msg=False, timeLimit=SOLVER_SECONDS))
    if problem.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return None
    chosen = [c for c in candidates if (pick[c.profile_id].value() or 0) > 0.5]
    return chosen, problem.sol_status == pulp.LpSolutionOptimal


def _suggestion(
    chosen: list[_Candidate], weights: dict[int, float], optimal: bool, notice: Notice | None
) -> TeamSuggestion:
    chosen = sorted(chosen, key=lambda c: (not c.in_team, not c.interested, -c.score, c.profile_id))
    members: list[SuggestedMember] = []
    covered: set[int] = set()
    for c in chosen:
        brings = tuple(sorted(c.offers - covered, key=lambda s: (-weights[s], s)))
        covered |= c.offers
        members.append(SuggestedMember(c.profile_id, c.in_team, c.interested, brings))

    def weighted(skills: set[int]) -> list[Weighted]:
        return sorted((Weighted(s, weights[s]) for s in skills), key=lambda w: (-w.weight, w.skill_id))

    return TeamSuggestion(
        members=members,
        covered=weighted(covered & weights.keys()),
        uncovered=weighted(weights.keys() - covered),
        sectors=sorted({c.sector for c in chosen}),
        optimal=optimal,
        notice=notice,
    )


async def suggest_team(
    database: Database, reader: RequestReader, idea_id: int, needed: Sequence[int], size: int
) -> TeamSuggestion:
    needs = await idea_needs(database, reader, idea_id, needed)
    check_size(size, len(needs.circle.crew))
    weights = {skill: needs.index.weight(skill) for skill in needs.needed}
    pool = partners_for_needs(needs, POOL_SIZE, PartnerCriteria(), with_pending=True) if needs.open else []
    candidates = _candidates(needs, pool)
    size = min(size, len(candidates))
    solved = await asyncio.to_thread(_solve, candidates, weights, size, True)
    notice = needs.notice
    if needs.open and len(candidates) == len(needs.circle.crew):
        notice = Notice.NO_CANDIDATES
    if solved is None:
        solved = await asyncio.to_thread(_solve, candidates, weights, size, False)
        notice = notice or Notice.SINGLE_SECTOR
    chosen, optimal = solved if solved is not None else ([c for c in candidates if c.in_team], False)
    return _suggestion(chosen, weights, optimal, notice)

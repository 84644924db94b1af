"""An in-memory index of who offers and seeks which skill, for scoring every profile at once.

Ranking partners compares one member's skills with every other profile's. In SQL that is a
GROUP BY over tens of thousands of claims per request (about 100 ms on SQLite at 100,000
profiles); over NumPy arrays it is one gather and one `bincount`, a few milliseconds.

Each process keeps one index per database and checks it against a fingerprint of the profile
and claim tables (one cheap statement) before every use. Profiles changed since the last check
are patched in; anything else (a deleted profile, rows written around the service) rebuilds
the index from scratch."""

import asyncio
import math
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import bindparam, func, select
from sqlmodel import col

from models import Profile, ProfileSkill
from models.db import Database, RequestReader
from models.enums import ProfileKind, Region, Sector, SkillDirection
from models.query import Query, in_array

SECTORS = tuple(Sector)
REGIONS = tuple(Region)
KINDS = tuple(ProfileKind)
NO_REGION = -1
CLOCK_SKEW = timedelta(seconds=5)
"""Profiles changed this long before the last one seen are fetched again, in case replicas'
clocks or timestamp precision disagree."""

FINGERPRINT = Query(
    select(
        select(func.count()).select_from(Profile).scalar_subquery().label("profiles"),
        select(func.max(col(Profile.id))).scalar_subquery().label("last_id"),
        select(func.max(col(Profile.updated_at))).scalar_subquery().label("last_change"),
        select(func.count()).select_from(ProfileSkill).scalar_subquery().label("claims"),
    )
)
_PROFILES = select(col(Profile.id), col(Profile.sector), col(Profile.region), col(Profile.kind))
_CLAIMS = select(col(ProfileSkill.profile_id), col(ProfileSkill.skill_id), col(ProfileSkill.direction))
ALL_PROFILES = Query(_PROFILES)
ALL_CLAIMS = Query(_CLAIMS)
CHANGED_PROFILES = Query(_PROFILES.where(col(Profile.updated_at) >= bindparam("since")))
CLAIMS_OF = Query(_CLAIMS.where(in_array(col(ProfileSkill.profile_id), "keys")))


@dataclass(frozen=True, slots=True)
class Fingerprint:
    profiles: int
    last_id: int | None
    last_change: datetime | None
    claims: int


def _codes(values: list[Any], vocabulary: tuple[Any, ...]) -> NDArray[np.int8]:
    position = {value: code for code, value in enumerate(vocabulary)}
    return np.array([position.get(value, NO_REGION) for value in values], dtype=np.int8)


@dataclass(slots=True)
class _Profiles:
    ids: NDArray[np.int64]
    sector: NDArray[np.int8]
    region: NDArray[np.int8]
    kind: NDArray[np.int8]

    @classmethod
    def of(cls, rows: list[Any]) -> "_Profiles":
        rows = sorted(rows, key=lambda row: row.id)
        return cls(
            ids=np.array([row.id for row in rows], dtype=np.int64),
            sector=_codes([row.sector for row in rows], SECTORS),
            region=_codes([row.region for row in rows], REGIONS),
            kind=_codes([row.kind for row in rows], KINDS),
        )


@dataclass(slots=True)
class _Claims:
    profile: NDArray[np.int64]
    skill: NDArray[np.int64]
    seeks: NDArray[np.bool_]

    @classmethod
    def of(cls, rows: list[Any]) -> "_Claims":
        return cls(
            profile=np.array([row.profile_id for row in rows], dtype=np.int64),
            skill=np.array([row.skill_id for row in rows], dtype=np.int64),
            seeks=np.array([row.direction == SkillDirection.SEEKS for row in rows], dtype=np.bool_),
        )


class SkillIndex:
    """Profiles (sorted by id) with their sector, region and kind, and every skill claim."""

    def __init__(self, profiles: _Profiles, claims: _Claims, fingerprint: Fingerprint) -> None:
        self.profiles = profiles
        order = np.argsort(claims.profile, kind="stable")
        self.claims = _Claims(claims.profile[order], claims.skill[order], claims.seeks[order])
        self.fingerprint = fingerprint
        self.claim_position = np.searchsorted(profiles.ids, self.claims.profile)
        """Claims are sorted by profile, so each profile's claims are one slice."""
        skills = int(claims.skill.max()) + 1 if len(claims.skill) else 1
        claims_per_skill = np.bincount(claims.skill, minlength=skills)
        self.weights: NDArray[np.float64] = np.log((1 + len(profiles.ids)) / (1 + claims_per_skill)) + 1

    @property
    def size(self) -> int:
        return len(self.profiles.ids)

    def weight(self, skill_id: int) -> float:
        """IDF-style: ln((1 + profiles) / (1 + claims on the skill)) + 1, so rarer skills weigh more."""
        if skill_id < len(self.weights):
            return float(self.weights[skill_id])
        return math.log(1 + self.size) + 1

    def position(self, profile_id: int) -> int | None:
        at = int(np.searchsorted(self.profiles.ids, profile_id))
        return at if at < self.size and self.profiles.ids[at] == profile_id else None

    def positions(self, profile_ids: list[int]) -> list[int]:
        return [at for at in map(self.position, profile_ids) if at is not None]

    def skills_of(self, position: int) -> tuple[set[int], set[int]]:
        """What the profile at `position` offers and seeks, as skill ids."""
        start, end = np.searchsorted(self.claim_position, [position, position + 1])
        skills, seeks = self.claims.skill[start:end], self.claims.seeks[start:end]
        return {int(s) for s in skills[~seeks]}, {int(s) for s in skills[seeks]}

    def sector_of(self, position: int) -> Sector:
        return SECTORS[int(self.profiles.sector[position])]

    def complement(self, offered: dict[int, float], sought: dict[int, float]) -> NDArray[np.float64]:
        """For every profile: the summed weights of the skills in `offered` it offers and of
        those in `sought` it seeks."""
        size = max(len(self.weights), *(key + 1 for key in (*offered, *sought)))
        table = np.zeros((2, size))
        for skill_id, weight in offered.items():
            table[0, skill_id] = weight
        for skill_id, weight in sought.items():
            table[1, skill_id] = weight
        per_claim = table[self.claims.seeks.view(np.int8), self.claims.skill]
        summed: NDArray[np.float64] = np.bincount(
            self.claim_position, weights=per_claim, minlength=self.size
        ).astype(np.float64)
        return summed

    def patched(self, profiles: list[Any], claims: list[Any], fingerprint: Fingerprint) -> "SkillIndex":
        """The index with `profiles` (changed or new) and their `claims` replacing what it held."""
        changed = np.array([row.id for row in profiles], dtype=np.int64)
        keep_profiles = ~np.isin(self.profiles.ids, changed)
        fresh = _Profiles.of(profiles)
        ids = np.concatenate([self.profiles.ids[keep_profiles], fresh.ids])
        order = np.argsort(ids, kind="stable")
        merged = _Profiles(
            ids=ids[order],
            **{
                name: np.concatenate([getattr(self.profiles, name)[keep_profiles], getattr(fresh, name)])[
                    order
                ]
                for name in ("sector", "region", "kind")
            },
        )
        keep_claims = ~np.isin(self.claims.profile, changed)
        new = _Claims.of(claims)
        merged_claims = _Claims(
            profile=np.concatenate([self.claims.profile[keep_claims], new.profile]),
            skill=np.concatenate([self.claims.skill[keep_claims], new.skill]),
            seeks=np.concatenate([self.claims.seeks[keep_claims], new.seeks]),
        )
        return SkillIndex(merged, merged_claims, fingerprint)

    def agrees_with(self, fingerprint: Fingerprint) -> bool:
        last_id = int(self.profiles.ids[-1]) if self.size else None
        return (self.size, last_id, len(self.claims.skill)) == (
            fingerprint.profiles,
            fingerprint.last_id,
            fingerprint.claims,
        )


class _Holder:
    def __init__(self) -> None:
        self.index: SkillIndex | None = None
        self.lock = asyncio.Lock()


_holders: "weakref.WeakKeyDictionary[Database, _Holder]" = weakref.WeakKeyDictionary()


def _index(profiles: list[Any], claims: list[Any], fingerprint: Fingerprint) -> SkillIndex:
    return SkillIndex(_Profiles.of(profiles), _Claims.of(claims), fingerprint)


async def _built(reader: RequestReader, fingerprint: Fingerprint) -> SkillIndex:
    """Half a second of array building at 100,000 profiles runs in a thread, so the event loop
    keeps serving other requests meanwhile."""
    profiles = await reader.fetch_all(ALL_PROFILES)
    claims = await reader.fetch_all(ALL_CLAIMS)
    return await asyncio.to_thread(_index, profiles, claims, fingerprint)


async def _refreshed(reader: RequestReader, index: SkillIndex, fingerprint: Fingerprint) -> SkillIndex:
    since = index.fingerprint.last_change
    if since is not None:
        changed = await reader.fetch_all(CHANGED_PROFILES, since=since - CLOCK_SKEW)
        claims = await reader.fetch_all(CLAIMS_OF, keys=[row.id for row in changed]) if changed else []
        patched = index.patched(changed, claims, fingerprint)
        if patched.agrees_with(fingerprint):
            return patched
    return await _built(reader, fingerprint)


async def skill_index(database: Database, reader: RequestReader) -> SkillIndex:
    """The current index for `database`, checked with one statement and brought up to date."""
    holder = _holders.setdefault(database, _Holder())
    row = (await reader.fetch_all(FINGERPRINT))[0]
    fingerprint = Fingerprint(row.profiles, row.last_id, row.last_change, row.claims)
    if holder.index is not None and holder.index.fingerprint == fingerprint:
        return holder.index
    async with holder.lock:
        current = holder.index
        if current is None:
            current = await _built(reader, fingerprint)
        elif current.fingerprint != fingerprint:
            current = await _refreshed(reader, current, fingerprint)
        holder.index = current
        return current

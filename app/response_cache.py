"""Answers to anonymous queries kept until a write changes what they read (CIP_RESPONSE_CACHE).

Only the fast path fills it, so only documents a compiled plan covers are kept: public data read
by one statement whose tables are known, with nothing that depends on the clock. Only anonymous
requests read or fill it, so no kept answer can reach a viewer of another tier. A committed write
forgets, at once in this process and through the event broker in every other, each answer that
read a table it wrote (models/writes.py); an answer computed while such a write committed is not
kept, so it cannot outlive the change it missed."""

from collections import OrderedDict
from dataclasses import dataclass

import orjson

from models.writes import EVERYTHING

MAX_ENTRIES = 10_000
MAX_BYTES = 64 * 1024 * 1024
"""Answers kept at most, and their size in all, so the cache fits beside the process's peak."""

Key = tuple[str, str | None, bytes]


def key_of(query: str, operation_name: str | None, variables: dict[str, object] | None) -> Key:
    return query, operation_name, orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)


@dataclass(slots=True)
class _Entry:
    body: bytes
    tables: frozenset[str]


class ResponseCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self.generation = 0
        """Counts the writes forgotten; an answer read before one of them is not kept."""

    def get(self, key: Key) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry.body

    def put(self, key: Key, body: bytes, tables: frozenset[str], generation: int) -> None:
        if generation != self.generation or len(body) > self._max_bytes // 16:
            return
        self._drop(key)
        self._entries[key] = _Entry(body, tables)
        self._bytes += len(body)
        while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
            self._drop(next(iter(self._entries)))

    def forget(self, tables: frozenset[str]) -> None:
        """Every answer that read one of `tables`."""
        self.generation += 1
        if EVERYTHING in tables:
            self._entries.clear()
            self._bytes = 0
            return
        for key in [key for key, entry in self._entries.items() if entry.tables & tables]:
            self._drop(key)

    def _drop(self, key: Key) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry.body)

    def __len__(self) -> int:
        return len(self._entries)

"""Opaque global IDs ("Idea:42" in base64, as Relay servers do) and pagination cursors."""

import base64
import binascii

from resolvers.errors import UserInputError

CURSOR_PREFIX = "cursor"


def _encode(prefix: str, key: int) -> str:
    return base64.b64encode(f"{prefix}:{key}".encode()).decode()


def _decode(value: str) -> tuple[str, int] | None:
    try:
        prefix, _, key = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not prefix or not key.isdigit() or _encode(prefix, int(key)) != value:
        return None
    return prefix, int(key)


def to_global_id(type_name: str, key: int) -> str:
    return _encode(type_name, key)


def from_global_id(value: str, argument: str, *expected: str) -> tuple[str, int]:
    """The type name and key of a global ID; `expected` limits which types the argument takes."""
    decoded = _decode(value)
    if decoded is None or decoded[0] == CURSOR_PREFIX:
        raise UserInputError(argument, f"Argument '{argument}' is not a valid ID: {value!r}.")
    type_name, key = decoded
    if expected and type_name not in expected:
        wanted = " or ".join(expected)
        raise UserInputError(
            argument,
            f"Argument '{argument}' must be the ID of a {wanted}, but {value!r} is a {type_name} ID.",
        )
    return type_name, key


def key_of(value: str, argument: str, expected: str) -> int:
    return from_global_id(value, argument, expected)[1]


def to_cursor(key: int) -> str:
    return _encode(CURSOR_PREFIX, key)


def from_cursor(value: str, argument: str) -> int:
    decoded = _decode(value)
    if decoded is None or decoded[0] != CURSOR_PREFIX:
        raise UserInputError(
            argument,
            f"Argument '{argument}' is not a cursor of this list: {value!r}. "
            "Use the cursor of an edge or pageInfo.",
        )
    return decoded[1]

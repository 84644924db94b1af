"""Opaque global IDs ("Idea:42" in base64, as Relay servers do) and pagination cursors."""

import base64

from resolvers.errors import UserInputError

CURSOR_PREFIX = "cursor"
MAX_KEY = 2**31 - 1
"""Keys are PostgreSQL integers; a larger number can name nothing and would overflow the driver."""


def _encode(prefix: str, key: int) -> str:
    return base64.b64encode(f"{prefix}:{key}".encode()).decode()


def _decode(value: str) -> tuple[str, int] | None:
    try:
        prefix, _, key = base64.b64decode(value, validate=True).decode().partition(":")
    except ValueError:  # binascii.Error, UnicodeDecodeError and non-ASCII input alike
        return None
    if not prefix or not key.isdigit() or _encode(prefix, int(key)) != value or int(key) > MAX_KEY:
        return None
    return prefix, int(key)


def to_global_id(type_name: str, key: int) -> str:
    return _encode(type_name, key)


def not_an_id(value: str, argument: str) -> UserInputError:
    return UserInputError(argument, f"Argument '{argument}' is not a valid ID: {value!r}.")


def from_global_id(value: str, argument: str) -> tuple[str, int]:
    """The type name and key of a global ID."""
    decoded = _decode(value)
    if decoded is None or decoded[0] == CURSOR_PREFIX:
        raise not_an_id(value, argument)
    return decoded


def key_of(value: str, argument: str, expected: str) -> int:
    """The key of a global ID that must belong to the `expected` type."""
    type_name, key = from_global_id(value, argument)
    if type_name != expected:
        raise UserInputError(
            argument,
            f"Argument '{argument}' takes an ID of type {expected}, "
            f"but {value!r} is the ID of a {type_name}.",
        )
    return key


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

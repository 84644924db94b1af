"""The trusted documents manifest (`CIP_TRUSTED_DOCUMENTS`): the only operations this service runs
for anyone but the portal's router.

Two formats are read: Apollo's persisted query manifest (`{"format":
"apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name", "type", "body"}]}`)
and the flat map of Relay and GraphQL Codegen (`{"<id>": "<document text>"}`). An id that is a
SHA-256 (64 hexadecimal digits, optionally after `sha256:`) must be the hash of its body; other ids,
such as Relay's MD5s, are names. The manifest is read and checked once, when the settings are, so a
broken one stops the service at start instead of refusing every request later."""

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import GraphQLError

APOLLO_FORMAT = "apollo-persisted-query-manifest"
SHA256_PREFIX = "sha256:"
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
NOT_IN_LIST = "PERSISTED_QUERY_NOT_IN_LIST"


def sha256_of(text: str) -> str:
    """The hash Apollo's clients compute: SHA-256 of the UTF-8 text, in lowercase hexadecimal.
    A lone surrogate (which JSON can carry) is hashed as it is rather than failing."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def hex_sha256(value: object) -> str | None:
    """The hash in lowercase, when `value` is the 64 hexadecimal digits of one."""
    return value.lower() if isinstance(value, str) and _SHA256.fullmatch(value) else None


def sha256_key(document_id: str) -> str | None:
    """The hash an id names, when it is a SHA-256 with or without `sha256:`."""
    return hex_sha256(document_id.removeprefix(SHA256_PREFIX))


def document_key(document_id: str) -> str:
    """Ids are compared as the manifest stores them: hashes in lowercase without the prefix."""
    return sha256_key(document_id) or document_id


def not_in_list(document_id: str | None = None) -> GraphQLError:
    named = "" if document_id is None else f" (its list has no document with id '{document_id}')"
    return GraphQLError(
        "This server runs only trusted documents, and this operation is not one of them"
        f"{named}. Send an operation from the client's persisted query manifest.",
        extensions={"code": NOT_IN_LIST},
    )


class ManifestError(ValueError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"CIP_TRUSTED_DOCUMENTS {path}: {problem}")


@dataclass(frozen=True, slots=True)
class Manifest:
    documents: Mapping[str, str]
    """Document text by id (see `document_key`)."""
    bodies: frozenset[str]

    def document(self, document_id: str) -> str | None:
        return self.documents.get(document_key(document_id))

    def lists(self, text: str | None) -> bool:
        return text in self.bodies


def load_manifest(path: str) -> Manifest:
    """Raises ManifestError naming the file and what is wrong with it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(path, f"cannot be read ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise ManifestError(path, f"is not UTF-8 text ({error})") from error
    except json.JSONDecodeError as error:
        raise ManifestError(path, f"is not JSON ({error})") from error
    documents: dict[str, str] = {}
    try:
        entries = _apollo(data) if isinstance(data, dict) and "format" in data else _flat(data)
        for label, document_id, body in entries:
            documents[_checked_key(label, document_id, body, documents)] = body
    except ValueError as error:
        raise ManifestError(path, str(error)) from error
    if not documents:
        raise ManifestError(path, "lists no operations, so nothing could run")
    return Manifest(documents, frozenset(documents.values()))


def _apollo(data: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    if data["format"] != APOLLO_FORMAT:
        raise ValueError(f"has format {data['format']!r}; expected {APOLLO_FORMAT!r} or a flat JSON map")
    if data.get("version") != 1:
        raise ValueError(
            f"is version {data.get('version')!r} of {APOLLO_FORMAT}; this server reads version 1"
        )
    operations = data.get("operations")
    if not isinstance(operations, list):
        raise ValueError("has no 'operations' list")
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict):
            raise ValueError(f"operations[{index}] is not an object")
        name = operation.get("name")
        label = f"operations[{index}]" + (f" ({name})" if isinstance(name, str) else "")
        yield label, operation.get("id"), operation.get("body")


def _flat(data: Any) -> Iterator[tuple[str, Any, Any]]:
    if not isinstance(data, dict):
        raise ValueError(
            f"must be Apollo's {APOLLO_FORMAT} or a JSON object mapping ids to document text, "
            f"not a JSON {type(data).__name__}"
        )
    for document_id, body in data.items():
        yield f"the entry {document_id!r}", document_id, body


def _checked_key(label: str, document_id: Any, body: Any, known: Mapping[str, str]) -> str:
    if not isinstance(document_id, str) or not document_id:
        raise ValueError(f"{label} has no id (a non-empty string)")
    if not isinstance(body, str):
        raise ValueError(f"{label} has no body (the document's text as a string)")
    hashed = sha256_key(document_id)
    if hashed is not None and hashed != (actual := sha256_of(body)):
        raise ValueError(f"{label}: the id is a SHA-256 but not its body's, which is {actual}")
    key = hashed or document_id
    if known.get(key, body) != body:
        raise ValueError(f"{label} repeats the id {document_id} with a different body")
    return key

"""Text no database column can hold is refused before execution, naming where it came from.

PostgreSQL text cannot contain the NUL character, so a `\\u0000` in an argument would otherwise
reach the driver and fail there as an internal error."""

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension

NUL = "\x00"


def _holds_nul(value: Any) -> bool:
    """Walks with a stack of its own: variables may nest deeper than Python's recursion allows."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and NUL in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


class NoNulInLiterals(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if NUL in node.value:
            self.report_error(
                GraphQLError(
                    "String values cannot contain the NUL character (\\u0000).",
                    node,
                    extensions={"code": "BAD_USER_INPUT"},
                )
            )


class NoNulInVariables(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        variables = self.execution_context.variables or {}
        errors = [
            GraphQLError(
                f"Variable '${name}' contains the NUL character (\\u0000), which text cannot hold.",
                extensions={"code": "BAD_USER_INPUT", "variable": name},
            )
            for name, value in variables.items()
            if _holds_nul(value)
        ]
        if errors:
            self.execution_context.result = ExecutionResult(data=None, errors=errors)
        yield

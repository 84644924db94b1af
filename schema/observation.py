"""Notes what each operation did for its request's access line and metrics: once per operation,
never per field (it has no `resolve` hook)."""

from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext

from app.context import Context
from app.observation import observed

REFUSALS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)
"""Raised out of the operation; the HTTP view answers them with 400 BAD_REQUEST."""


class ObserveOperation(SchemaExtension):
    """First among the extensions, so it ends last and sees the errors as ErrorPolicy presented them."""

    def on_operation(self) -> Iterator[None]:
        observation = observed()
        if observation is None:
            yield
            return
        operation = observation.begin()
        execution = self.execution_context
        try:
            yield
        except Exception as error:  # a refusal, or an extension failing; the answer is made of it
            operation.error_codes.append(code_of(error, execution))
            raise
        else:
            errors: list[GraphQLError] = getattr(execution.result, "errors", None) or []
            operation.error_codes.extend(dict.fromkeys(code_of(error, execution) for error in errors))
        finally:
            operation.name = execution.operation_name
            operation.type = operation_type(execution)
            context = execution.context
            observation.ended(operation, context.viewer if isinstance(context, Context) else None)


def operation_type(execution: ExecutionContext) -> str:
    try:
        return execution.operation_type.value
    except RuntimeError:  # not parsed, or no operation of the name asked for
        return "unknown"


def code_of(error: Exception, execution: ExecutionContext) -> str:
    """The error's code; errors GraphQL itself raises carry none, so they are named as Apollo
    Server names them."""
    if isinstance(error, REFUSALS):
        return "BAD_REQUEST"
    if not isinstance(error, GraphQLError):
        return "INTERNAL_SERVER_ERROR"
    code = (error.extensions or {}).get("code")
    if isinstance(code, str):
        return code
    if execution.graphql_document is None:
        return "GRAPHQL_PARSE_FAILED"
    return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "INTERNAL_SERVER_ERROR"

"""One place decides what a client learns from an error."""

import logging
import re
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from app.context import Context
from models.outage import outage_cause
from resolvers.errors import CodedError, UserInputError

logger = logging.getLogger("cip_graph.errors")
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
MASKED_MESSAGE = "Internal server error"
UNAVAILABLE_MESSAGE = "The database is unavailable; try again shortly."
RETRY_AFTER_SECONDS = 5
"""What a 503 answer's Retry-After asks for: about as long as a database takes to restart or fail over."""


def logged_outage(cause: BaseException, where: object) -> str:
    """An outage is logged once, by its reason: its stack and SQL say nothing about a bug."""
    error_id = uuid.uuid4().hex
    logger.error(
        "Database unavailable %s at %s: %s: %s",
        error_id,
        where,
        type(cause).__name__,
        cause,
        extra={"error_id": error_id},
    )
    return error_id


def present(error: GraphQLError, outage_id: str | None = None) -> GraphQLError:
    """Bad input keeps its message and gains a code; an outage of the database says so, worth a
    retry; anything unexpected is logged under an id and masked, so no internals reach the client."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, UserInputError):
        extensions = {"code": original.code, "argument": original.argument}
        message = str(original)
    elif isinstance(original, CodedError):
        extensions = {"code": original.code}
        message = str(original)
    elif (cause := outage_cause(original)) is not None:
        extensions = {"code": "SERVICE_UNAVAILABLE", "errorId": outage_id or logged_outage(cause, error.path)}
        message = UNAVAILABLE_MESSAGE
    else:
        error_id = uuid.uuid4().hex
        logger.error(
            "Unexpected error %s at %s", error_id, error.path, exc_info=original, extra={"error_id": error_id}
        )
        extensions = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
        message = MASKED_MESSAGE
    return GraphQLError(
        message,
        nodes=error.nodes,
        path=error.path,
        extensions={**(error.extensions or {}), **extensions},
    )


def without_suggestion(error: GraphQLError) -> GraphQLError:
    """GraphQL's "Did you mean ...?" hints map the schema for anyone guessing names."""
    message = SUGGESTION.sub("", error.message)
    if message == error.message:
        return error
    return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=error.extensions)


def outages_answered(errors: list[GraphQLError], context: object) -> list[GraphQLError]:
    """The errors an outage caused in one operation share one id, logged once, and the HTTP answer
    becomes 503 with Retry-After, so that clients and load balancers back off and retry."""
    causes = {id(error): cause for error in errors if (cause := _outage_of(error)) is not None}
    if not causes:
        return errors
    paths = [error.path for error in errors if id(error) in causes]
    error_id = logged_outage(next(iter(causes.values())), paths)
    if isinstance(context, Context) and context.response is not None:
        context.response.status_code = 503
        context.response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return [present(error, error_id) if id(error) in causes else error for error in errors]


def _outage_of(error: GraphQLError) -> BaseException | None:
    return None if error.original_error is None else outage_cause(error.original_error)


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is not None and errors:
            context = self.execution_context.context
            errors = outages_answered(errors, context)
            hide = isinstance(context, Context) and context.settings.env == "production"
            result.errors = [
                without_suggestion(present(error)) if hide else present(error) for error in errors
            ]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each event of a subscription is a result of its own, presented before it is sent."""
        if getattr(result, "errors", None):
            result.errors = [present(error) for error in result.errors]  # type: ignore[union-attr]
        yield

"""One place decides what a client learns from an error."""

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import StreamExecutionResult

from resolvers.errors import CodedError, UserInputError

logger = logging.getLogger("cip_graph.errors")
MASKED_MESSAGE = "Internal server error"


def present(error: GraphQLError) -> GraphQLError:
    """Bad input keeps its message and gains a code; anything unexpected is logged under an id
    and masked, so no internals reach the client."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, UserInputError):
        extensions = {"code": original.code, "argument": original.argument}
        message = str(original)
    elif isinstance(original, CodedError):
        extensions = {"code": original.code}
        message = str(original)
    else:
        error_id = uuid.uuid4().hex
        logger.error("Unexpected error %s at %s", error_id, error.path, exc_info=original)
        extensions = {"code": "INTERNAL_SERVER_ERROR", "errorId": error_id}
        message = MASKED_MESSAGE
    return GraphQLError(
        message,
        nodes=error.nodes,
        path=error.path,
        extensions={**(error.extensions or {}), **extensions},
    )


class ErrorPolicy(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = [present(error) for error in result.errors]  # type: ignore[union-attr]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """Each event of a subscription is a result of its own, presented before it is sent."""
        if getattr(result, "errors", None):
            result.errors = [present(error) for error in result.errors]  # type: ignore[union-attr]
        yield

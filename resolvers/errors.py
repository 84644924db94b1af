"""Expected failures a client can fix; the schema turns them into errors with a code."""

from dataclasses import dataclass
from enum import StrEnum


class CodedError(Exception):
    """A refusal the client reads as an error with `extensions.code`; the message is safe to show."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UserInputError(Exception):
    """Bad input: the message names the argument and is safe to show to the client."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument


class ErrorCode(StrEnum):
    """Why a mutation was refused; each is something the member can act on."""

    VALIDATION = "VALIDATION"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    CONFLICT = "CONFLICT"
    DEADLINE_PASSED = "DEADLINE_PASSED"
    TEAM_SIZE = "TEAM_SIZE"
    RATE_LIMITED = "RATE_LIMITED"


@dataclass(frozen=True, slots=True)
class Problem:
    code: ErrorCode
    field: str | None
    """The input field at fault, as the client spelled it; None when it is not one field's fault."""
    message: str


class Rejected(Exception):
    """A mutation refused by a domain rule; its transaction is rolled back, nothing is written."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = problems


def reject(code: ErrorCode, field: str | None, message: str) -> Rejected:
    return Rejected(Problem(code, field, message))


class Checks:
    """Collects every validation problem of an input, so the member can fix them all at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, field: str, message: str) -> None:
        self.problems.append(Problem(ErrorCode.VALIDATION, field, message))

    def text(self, field: str, value: str | None, max_length: int, *, required: bool = True) -> None:
        """Too long is refused, never truncated; required text must hold more than blanks."""
        if value is None:
            if required:
                self.fail(field, f"'{field}' is required.")
            return
        if required and not value.strip():
            self.fail(field, f"'{field}' must not be blank.")
        elif len(value) > max_length:
            self.fail(field, f"'{field}' takes at most {max_length:,} characters, got {len(value):,}.")

    def done(self) -> None:
        if self.problems:
            raise Rejected(*self.problems)

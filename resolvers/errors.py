"""Expected failures a client can fix; the schema turns them into errors with a code."""


class UserInputError(Exception):
    """Bad input: the message names the argument and is safe to show to the client."""

    code = "BAD_USER_INPUT"

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(message)
        self.argument = argument

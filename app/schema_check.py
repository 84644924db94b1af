"""Breaking changes between the SDL the portal composed last and the one the code exports now, found
by graphql-core, so a change that would break the portal's supergraph is never made silently."""

from dataclasses import dataclass

from graphql import GraphQLSchema, build_schema, find_breaking_changes, find_dangerous_changes


@dataclass(frozen=True, slots=True)
class SchemaChanges:
    breaking: list[str]
    """Removed types and fields, changed types, new required arguments: clients fail on these."""
    dangerous: list[str]
    """New enum values, changed defaults and the like: clients may behave differently."""

    def report(self) -> str:
        if not self.breaking and not self.dangerous:
            return "No breaking or dangerous changes."
        lines = [f"{len(self.breaking)} breaking change(s):", *(f"  - {line}" for line in self.breaking)]
        if self.dangerous:
            lines += [
                f"{len(self.dangerous)} dangerous change(s):",
                *(f"  - {line}" for line in self.dangerous),
            ]
        return "\n".join(lines)


def _schema(sdl: str) -> GraphQLSchema:
    """The subgraph SDL applies federation directives it imports through @link, not declares."""
    return build_schema(sdl, assume_valid_sdl=True)


def schema_changes(before: str, after: str) -> SchemaChanges:
    old, new = _schema(before), _schema(after)
    return SchemaChanges(
        breaking=[f"{change.type.name}: {change.description}" for change in find_breaking_changes(old, new)],
        dangerous=[
            f"{change.type.name}: {change.description}" for change in find_dangerous_changes(old, new)
        ],
    )

"""Settings from `CIP_*` environment variables; the defaults run the embedded demo."""

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CIP_", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./cip.db"
    """PostgreSQL in production: postgresql+asyncpg://user@host/db."""
    demo_data: bool = True
    """Load the demo data set when the database is empty at start."""
    graphiql: bool | None = None
    """Serve GraphiQL; on by default in development only."""
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "info"

    @property
    def serve_graphiql(self) -> bool:
        return self.env == "development" if self.graphiql is None else self.graphiql

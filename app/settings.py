"""Settings from `CIP_*` environment variables; the defaults run the embedded demo."""

from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Any, Literal, Self

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import Field, PrivateAttr, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from strawberry.http.websocket_origin import normalize_allowed_origins

from app.trusted_documents import Manifest, load_manifest

WELL_KNOWN_SECRETS = frozenset({"secret", "changeme", "change-me", "dev", "development", "test", "password"})
MIN_PRODUCTION_SECRET_LENGTH = 32
BROKER_SCHEMES = ("redis://", "rediss://", "postgresql://", "postgres://", "postgresql+asyncpg://")


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
    jwt_secret: SecretStr | None = None
    """The HS256 key shared with the Civic Coding portal, which signs members in."""
    jwt_public_key: str | None = None
    """The portal's PEM public key, for RS256 or ES256 tokens; takes precedence over the secret."""
    jwt_issuer: str | None = None
    """When set, a token's `iss` must equal it."""
    jwt_audience: str | None = None
    """When set, a token's `aud` must contain it."""
    invites_per_hour: int = 30
    """How many invitations one member may send within an hour."""
    invite_ttl_days: int = Field(default=14, ge=1)
    """A pending invitation expires after this many days; its sender is told."""
    invite_sweep_seconds: float = Field(default=60, gt=0)
    """How often each replica looks for invitations that have expired."""
    broker_url: str | None = None
    """Where live events travel between replicas: redis://host:6379/0 (Redis pub/sub) or
    postgresql://user@host/db (LISTEN/NOTIFY); unset, they stay in this process."""
    broker_channel: str = Field(default="cip_events", pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    """The Redis channel or PostgreSQL notification channel the replicas share."""
    max_subscriptions_per_connection: int = Field(default=10, ge=1, le=100)
    """Operations one WebSocket connection may run at once; more are refused."""
    subscriber_queue_size: int = Field(default=100, ge=1)
    """Events waiting for one slow subscriber; when it falls this far behind it is told and closed."""
    ws_ping_interval: float = Field(default=20, gt=0)
    """Seconds between the server's WebSocket pings; a peer that misses one for
    `ws_ping_timeout` seconds is disconnected, so dead peers are found within 40 s."""
    ws_ping_timeout: float = Field(default=20, gt=0)
    router_secret: SecretStr | None = None
    """Shared with the portal's router, which sends it in the `X-CIP-Router-Secret` header; only a
    request bearing it (or from `router_networks`) may ask for a federated trace (ftv1)."""
    router_networks: str = ""
    """Comma-separated networks the trusted router calls from, e.g. `10.0.4.0/24,fd00::/64`; the
    peer address is the socket's, or uvicorn's reading of X-Forwarded-For from its trusted proxies."""

    # Abuse limits: each refuses a request before it runs, with an error naming the limit.
    max_depth: int = Field(default=10, ge=1)
    """How deeply selections may nest (introspection has its own, fixed limit)."""
    max_aliases: int = Field(default=30, ge=0)
    """Aliased fields in one document."""
    max_field_repeats: int = Field(default=5, ge=1)
    """How often one selection set may select the same field under the same name: the answer is
    the same each time, so more only makes work."""
    max_directives: int = Field(default=50, ge=0)
    """Directives in one document; a directive may appear only once per place."""
    max_tokens: int = Field(default=3000, ge=1)
    """Lexical tokens in one document; the parser stops counting there."""
    max_cost: int = Field(default=20_000, ge=1)
    """The most fields one operation may resolve: each selected field counts once for every item
    that the page sizes (`first`/`last`, or their defaults) of the lists around it can return."""
    max_page_size: int = Field(default=100, ge=1, le=1000)
    """The largest `first`/`last` of any list; lowering it refuses larger pages before they run.
    Raising it (the benchmark's list of 500 ideas) lets each request cost more."""
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    """The largest HTTP request body."""
    max_batch: int = Field(default=10, ge=0, le=100)
    """Operations one HTTP request may batch in a JSON array; 0 turns batching off."""
    introspection: bool | None = None
    """Answer introspection queries; on by default except in production."""
    cors_origins: str = ""
    """Comma-separated origins whose browser pages may call the graph, e.g.
    `https://civic-coding.de,https://www.civic-coding.de`; unset, no cross-origin calls."""
    mutations_per_minute: int = Field(default=60, ge=1)
    """Mutations one signed-in member may run per minute; more are answered with RATE_LIMITED."""
    mutations_per_minute_per_ip: int = Field(default=300, ge=1)
    """Mutations one client address may run per minute, signed in or not."""
    compiled_plans: bool = True
    """On PostgreSQL, answer a query the service has answered before with one SQL statement that
    builds the whole response (schema/plan.py); off, every field is resolved in Python."""
    response_cache: bool = False
    """Keep answers to anonymous queries that a plan covers until a write changes what they read."""
    redis_url: str | None = None
    """redis://host:6379/0 to share rate limits and automatic persisted queries between replicas;
    unset, each process keeps its own."""
    persisted_queries: bool = True
    """Accept Apollo's automatic persisted queries (a document sent once, then by its hash)."""
    trusted_documents: str | None = None
    """Path of a persisted-query manifest; when set, only the operations it lists run (the trusted
    router excepted)."""
    _trusted_manifest: Manifest | None = PrivateAttr(default=None)
    log_format: Literal["json", "text"] = "json"
    """One JSON object per log line for the log collector, or plain text for a terminal."""
    metrics: bool = True
    """Serve Prometheus metrics at /metrics (keep it off the public network)."""
    otel: bool = False
    """Trace operations with OpenTelemetry (exported per the standard OTEL_* variables)."""

    @field_validator(
        "redis_url",
        "trusted_documents",
        "jwt_secret",
        "jwt_public_key",
        "jwt_issuer",
        "jwt_audience",
        "broker_url",
        "router_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """`CIP_JWT_PUBLIC_KEY=` in an environment file means no key, not an empty one."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("broker_url")
    @classmethod
    def _known_broker(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(BROKER_SCHEMES):
            raise ValueError(
                "CIP_BROKER_URL must start with redis://, rediss:// or postgresql:// (or be unset for the "
                "in-process broker)"
            )
        return value

    @field_validator("cors_origins")
    @classmethod
    def _readable_origins(cls, value: str) -> str:
        try:
            normalize_allowed_origins(origin.strip() for origin in value.split(",") if origin.strip())
        except ValueError as error:
            raise ValueError(f"CIP_CORS_ORIGINS: {error}") from error
        return value

    @field_validator("router_networks")
    @classmethod
    def _readable_networks(cls, value: str) -> str:
        networks_of(value)
        return value

    @property
    def trusted_router_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return networks_of(self.router_networks)

    @field_validator("jwt_public_key")
    @classmethod
    def _readable_key(cls, value: str | None) -> str | None:
        if value is not None:
            public_key_of(value)
        return value

    @property
    def public_key(self) -> RSAPublicKey | EllipticCurvePublicKey | None:
        return None if self.jwt_public_key is None else public_key_of(self.jwt_public_key)

    @model_validator(mode="after")
    def _read_trusted_documents(self) -> Self:
        """Read once, here, so a manifest that is missing or wrong stops the service at start."""
        if self.trusted_documents is not None:
            self._trusted_manifest = load_manifest(self.trusted_documents)
        return self

    @property
    def trusted_manifest(self) -> Manifest | None:
        return self._trusted_manifest

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        """Without a key no sign-in can be verified, so production would serve members as strangers."""
        if self.env != "production":
            return self
        if self.jwt_secret is None and self.jwt_public_key is None:
            raise ValueError(
                "CIP_ENV=production needs CIP_JWT_PUBLIC_KEY or CIP_JWT_SECRET to verify the portal's "
                "sign-in tokens; refusing to start without one"
            )
        for name, value in (("CIP_JWT_SECRET", self.jwt_secret), ("CIP_ROUTER_SECRET", self.router_secret)):
            secret = None if value is None else value.get_secret_value()
            if secret is not None and (
                secret.lower() in WELL_KNOWN_SECRETS or len(secret) < MIN_PRODUCTION_SECRET_LENGTH
            ):
                raise ValueError(
                    f"{name} is a well-known or short secret; production needs at least "
                    f"{MIN_PRODUCTION_SECRET_LENGTH} random characters"
                )
        return self

    @property
    def serve_graphiql(self) -> bool:
        return self.env == "development" if self.graphiql is None else self.graphiql

    @property
    def serve_introspection(self) -> bool:
        return self.env != "production" if self.introspection is None else self.introspection

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]


def networks_of(value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(part.strip()) for part in value.split(",") if part.strip())
    except ValueError as error:
        raise ValueError(
            f"CIP_ROUTER_NETWORKS must be comma-separated networks like 10.0.0.0/8: {error}"
        ) from error


def public_key_of(pem: str) -> RSAPublicKey | EllipticCurvePublicKey:
    """The portal's key, refused at start when it is not an RSA or EC public key in PEM."""
    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:
        raise ValueError("CIP_JWT_PUBLIC_KEY is not a PEM public key (-----BEGIN PUBLIC KEY-----)") from error
    if not isinstance(key, RSAPublicKey | EllipticCurvePublicKey):
        raise ValueError("CIP_JWT_PUBLIC_KEY must be an RSA (RS256) or EC (ES256) public key")
    return key

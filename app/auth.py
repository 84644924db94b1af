"""Sign-in: the Civic Coding portal signs members in; this service only verifies its tokens.

A request without `Authorization` is anonymous. A request with a bad, expired or wrongly signed
token is refused with UNAUTHENTICATED: it never falls back to anonymous access."""

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.settings import Settings
from resolvers.viewer import Identity, Role

LEEWAY = timedelta(seconds=30)
"""Clock skew allowed between the portal and this service."""
_MESSAGES: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "The sign-in token has expired; sign in again."),
    (jwt.ImmatureSignatureError, "The sign-in token is not valid yet."),
    (jwt.InvalidSignatureError, "The sign-in token's signature does not verify."),
    (
        jwt.InvalidAlgorithmError,
        "The sign-in token is signed with an algorithm this service does not accept.",
    ),
    (jwt.InvalidKeyError, "The sign-in token is signed with a key of the wrong type."),
    (jwt.DecodeError, "The sign-in token is malformed."),
)


class AuthenticationError(Exception):
    """The message is safe to show: it says what is wrong with the token, never the token."""


@dataclass(frozen=True, slots=True)
class TokenVerifier:
    key: str | RSAPublicKey | EllipticCurvePublicKey | None
    algorithms: tuple[str, ...]
    issuer: str | None
    audience: str | None

    @classmethod
    def from_settings(cls, settings: Settings) -> "TokenVerifier":
        """A public key allows only its own algorithm, so no token can pass it off as an HMAC secret."""
        public = settings.public_key
        if public is not None:
            algorithm = "RS256" if isinstance(public, RSAPublicKey) else "ES256"
            return cls(public, (algorithm,), settings.jwt_issuer, settings.jwt_audience)
        secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        return cls(secret, ("HS256",), settings.jwt_issuer, settings.jwt_audience)

    def identity(self, authorization: str | None) -> Identity | None:
        """None for an anonymous request; raises AuthenticationError for a token that fails."""
        if authorization is None:
            return None
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("The Authorization header must read 'Bearer <token>'.")
        if self.key is None:
            raise AuthenticationError("This service is configured to accept no sign-in tokens.")
        claims = self._claims(token.strip(), self.key)
        subject = claims.get("sub")
        if not isinstance(subject, str) or not 0 < len(subject) <= 255:
            raise AuthenticationError(
                "The sign-in token's 'sub' claim must be a subject id of 1 to 255 characters."
            )
        expiry = claims.get("exp")
        expires_at = None if expiry is None else datetime.fromtimestamp(expiry, UTC) + LEEWAY
        return Identity(subject=subject, roles=_roles(claims.get("roles")), expires_at=expires_at)

    def _claims(self, token: str, key: str | RSAPublicKey | EllipticCurvePublicKey) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(self.algorithms),
                issuer=self.issuer,
                audience=self.audience,
                leeway=LEEWAY,
                options={"require": ["sub"], "verify_aud": self.audience is not None},
            )
        except jwt.PyJWTError as error:
            for kind, message in _MESSAGES:
                if isinstance(error, kind):
                    raise AuthenticationError(message) from error
            raise AuthenticationError(f"The sign-in token is not accepted: {error}.") from error
        return claims


def _roles(claim: Any) -> frozenset[Role]:
    """`roles` may be a list or a space-separated string; roles this service does not know are ignored."""
    names: Iterable[Any] = (
        claim.split() if isinstance(claim, str) else claim if isinstance(claim, list) else ()
    )
    return frozenset(Role(name) for name in names if name in Role.__members__.values())


def mint_token(
    settings: Settings, subject: str, roles: Iterable[str] = (), ttl: timedelta = timedelta(hours=8)
) -> str:
    """A development token signed with CIP_JWT_SECRET, as the portal would issue it."""
    if settings.jwt_secret is None:
        raise AuthenticationError("Set CIP_JWT_SECRET to mint development tokens.")
    now = datetime.now(UTC)
    claims: dict[str, Any] = {"sub": subject, "roles": sorted(roles), "iat": now, "exp": now + ttl}
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def error_response(
    message: str, code: str, status_code: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A GraphQL-shaped refusal outside GraphQL, so clients read it like any other error."""
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status_code,
        headers=headers,
    )


def unauthenticated(message: str) -> JSONResponse:
    return error_response(
        message, "UNAUTHENTICATED", 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


class AuthenticationMiddleware:
    """Verifies the token of every HTTP request once and leaves the identity in `request.state`."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                identity = self.verifier.identity(Headers(scope=scope).get("authorization"))
            except AuthenticationError as error:
                await unauthenticated(str(error))(scope, receive, send)
                return
            scope.setdefault("state", {})["identity"] = identity
        await self.app(scope, receive, send)


ROUTER_SECRET_HEADER = "x-cip-router-secret"
TRACE_HEADER = "apollo-federation-include-trace"


def from_trusted_router(settings: Settings, request: HTTPConnection) -> bool:
    """The portal's router proves itself with the shared secret or by calling from its network."""
    secret = settings.router_secret
    sent = request.headers.get(ROUTER_SECRET_HEADER)
    if (
        secret is not None
        and sent is not None
        and hmac.compare_digest(sent.encode(), secret.get_secret_value().encode())
    ):
        return True
    networks = settings.trusted_router_networks
    if not networks or request.client is None:
        return False
    try:
        peer = ip_address(request.client.host)
    except ValueError:
        return False
    return any(peer in network for network in networks)


def wants_federated_trace(settings: Settings, request: HTTPConnection) -> bool:
    """Traces time every field, so only the trusted router may ask for them; others are not told why."""
    return request.headers.get(TRACE_HEADER, "").lower() == "ftv1" and from_trusted_router(settings, request)

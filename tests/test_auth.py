"""Sign-in through HTTP: tokens the portal signs (HS256 with a shared secret, RS256 or ES256 with its
public key) make a member, no token makes an anonymous visitor, and every bad token is refused with
401 UNAUTHENTICATED, never served as anonymous. Production refuses to start without a safe key, and
`cip-graph token` mints development tokens."""

import base64
import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from app.auth import LEEWAY, TokenVerifier, mint_token
from app.cli import main
from app.main import create_app
from app.settings import Settings
from models.db import Database
from resolvers.ids import to_global_id
from resolvers.viewer import Role
from tests.world import build, subject

SECRET = "cip-auth-test-secret-of-at-least-32-characters"
ISSUER = "https://portal.cip.test"
AUDIENCE = "cip-graph"
OWNER = subject("owner")
ME = "{ me { displayName } }"
DRAFT = "query($id: ID!) { idea(id: $id) { title } }"


def _settings(**options: Any) -> Settings:
    return Settings(env="test", demo_data=False, **options)


HS256 = _settings(jwt_secret=SECRET)


def _token(key: Any = SECRET, algorithm: str = "HS256", *, lifetime: float = 3600, **claims: Any) -> str:
    """A token for the owner unless `claims` say otherwise, valid for `lifetime` seconds (past if < 0)."""
    now = datetime.now(UTC)
    payload = {"sub": OWNER, "iat": now, "exp": now + timedelta(seconds=lifetime)} | claims
    return jwt.encode(payload, key, algorithm=algorithm)


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def _pem(private_key: PrivateKeyTypes) -> tuple[bytes, str]:
    """The private key to sign with, and the public key as CIP_JWT_PUBLIC_KEY holds it."""
    private = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


KEYS: dict[str, Callable[[], PrivateKeyTypes]] = {
    "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
    "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
}


def _hs256_signed_with(key: bytes, claims: dict[str, Any]) -> str:
    """An HS256 token whose HMAC key is `key`, built by hand: PyJWT refuses to sign with a PEM key."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = part(json.dumps(claims).encode())
    signature = hmac.new(key, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


@asynccontextmanager
async def _http(database: Database, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, database=database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://cip.test") as http:
        yield http


def _headers(authorization: str | None) -> dict[str, str]:
    return {} if authorization is None else {"Authorization": authorization}


async def _graphql(
    database: Database,
    authorization: str | None,
    query: str = ME,
    variables: dict[str, Any] | None = None,
    settings: Settings = HS256,
) -> httpx.Response:
    async with _http(database, settings) as http:
        return await http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=_headers(authorization)
        )


async def _me(database: Database, authorization: str | None, settings: Settings = HS256) -> Any:
    """`me` for the request, which must have been accepted."""
    response = await _graphql(database, authorization, settings=settings)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    return response.json()["data"]["me"]


async def _sees_the_draft(database: Database, authorization: str) -> bool:
    response = await _graphql(database, authorization, DRAFT, {"id": to_global_id("Idea", 2)})
    assert response.status_code == 200, response.text
    return response.json()["data"]["idea"] is not None


def _assert_refused(response: httpx.Response, *words: str) -> None:
    """401 with one UNAUTHENTICATED error whose message holds `words`, and a Bearer challenge."""
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "UNAUTHENTICATED"}
    for word in words:
        assert word in error["message"].lower()


@pytest.fixture
async def world_database(database: Database) -> Database:
    await build(database)
    return database


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No CIP_* variable of the machine running the tests leaks into Settings()."""
    for name in ("CIP_ENV", "CIP_JWT_SECRET", "CIP_JWT_PUBLIC_KEY", "CIP_JWT_ISSUER", "CIP_JWT_AUDIENCE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# Signing in with the shared secret


async def test_a_minted_token_signs_the_member_in(world_database: Database):
    token = mint_token(HS256, OWNER)

    assert await _me(world_database, _bearer(token)) == {"displayName": "Owner"}


async def test_without_a_token_the_visitor_is_anonymous(world_database: Database):
    assert await _me(world_database, None) is None


async def test_the_bearer_scheme_is_case_insensitive(world_database: Database):
    assert await _me(world_database, f"bearer {_token()}") == {"displayName": "Owner"}


async def test_a_token_expired_within_the_leeway_still_signs_in(world_database: Database):
    assert await _me(world_database, _bearer(_token(lifetime=-10))) == {"displayName": "Owner"}


BAD_TOKENS: dict[str, tuple[Callable[[], str], tuple[str, ...]]] = {
    "expired": (lambda: _bearer(_token(lifetime=-120)), ("expired",)),
    "not yet valid": (
        lambda: _bearer(_token(nbf=datetime.now(UTC) + timedelta(minutes=5))),
        ("not valid yet",),
    ),
    "other secret": (lambda: _bearer(_token("another-secret-of-at-least-32-characters")), ("signature",)),
    "unsigned": (lambda: _bearer(jwt.encode({"sub": OWNER}, None, algorithm="none")), ("algorithm",)),
    "garbage": (lambda: _bearer("not.a.token"), ("malformed",)),
    "empty subject": (lambda: _bearer(_token(sub="")), ("'sub' claim",)),
    "empty bearer": (lambda: "Bearer ", ("bearer <token>",)),
    "basic scheme": (lambda: "Basic abc", ("bearer <token>",)),
}


@pytest.mark.parametrize("case", BAD_TOKENS)
async def test_a_bad_token_is_refused_and_never_served_as_anonymous(world_database: Database, case: str):
    authorization, words = BAD_TOKENS[case]

    _assert_refused(await _graphql(world_database, authorization()), *words)


async def test_no_token_is_accepted_when_no_key_is_configured(world_database: Database):
    response = await _graphql(world_database, _bearer(_token()), settings=_settings())

    _assert_refused(response, "no sign-in tokens")


async def test_a_bad_token_is_refused_on_the_data_export_too(world_database: Database):
    async with _http(world_database, HS256) as http:
        response = await http.get("/me/export", headers=_headers(_bearer("not.a.token")))

    _assert_refused(response, "malformed")


# Signing in with the portal's public key


@pytest.mark.parametrize("algorithm", KEYS)
async def test_a_token_signed_with_the_portals_private_key_signs_in(world_database: Database, algorithm: str):
    private, public = _pem(KEYS[algorithm]())
    settings = _settings(jwt_public_key=public, jwt_secret=SECRET)

    assert await _me(world_database, _bearer(_token(private, algorithm)), settings) == {
        "displayName": "Owner"
    }


@pytest.mark.parametrize("algorithm", KEYS)
async def test_a_token_signed_with_another_private_key_is_refused(world_database: Database, algorithm: str):
    _, public = _pem(KEYS[algorithm]())
    other, _ = _pem(KEYS[algorithm]())

    response = await _graphql(
        world_database, _bearer(_token(other, algorithm)), settings=_settings(jwt_public_key=public)
    )

    _assert_refused(response, "signature")


async def test_a_token_signed_with_a_key_of_the_other_type_is_refused(world_database: Database):
    """An RSA key admits RS256 only, so an ES256 token is refused for its algorithm."""
    _, public = _pem(KEYS["RS256"]())
    other, _ = _pem(KEYS["ES256"]())

    response = await _graphql(
        world_database, _bearer(_token(other, "ES256")), settings=_settings(jwt_public_key=public)
    )

    _assert_refused(response, "algorithm")


async def test_the_shared_secret_is_refused_once_a_public_key_is_configured(world_database: Database):
    _, public = _pem(KEYS["RS256"]())
    settings = _settings(jwt_public_key=public, jwt_secret=SECRET)

    _assert_refused(await _graphql(world_database, _bearer(mint_token(settings, OWNER)), settings=settings))


@pytest.mark.parametrize("algorithm", KEYS)
async def test_an_hs256_token_keyed_with_the_public_key_is_refused(world_database: Database, algorithm: str):
    """Algorithm confusion: the public key is no secret, so it must never verify an HMAC."""
    _, public = _pem(KEYS[algorithm]())
    expires = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    token = _hs256_signed_with(public.encode(), {"sub": OWNER, "roles": ["admin"], "exp": expires})

    response = await _graphql(world_database, _bearer(token), settings=_settings(jwt_public_key=public))

    _assert_refused(response, "algorithm")


# Issuer and audience


CHECKED = _settings(jwt_secret=SECRET, jwt_issuer=ISSUER, jwt_audience=AUDIENCE)


async def test_a_token_from_the_configured_issuer_for_this_audience_signs_in(world_database: Database):
    token = mint_token(CHECKED, OWNER)

    assert await _me(world_database, _bearer(token), CHECKED) == {"displayName": "Owner"}


async def test_an_audience_list_holding_this_service_is_accepted(world_database: Database):
    token = _token(iss=ISSUER, aud=["another-service", AUDIENCE])

    assert await _me(world_database, _bearer(token), CHECKED) == {"displayName": "Owner"}


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"aud": AUDIENCE}, id="no issuer"),
        pytest.param({"iss": "https://evil.test", "aud": AUDIENCE}, id="wrong issuer"),
        pytest.param({"iss": ISSUER}, id="no audience"),
        pytest.param({"iss": ISSUER, "aud": "another-service"}, id="wrong audience"),
    ],
)
async def test_a_token_not_from_the_issuer_or_not_for_this_audience_is_refused(
    world_database: Database, claims: dict[str, str]
):
    _assert_refused(await _graphql(world_database, _bearer(_token(**claims)), settings=CHECKED))


async def test_unchecked_issuer_and_audience_claims_are_ignored(world_database: Database):
    token = _token(iss="https://elsewhere.test", aud="another-service")

    assert await _me(world_database, _bearer(token)) == {"displayName": "Owner"}


# Roles


@pytest.mark.parametrize(
    ("roles", "admin"),
    [
        pytest.param([], False, id="none"),
        pytest.param(["admin"], True, id="admin"),
        pytest.param("jury admin", True, id="space-separated"),
        pytest.param(["superuser", "ADMIN", "root"], False, id="unknown"),
        pytest.param(["superuser", "admin"], True, id="unknown beside admin"),
        pytest.param({"admin": True}, False, id="not a list"),
    ],
)
async def test_the_roles_claim_grants_known_roles_only(world_database: Database, roles: Any, admin: bool):
    token = _token(sub=subject("stranger"), roles=roles)

    assert await _sees_the_draft(world_database, _bearer(token)) is admin


async def test_a_token_with_unknown_roles_still_signs_in():
    verifier = TokenVerifier.from_settings(HS256)

    identity = verifier.identity(_bearer(_token(roles=["superuser", "jury"])))

    assert identity is not None
    assert (identity.subject, identity.roles) == (OWNER, frozenset({Role.JURY}))


def test_an_identity_expires_with_its_token_plus_the_allowed_skew():
    """Live subscriptions check this for every event."""
    expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    token = jwt.encode({"sub": OWNER, "exp": expiry}, SECRET, algorithm="HS256")

    identity = TokenVerifier.from_settings(HS256).identity(_bearer(token))

    assert identity is not None
    assert identity.expires_at == expiry + LEEWAY
    assert not identity.expired(expiry + LEEWAY - timedelta(seconds=1))
    assert identity.expired(expiry + LEEWAY)


# Production settings


@pytest.mark.usefixtures("clean_environment")
def test_production_refuses_to_start_without_a_key():
    with pytest.raises(ValueError, match="CIP_JWT_SECRET"):
        Settings(env="production")


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize("secret", ["secret", "Changeme", "x" * 31])
def test_production_refuses_a_well_known_or_short_secret(secret: str):
    with pytest.raises(ValueError, match="CIP_JWT_SECRET"):
        Settings(env="production", jwt_secret=secret)


@pytest.mark.usefixtures("clean_environment")
def test_production_refuses_an_empty_public_key():
    """CIP_JWT_PUBLIC_KEY= (set, but empty) verifies no token any more than a missing key does."""
    with pytest.raises(ValueError, match="CIP_JWT_PUBLIC_KEY"):
        Settings(env="production", jwt_public_key="")


@pytest.mark.usefixtures("clean_environment")
def test_production_starts_with_a_long_secret_or_a_public_key():
    _, public = _pem(KEYS["ES256"]())

    assert Settings(env="production", jwt_secret=SECRET).jwt_secret is not None
    assert Settings(env="production", jwt_public_key=public).jwt_public_key == public


# cip-graph token


def test_the_token_command_without_a_secret_says_what_is_missing(clean_environment: pytest.MonkeyPatch):
    with pytest.raises(SystemExit) as refusal:
        main(["token", "--sub", "x"])

    assert "CIP_JWT_SECRET" in str(refusal.value.code)


def test_the_token_command_prints_a_token_the_service_verifies(
    clean_environment: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    clean_environment.setenv("CIP_JWT_SECRET", SECRET)

    main(["token", "--sub", "demo|00000001", "--roles", "jury"])

    token = capsys.readouterr().out.strip()
    identity = TokenVerifier.from_settings(_settings(jwt_secret=SECRET)).identity(_bearer(token))
    assert identity is not None
    assert (identity.subject, identity.roles) == ("demo|00000001", frozenset({Role.JURY}))


@pytest.mark.usefixtures("clean_environment")
def test_a_public_key_that_is_no_pem_key_is_refused_at_start():
    with pytest.raises(ValueError, match="CIP_JWT_PUBLIC_KEY is not a PEM public key"):
        Settings(env="test", jwt_public_key="-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----")

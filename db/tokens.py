"""Session tokens: HS256 JWTs with the algorithm pinned and the clock injected."""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "email", "role", "iat", "exp", "jti")


class TokenInvalid(Exception):
    """The token is forged, malformed or signed with another secret."""


class TokenExpired(TokenInvalid):
    """The token was genuine but its ``exp`` has passed."""


@dataclass(frozen=True)
class Claims:
    user_id: int
    email: str
    role: str
    issued_at: datetime
    expires_at: datetime
    jti: str


def issue_token(
    secret: str, *, user_id: int, email: str, role: str, now: datetime, ttl: timedelta
) -> tuple[str, Claims]:
    """A signed token for the user and the claims it carries."""
    issued = now.astimezone(UTC).replace(microsecond=0)
    claims = Claims(
        user_id=user_id,
        email=email,
        role=role,
        issued_at=issued,
        expires_at=issued + ttl,
        jti=secrets.token_urlsafe(24),
    )
    payload = {
        "sub": str(user_id),
        "email": email,
        "role": role,
        "iat": int(claims.issued_at.timestamp()),
        "exp": int(claims.expires_at.timestamp()),
        "jti": claims.jti,
    }
    return jwt.encode(payload, secret, algorithm=ALGORITHM), claims


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> Claims:
    """The claims of a token whose signature (HS256 only) and required claims check out;
    remembered, since every update of a chat presents the same token."""
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],  # any other algorithm, "none" included, is refused
            # Expiry is checked by the caller against the injected clock, not the system's.
            options={"require": list(REQUIRED_CLAIMS), "verify_exp": False, "verify_iat": False},
        )
        return Claims(
            user_id=int(payload["sub"]),
            email=str(payload["email"]),
            role=str(payload["role"]),
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
            jti=str(payload["jti"]),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise TokenInvalid(type(exc).__name__) from None


def decode_token(token: str, secret: str, *, now: datetime, allow_expired: bool = False) -> Claims:
    """Verify the signature (HS256 only), the required claims and expiry against ``now``
    (with ``allow_expired``, a genuine token past its expiry is returned, to be renewed)."""
    claims = _verified(token, secret)
    if claims.expires_at <= now and not allow_expired:
        raise TokenExpired("expired")
    if claims.issued_at > now + timedelta(minutes=5):
        raise TokenInvalid("issued in the future")
    return claims

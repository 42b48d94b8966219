"""The app's side of OAuth v4 with PKCE: the consent link, the code exchange and the refresh.

One app serves several OAs. The token endpoint reports failures as `error_name`/`error_reason`/
`error_description`, sometimes with HTTP 200, so an answer is a success only when it carries both tokens
and no error at all; anything else raises `ZaloOARefreshFailed`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final
from urllib.parse import urlencode

import aiohttp

from bot.channels.zalo_api import _int_or_none, _str_or_none
from bot.channels.zalo_oa.errors import REDACTED, ZaloOARefreshFailed, ZaloOAServerError, redact
from bot.channels.zalo_oa.transport import Clock, Transport, not_an_answer, utcnow

log = logging.getLogger(__name__)

DEFAULT_OAUTH_BASE: Final = "https://oauth.zaloapp.com"
_DEFAULT_EXPIRES_IN: Final = 3600  # an answer without a usable expires_in: refresh early rather than late


def pkce_verifier() -> str:
    """A fresh code_verifier: 43 characters of the URL-safe alphabet (RFC 7636's minimum length)."""
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    """The S256 code_challenge: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class OAToken:
    """One OA's token pair. The tokens are left out of repr (and so out of logs and test output)."""

    oa_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_obtained_at: datetime  # the refresh token lasts about REFRESH_TOKEN_LIFETIME from here

    def due(self, now: datetime, margin: timedelta) -> bool:
        """Whether the access token expires within `margin` of `now`."""
        return self.access_expires_at - margin <= now


class ZaloOAuth(Transport):
    """The app's side of OAuth v4: the consent link, the code exchange and the refresh.

    `app_secret` goes in the `secret_key` header of the token endpoint and nowhere else.
    """

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        oauth_base: str = DEFAULT_OAUTH_BASE,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 20.0,
        clock: Clock = utcnow,
    ) -> None:
        if not app_id or not app_secret:
            raise ValueError("a Zalo app id and app secret are required")
        super().__init__(session, request_timeout)
        self.app_id = app_id
        self._app_secret = app_secret
        self._base = oauth_base.rstrip("/")
        self._clock = clock

    def __repr__(self) -> str:
        return f"ZaloOAuth(app_id={self.app_id!r}, oauth_base={self._base!r}, app_secret={REDACTED!r})"

    def consent_url(self, redirect_uri: str, code_challenge: str, state: str) -> str:
        """Where an OA admin grants the app access; Zalo then redirects to `redirect_uri?code=&oa_id=&state=`.

        ⚠ Zalo may insist that `redirect_uri` equals the callback saved in the app's console.
        """
        query = urlencode(
            {
                "app_id": self.app_id,
                "redirect_uri": redirect_uri,
                "code_challenge": code_challenge,
                "state": state,
            }
        )
        return f"{self._base}/v4/oa/permission?{query}"

    async def exchange_code(self, oa_id: str, code: str, code_verifier: str) -> OAToken:
        """The callback's single-use `code` (with our verifier) for a token pair of `oa_id`."""
        form = {
            "code": code,
            "app_id": self.app_id,
            "grant_type": "authorization_code",
            "code_verifier": code_verifier,
        }
        return await self._token("exchange_code", oa_id, form, (code, code_verifier))

    async def refresh(self, token: OAToken) -> OAToken:
        """Spend `token.refresh_token` (single use) for a new pair. Save the result before using it."""
        form = {"refresh_token": token.refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}
        return await self._token("refresh", token.oa_id, form, (token.refresh_token, token.access_token))

    async def _token(self, call: str, oa_id: str, form: dict[str, str], hidden: Sequence[str]) -> OAToken:
        hidden = (*hidden, self._app_secret)
        status, body, raw = await self._exchange(
            call,
            "POST",
            f"{self._base}/v4/oa/access_token",
            hidden,
            data=form,
            headers={"secret_key": self._app_secret},
        )
        if body is None:
            raise not_an_answer(call, status, raw, hidden)
        access, refresh = _str_or_none(body.get("access_token")), _str_or_none(body.get("refresh_token"))
        error = _int_or_none(body.get("error"))
        # An error body is never a success, whatever the HTTP status (a production bug took one for one).
        failed = _str_or_none(body.get("error_name")) is not None or (error is not None and error != 0)
        if failed or not 200 <= status < 300 or access is None or refresh is None:
            if status >= 500 and not failed:
                raise ZaloOAServerError(call, status, f"HTTP {status} from the token endpoint")
            keys = ("error_description", "error_reason", "error_name", "message")
            reason = next((text for key in keys if (text := _str_or_none(body.get(key)))), None)
            code = error or (status if status >= 400 else 0)
            log.warning("zalo_oa: token %s for OA %s refused (%s)", call, oa_id, code)
            raise ZaloOARefreshFailed(
                call, code, redact(reason or "the answer carried no access_token and refresh_token", hidden)
            )
        expires_in = _int_or_none(body.get("expires_in"))  # "90000" or 90000, depending on the source
        now = self._clock()
        log.info("zalo_oa: token %s for OA %s done", call, oa_id)
        return OAToken(
            oa_id=oa_id,
            access_token=access,
            refresh_token=refresh,
            access_expires_at=now + timedelta(seconds=expires_in or _DEFAULT_EXPIRES_IN),
            refresh_obtained_at=now,
        )

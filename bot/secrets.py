"""One configured secret (CDSBOT_WEBHOOK_SECRET), a separate key for each job it does.

The secret once went as is into the Telegram webhook header, the Zalo webhook header and the HMAC of
download links, so a header value seen by one platform (or a proxy's log) could sign download links or
pose as the other platform. Each job now uses its own key, derived with HKDF-SHA256 (RFC 5869) under a
label naming the job: knowing one derived value tells nothing about the others or about the secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from enum import StrEnum


class Purpose(StrEnum):
    """HKDF labels; changing one changes that key (and breaks what was made with the old one)."""

    TELEGRAM_WEBHOOK = "cdsbot/v1/telegram-webhook-header"
    ZALO_WEBHOOK = "cdsbot/v1/zalo-webhook-header"
    DOWNLOAD_LINKS = "cdsbot/v1/download-link-signature"


def hkdf_sha256(secret: bytes, info: bytes, length: int = 32, salt: bytes = b"") -> bytes:
    """RFC 5869: extract a pseudorandom key from `secret`, expand it to `length` bytes bound to `info`."""
    if not 0 < length <= 255 * hashlib.sha256().digest_size:
        raise ValueError("HKDF-SHA256 gives 1 to 8160 bytes")
    prk = hmac.new(salt or bytes(hashlib.sha256().digest_size), secret, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def derive(secret: str, purpose: Purpose) -> bytes:
    """A 32-byte key for `purpose`."""
    return hkdf_sha256(secret.encode(), purpose.value.encode())


def header_token(secret: str, purpose: Purpose) -> str:
    """A webhook header value for `purpose`: 43 characters of A-Z a-z 0-9 _ - (what both platforms take)."""
    return base64.urlsafe_b64encode(derive(secret, purpose)).decode().rstrip("=")

"""Short-lived signed links to a kept video, for players that cannot send an API key.

A `<video src>` makes its own (Range) requests without the page's `Authorization` header, so
the page asks for a link instead: `?token=<expires>.<HMAC of analysis, owner and expiry>`.
The token names no key, works for one analysis only, and stops working when it expires.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from service.settings import Settings
from service.webhooks import server_key

# Long enough to watch and scrub through a long interview; short enough that a link that
# leaks (an access log, a copied URL) soon stops opening the recording.
LINK_TTL_S = 3600
TOKEN_PATTERN = r"^\d{1,12}\.[0-9a-f]{64}$"
_TOKEN = re.compile(TOKEN_PATTERN)


def _mac(settings: Settings, analysis_id: str, client: str, expires_s: int) -> str:
    # A key of its own, derived from the server key, so a link can never pass as anything else.
    key = hmac.new(server_key(settings), b"video-links", hashlib.sha256).digest()
    message = f"{analysis_id}\0{client}\0{expires_s}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def make_token(settings: Settings, analysis_id: str, client: str, now_s: float) -> tuple[str, int]:
    """A token that opens this analysis's video until `now_s + LINK_TTL_S`.

    Args:
        settings: where the server key comes from.
        analysis_id: the analysis whose video it opens.
        client: the analysis's owner.
        now_s: the current Unix time in seconds.

    Returns:
        (the token, its expiry in Unix seconds).
    """
    expires_s = int(now_s) + LINK_TTL_S
    return f"{expires_s}.{_mac(settings, analysis_id, client, expires_s)}", expires_s


def token_valid(
    settings: Settings, analysis_id: str, client: str, token: str, now_s: float
) -> bool:
    """Whether `token` was made for this analysis and owner and has not expired."""
    if not _TOKEN.fullmatch(token):
        return False
    expires, mac = token.split(".")
    if int(expires) < now_s:
        return False
    return hmac.compare_digest(mac, _mac(settings, analysis_id, client, int(expires)))

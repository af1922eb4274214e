"""Counting limits on what one person, client or förbund may make the server send.

A limit counts events under a key in Django's cache (the database cache by default, so
every gunicorn worker shares the counts) in a fixed window that opens with the first
event. Keys are hashed: an e-mail address or client address is never stored as such.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class RateLimit:
    """At most ``settings.<setting>`` events per ``period`` seconds for one subject."""

    name: str
    setting: str
    period: int

    @property
    def limit(self) -> int:
        return getattr(settings, self.setting)

    def _key(self, subject) -> str:
        digest = hashlib.sha256(str(subject).strip().lower().encode()).hexdigest()[:32]
        return f"ratelimit:{self.name}:{digest}"

    def _window(self, subject) -> tuple[float, int]:
        """(end of the present window, events counted in it)."""
        end, count = cache.get(self._key(subject), (0.0, 0))
        if end <= time.time():
            return 0.0, 0
        return end, count

    def used(self, subject) -> int:
        return self._window(subject)[1]

    def exceeded(self, subject) -> bool:
        """Whether the limit is used up (counts nothing)."""
        return self.used(subject) >= self.limit

    def hit(self, subject) -> bool:
        """Count one event; False if the limit was already used up (then the event must
        not happen, and is not counted). The window's end is stored with the count, so
        a backend whose increment resets the expiry cannot stretch it. Two requests at
        the same instant may both pass at the limit, which a mail limit can afford."""
        end, count = self._window(subject)
        if count >= self.limit:
            return False
        now = time.time()
        if not end:
            end = now + self.period
        cache.set(self._key(subject), (end, count + 1), timeout=max(1, int(end - now) + 1))
        return True


def client_address(request) -> str:
    """The client's address: the socket's, or behind ``AXES_IPWARE_PROXY_COUNT`` proxies
    the one the outermost of them saw (that many entries from the right of
    X-Forwarded-For; what a client writes there itself is further left and ignored)."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [address for address in forwarded if address]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


HOUR = 60 * 60
DAY = 24 * HOUR

PASSWORD_RESETS_PER_ADDRESS = RateLimit("reset-address", "PASSWORD_RESET_MAILS_PER_ADDRESS", HOUR)
PASSWORD_RESETS_PER_CLIENT = RateLimit("reset-client", "PASSWORD_RESET_MAILS_PER_CLIENT", HOUR)
INVITATIONS_PER_ASSOCIATION = RateLimit("invitations", "INVITATIONS_PER_ASSOCIATION_PER_DAY", DAY)

"""Rate limiting per API token: a moving window held in memory (so per server process), from `limits`."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from ledger.errors import TooManyRequestsError


class TokenRateLimit:
    """At most `rate` requests (e.g. "60/minute") per token in any window of that length."""

    def __init__(self, rate: str) -> None:
        self.rate = rate
        self._item = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, token_id: int) -> None:
        """Count one request of token `token_id`; over the rate raises TooManyRequestsError with the wait."""
        if self._limiter.hit(self._item, "token", str(token_id)):
            return
        reset = self._limiter.get_window_stats(self._item, "token", str(token_id)).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise TooManyRequestsError(
            f"this token sent more than {self.rate} requests (PROCLEDGER_WRITE_RATE); wait {wait} s before the "
            "next one (Retry-After), and send the same Idempotency-Key again: nothing is lost",
            wait,
        )

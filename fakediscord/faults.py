"""Fault injection: answer the next N matching requests with 429 or 5xx."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from aiohttp import web

from .responses import error_response, json_response


@dataclass
class Fault:
    """A pending fault for requests whose path fully matches ``pattern``."""

    pattern: re.Pattern[str]
    method: str | None
    status: int
    remaining: int
    retry_after: float
    is_global: bool

    def matches(self, method: str, path: str) -> bool:
        """True if this fault applies to the request."""
        if self.remaining <= 0 or (self.method is not None and self.method != method):
            return False
        return self.pattern.fullmatch(path) is not None

    def response(self) -> web.Response:
        """Build the error response and use up one occurrence."""
        self.remaining -= 1
        if self.status == 429:
            return rate_limited(self.retry_after, self.is_global)
        return error_response(self.status, f"{self.status}: injected server error")


def rate_limited(retry_after: float, is_global: bool) -> web.Response:
    """A Discord 429. discord.py treats a 429 without a ``Via`` header as a Cloudflare ban."""
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": is_global,
        "code": 0,
    }
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(max(1, round(retry_after))),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{retry_after:.3f}",
        "X-RateLimit-Scope": "global" if is_global else "user",
    }
    if is_global:
        headers["X-RateLimit-Global"] = "true"
    return json_response(body, 429, headers)


class FaultInjector:
    """Holds pending faults; the server asks it before routing each request."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(
        self,
        path_regex: str,
        *,
        method: str | None = None,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Fault:
        """Register a fault; returns it so a test can inspect ``remaining``."""
        fault = Fault(
            re.compile(path_regex),
            method.upper() if method else None,
            status,
            times,
            retry_after,
            is_global,
        )
        self.faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> web.Response | None:
        """The fault response for this request, if one is pending."""
        for fault in self.faults:
            if fault.matches(method, path):
                return fault.response()
        return None

"""The Slack Web API client the bot uses: pointed at SLACK_API_BASE_URL, retrying 429s
(honouring Retry-After), 5xx answers and dropped connections."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler


class ServerErrorRetryHandler(RetryHandler):
    """Retries 500/502/503/504: Slack's own advice for transient server errors."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


def make_client(token: str, base_url: str, *, timeout: int = 30) -> WebClient:
    if not base_url.endswith("/"):
        base_url += "/"
    return WebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=10),
            ServerErrorRetryHandler(max_retry_count=3),
        ],
    )

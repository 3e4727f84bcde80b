"""Whom the Teams endpoint trusts: which tenants, which service URLs, and which settings it
refuses to start with.

- Tenants. The SDK checks an activity's token (issuer, audience, expiry, its serviceurl
  claim), never its tenant: a multi-tenant registration, or the app sideloaded elsewhere,
  delivers other tenants' activities genuinely signed. So the gate accepts only the tenants
  in TEAMS_ALLOWED_TENANTS, else TEAMS_TENANT_ID; with authentication on one must be set.
- Service URLs. Every call the bot makes goes to an activity's or a stored serviceUrl, with
  a bearer token. Only URLs on TEAMS_SERVICE_URL_ALLOW are called (by default Microsoft's
  Bot Framework hosts for Teams: public, GCC, GCC High, DoD), whatever the mode.
- Unauthenticated mode (emulators and tests) starts only when asked for with exactly `true`,
  with no client secret set (a real registration must never run unsigned), and only on a
  loopback interface.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bot.settings import Settings

# Microsoft's own SDKs list these for proactive sends (NOTES.md, "Trust facts").
MICROSOFT_SERVICE_URLS = (
    "https://smba.trafficmanager.net",
    "https://smba.infra.gcc.teams.microsoft.com",
    "https://smba.infra.gov.teams.microsoft.us",
    "https://smba.infra.dod.teams.microsoft.us",
)


class TeamsSettingsError(ValueError):
    """Settings the Teams endpoint will not start with; the message says which and why."""


def allowed_tenants(settings: Settings) -> frozenset[str]:
    listed = settings.teams_allowed_tenants or settings.teams_tenant_id
    return frozenset(t.strip().lower() for t in listed.split(",") if t.strip())


def tenant_of(activity: dict) -> str | None:
    """The activity's tenant, or None when it names none or names two different ones."""
    data = activity.get("channelData")
    conv = activity.get("conversation")
    tenant = data.get("tenant") if isinstance(data, dict) else None
    ids = {
        t.strip().lower()
        for t in (
            tenant.get("id") if isinstance(tenant, dict) else None,
            conv.get("tenantId") if isinstance(conv, dict) else None,
        )
        if isinstance(t, str) and t.strip()
    }
    return next(iter(ids)) if len(ids) == 1 else None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_host(settings: Settings) -> str:
    if settings.teams_host:
        return settings.teams_host
    return "127.0.0.1" if settings.teams_allow_unauthenticated else "0.0.0.0"


def check_startup(settings: Settings) -> None:
    """Raise TeamsSettingsError for settings that would leave the endpoint open."""
    if settings.teams_allow_unauthenticated:
        if settings.teams_client_secret:
            raise TeamsSettingsError(
                "TEAMS_ALLOW_UNAUTHENTICATED=true with TEAMS_CLIENT_SECRET set: a real bot "
                "registration never runs unauthenticated. Remove one of them"
            )
        if not is_loopback(bind_host(settings)):
            raise TeamsSettingsError(
                f"TEAMS_ALLOW_UNAUTHENTICATED=true listens on loopback only, not "
                f"TEAMS_HOST={settings.teams_host}: leave TEAMS_HOST empty or set 127.0.0.1"
            )
    elif not allowed_tenants(settings):
        raise TeamsSettingsError(
            "Teams needs TEAMS_TENANT_ID (or TEAMS_ALLOWED_TENANTS): activities from any "
            "other tenant are refused, and with neither set every tenant would be accepted"
        )
    ServiceUrlAllowList.from_settings(settings)  # a malformed entry stops the start


class ServiceUrlAllowList:
    """Service URLs the bot may call: scheme and host must match an entry; its port and path
    too when the entry has them (``http://127.0.0.1`` allows any port there)."""

    def __init__(self, entries: list[str]):
        self.entries = []
        for raw in entries:
            parts = urlsplit(raw.strip())
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
                raise TeamsSettingsError(
                    f"TEAMS_SERVICE_URL_ALLOW: {raw.strip()[:80]!r} is not scheme://host[:port]"
                )
            path = parts.path.rstrip("/")
            self.entries.append((parts.scheme, parts.hostname.lower(), parts.port, path))

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceUrlAllowList:
        listed = [e for e in settings.teams_service_url_allow.split(",") if e.strip()]
        return cls(listed or list(MICROSOFT_SERVICE_URLS))

    def allows(self, url: object) -> bool:
        if not isinstance(url, str) or len(url) > 2000:
            return False
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            return False
        if parts.username or parts.password or not parts.hostname:
            return False
        host, path = parts.hostname.lower(), parts.path
        for scheme, e_host, e_port, e_path in self.entries:
            if parts.scheme != scheme or host != e_host:
                continue
            if e_port is not None and port != e_port:
                continue
            if e_path and not (path == e_path or path.startswith(e_path + "/")):
                continue
            return True
        return False

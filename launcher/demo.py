"""`factdesk demo`: the whole path on one machine, with local stand-ins for Slack and the web.

A person shares the seed article's link; the bot (over HTTP, or with `--socket-mode` over
the Socket Mode stand-in's WebSocket), a Celery worker (on the embedded Redis) and spaCy
turn it into a thread of claim tasks in the Slack stand-in;
then a fact-checker claims one task and marks it Disputed, with a note and an evidence link
in the verdict dialog, hands it to a colleague, who reopens it for a second look; last,
the colleague's App Home tab lists what is waiting for her.
"""

from __future__ import annotations

import re
import sys
import time
from typing import Any

from factdesk.ids import ActionId, CallbackId
from factdesk.settings import Settings
from launcher.stack import LocalStack, local_stack
from standin.signing import app_home_opened, button_click, user_pick, view_submission
from standin.slack_api import SlackStandIn

SEED_PAGE = "north-korean-troops-russia.html"
CHANNEL = "C0NEWSDESK"
REPORTER, CHECKER = "U0ANA", "U0BEN"
EMOJI = {
    ":white_check_mark:": "✅",
    ":x:": "❌",
    ":grey_question:": "❔",
    ":white_circle:": "⚪",
    ":mag:": "🔍",
    ":raising_hand:": "🙋",
    ":bust_in_silhouette:": "👤",
    ":warning:": "⚠️",
    ":speaking_head_in_silhouette:": "🗣",
    ":no_entry_sign:": "🚫",
    ":leftwards_arrow_with_hook:": "↩️",
    ":arrows_counterclockwise:": "🔄",
    ":memo:": "📝",
    ":link:": "🔗",
    ":scales:": "⚖️",
    ":heavy_plus_sign:": "\N{HEAVY PLUS SIGN}",
}
NOTE = "The Pentagon said North Korean troops were sent for training; combat is not confirmed."
EVIDENCE = "https://www.defense.gov/News/Transcripts/"


def run(settings: Settings, *, out: Any = sys.stdout, socket_mode: bool = False) -> int:
    """Run the demo end to end; return the exit status. With `socket_mode` the bot takes
    every event and click over the Socket Mode stand-in, as with SLACK_APP_TOKEN."""
    started = time.monotonic()
    with local_stack((settings.var_dir / "demo").resolve(), socket_mode=socket_mode) as stack:
        if socket_mode:
            say(out, "(Socket Mode: the bot connected to Slack's WebSocket; no events URL.)\n")
        slack, link = stack.slack, stack.pages.article_url(SEED_PAGE)
        say(out, f"@ana posts in #newsdesk: Can someone check this? {link}")
        ts = stack.share(f"Can someone check this? <{link}>", channel=CHANNEL, user=REPORTER)
        slack.wait_for(lambda s: _finished(s, ts), timeout=60)

        thread = slack.thread(CHANNEL, ts)
        say(out, f"\nFactdesk replied in the thread with {len(thread)} messages:\n")
        for message in thread:
            say(out, format_message(message))
        tasks = [m for m in thread if _button(m, ActionId.CLAIM_TASK)]
        if len(thread) < 2 or not tasks:
            say(out, "The thread has no claim tasks; see the worker log above.")
            return 1
        task = tasks[0]
        summary_ts = thread[0]["ts"]

        say(out, "@ben clicks Claim on the first task, then hands it to @ana, who covers")
        say(out, "the Pentagon, with the Reassign menu. The thread says:\n")
        _click(stack, task, ActionId.CLAIM_TASK)
        slack.wait_for(
            lambda s: _button(s.message(CHANNEL, task["ts"]), ActionId.CLAIM_TASK) is None
        )
        lines = len(slack.thread(CHANNEL, ts))
        stack.deliver_interaction(
            user_pick(
                message=slack.message(CHANNEL, task["ts"]),
                action_id=ActionId.REASSIGN_TASK,
                selected_user=REPORTER,
                user=CHECKER,
                channel=CHANNEL,
                response_url=slack.response_url("demo-reassign"),
            )
        )
        slack.wait_for(lambda s: len(s.thread(CHANNEL, ts)) > lines)
        say(out, format_message(slack.thread(CHANNEL, ts)[-1]))

        say(out, "@ana clicks Disputed.")
        _click(stack, slack.message(CHANNEL, task["ts"]), ActionId.MARK_DISPUTED, user=REPORTER)
        slack.wait_for(lambda s: _verdict_dialog(s) is not None)
        modal = _verdict_dialog(slack)
        assert modal is not None
        say(out, f"A dialog opens: “{modal['title']['text']}”. @ana fills it in:")
        say(out, f"   Note: {NOTE}\n   Evidence links: {EVIDENCE}\n")
        lines = len(slack.thread(CHANNEL, ts))
        status, answer = stack.deliver_interaction(
            view_submission(view=modal, user=REPORTER, answers={"note": NOTE, "evidence": EVIDENCE})
        )
        if status != 200 or answer.strip():
            say(out, f"The dialog refused the verdict: {status} {answer}")
            return 1
        slack.wait_for(lambda s: "(disputed)" in s.message(CHANNEL, task["ts"])["text"])
        slack.wait_for(lambda s: "(1 of " in s.message(CHANNEL, summary_ts)["text"])
        slack.wait_for(lambda s: len(s.thread(CHANNEL, ts)) > lines)

        say(out, "The task updates in place:\n")
        say(out, format_message(slack.message(CHANNEL, task["ts"])))
        say(out, "a line goes in the thread:\n")
        say(out, format_message(slack.thread(CHANNEL, ts)[-1]))
        say(out, "and the summary's tally now reads:\n")
        say(out, format_message(slack.message(CHANNEL, summary_ts)))

        say(out, "New evidence comes in; @ana clicks Reopen. The task, the thread and the tally:\n")
        lines = len(slack.thread(CHANNEL, ts))
        _click(stack, slack.message(CHANNEL, task["ts"]), ActionId.REOPEN_TASK, user=REPORTER)
        # Reopened, the task goes back to the person who had claimed it.
        slack.wait_for(lambda s: "(claimed)" in s.message(CHANNEL, task["ts"])["text"])
        slack.wait_for(lambda s: "(0 of " in s.message(CHANNEL, summary_ts)["text"])
        slack.wait_for(lambda s: len(s.thread(CHANNEL, ts)) > lines)
        say(out, format_message(slack.message(CHANNEL, task["ts"])))
        say(out, format_message(slack.thread(CHANNEL, ts)[-1]))
        say(out, format_message(slack.message(CHANNEL, summary_ts)))

        say(out, "@ana opens Factdesk's Home tab in Slack:")
        stack.deliver_event(app_home_opened(user=REPORTER))
        # The reopen's own Home refresh and this one race an earlier refresh (from the
        # verdict, when @ana had no open task): wait for the tab that lists her task.
        slack.wait_for(lambda s: "· claimed " in str(s.home_view(REPORTER)))
        say(out, format_message(slack.home_view(REPORTER)))
    say(out, f"Demo finished in {time.monotonic() - started:.1f} s.")
    return 0


def say(out: Any, text: str) -> None:
    print(text, file=out, flush=True)


def _finished(slack: SlackStandIn, ts: str) -> bool:
    reactions = {r["name"] for r in slack.message(CHANNEL, ts).get("reactions", [])}
    return bool(reactions & {"white_check_mark", "warning"})


def _verdict_dialog(slack: SlackStandIn) -> dict[str, Any] | None:
    dialogs = [v for v in slack.views() if v["callback_id"] == CallbackId.VERDICT_MODAL]
    return dialogs[-1] if dialogs else None


def _button(message: dict[str, Any], action_id: ActionId) -> dict[str, Any] | None:
    for block in message.get("blocks") or []:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return dict(element)
    return None


def _click(
    stack: LocalStack, message: dict[str, Any], action: ActionId, *, user: str = CHECKER
) -> None:
    stack.deliver_interaction(
        button_click(
            message=message,
            action_id=action,
            user=user,
            channel=CHANNEL,
            response_url=stack.slack.response_url(f"demo-{action}"),
        )
    )


def format_message(message: dict[str, Any]) -> str:
    """A Slack message as a person would read it, for a terminal."""
    lines = []
    for block in message.get("blocks") or [{"type": "section", "text": {"text": message["text"]}}]:
        kind = block["type"]
        if kind == "section":
            accessory = block.get("accessory") or {}
            button = f"  [ {plain(accessory['text']['text'])} ]" if "text" in accessory else ""
            lines.append(plain(block["text"]["text"]) + button)
        elif kind == "context":
            lines += ["   " + plain(e.get("text", "")) for e in block["elements"]]
        elif kind == "header":
            lines.append("\n" + plain(block["text"]["text"]).upper())
        elif kind == "divider":
            lines.append("   ────────")
        elif kind == "actions":
            labels = [_control(element) for element in block["elements"]]
            lines.append("   " + "  ".join(f"[ {label} ]" for label in labels))
    return "\n".join(lines) + "\n"


def _control(element: dict[str, Any]) -> str:
    if element["type"] == "button":
        return plain(element["text"]["text"])
    return plain(element.get("placeholder", {}).get("text", element["type"])) + " ▾"


def plain(mrkdwn: str) -> str:
    """Slack mrkdwn made readable in a terminal: names, links, dates and emoji."""
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", mrkdwn)
    text = re.sub(r"<@U0?([A-Z0-9]+)>", lambda m: "@" + m.group(1).lower(), text)
    text = re.sub(r"<#C0?([A-Z0-9]+)(?:\|([^>]*))?>", lambda m: "#" + (m[2] or m[1].lower()), text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"\*([^*\n]+)\*", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    text = re.sub(r"^>", "  │ ", text, flags=re.MULTILINE)
    for code, symbol in EMOJI.items():
        text = text.replace(code, symbol)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

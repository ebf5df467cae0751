"""The `factdesk` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import FrameType

from celery.exceptions import SecurityWarning

from factdesk.logs import configure
from factdesk.settings import MANIFEST_PATH, Settings, secret

log = logging.getLogger("factdesk")

OWN_METRICS_DIR = "FACTDESK_OWN_METRICS_DIR"


def build_parser() -> argparse.ArgumentParser:
    """The `factdesk` command line: every subcommand and its options."""
    parser = argparse.ArgumentParser(prog="factdesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "bot", help="serve Slack events (HTTP, or Socket Mode with SLACK_APP_TOKEN)"
    )
    worker = commands.add_parser("worker", help="run a Celery worker")
    worker.add_argument("--concurrency", "-c", type=int, default=None)
    worker.add_argument(
        "--hostname",
        "-n",
        default=None,
        help="Celery node name, unique per worker (e.g. worker1@%%h; %%h is the host name); "
        "needed when one machine runs several `factdesk worker`",
    )
    commands.add_parser("beat", help="run the Celery beat scheduler (run exactly one)")
    commands.add_parser("run", help="bot, worker and beat together on one machine")
    migrate = commands.add_parser("migrate", help="apply database migrations")
    migrate.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 0 when the database is at this release's newest migration "
        "(or newer), 1 with the reason when not",
    )
    migrate.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        default=None,
        help="with --check: keep checking until the database is ready or SECONDS have passed",
    )
    claims = commands.add_parser("claims", help="print the ranked claims in a file, URL or stdin")
    claims.add_argument("source", nargs="?", help="a text file, an http(s) URL, or - for stdin")
    claims.add_argument("--json", action="store_true", help="print JSON instead of a table")
    claims.add_argument("--limit", type=int, default=None, help="print at most this many")
    claims.add_argument(
        "--sentences",
        metavar="FILE",
        help="score each line of FILE (- for stdin) as one sentence; print one JSON object a line",
    )
    demo = commands.add_parser(
        "demo", help="the whole path on embedded defaults, against local stand-ins"
    )
    demo.add_argument(
        "--socket-mode",
        action="store_true",
        help="the bot takes Slack's events and clicks over Socket Mode (SLACK_APP_TOKEN), "
        "with no events URL",
    )
    fetch = commands.add_parser(
        "fetch", help="fetch and extract one link as the workers do; print the article as JSON"
    )
    fetch.add_argument("url", help="an http(s) link")
    imports = commands.add_parser(
        "import-claimreview",
        help="add the fact-checks of a ClaimReview JSON-LD file, feed or page to the archive",
    )
    imports.add_argument("source", help="a file, or an http(s) URL (fetched like articles)")
    imports.add_argument(
        "--team", required=True, help="the Slack workspace (team id) whose archive gets them"
    )
    match = commands.add_parser(
        "match", help="rank an archive (JSONL) for each query (TSV); print a TREC run"
    )
    match.add_argument("--archive", type=Path, required=True, help='{"vclaim_id", "vclaim"} lines')
    match.add_argument("--queries", type=Path, required=True, help="id<TAB>text lines")
    match.add_argument("--top", type=int, default=5, help="rows per query (default 5)")
    match.add_argument(
        "--lexical-only", action="store_true", help="full-text search alone, no re-ranking"
    )
    match.add_argument(
        "--database",
        default=None,
        help="an empty database to load into (default: temporary SQLite)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "migrate" and args.wait is not None:
        if not args.check:
            # Alone it would read as "wait, then migrate": say which one is meant.
            parser.error("migrate: --wait needs --check (it only waits, it never migrates)")
        if args.wait < 0:
            parser.error("migrate: --wait needs a number of seconds, 0 or more")

    settings = Settings()
    configure(
        settings.log_level,
        secrets=[
            secret(value)
            for value in (
                settings.slack_bot_token,
                settings.slack_signing_secret,
                settings.slack_app_token,
                settings.slack_client_secret,
            )
        ],
        fmt=settings.log_format,
    )
    handlers: dict[str, Callable[[Settings], int]] = {
        "bot": run_bot,
        "worker": lambda s: run_worker(s, args.concurrency, args.hostname),
        "beat": run_beat,
        "run": run_all,
        "migrate": lambda s: (
            check_migrations(s, args.wait or 0.0) if args.check else run_migrate(s)
        ),
        "claims": lambda s: (
            score_sentences(s, args.sentences)
            if args.sentences
            else print_claims(s, args.source, as_json=args.json, limit=args.limit)
        ),
        "demo": lambda s: run_demo(s, socket_mode=args.socket_mode),
        "fetch": lambda s: fetch_article(s, args.url),
        "match": lambda s: match_queries(args),
        "import-claimreview": lambda s: import_claimreview(s, args.source, args.team),
    }
    handler = handlers[args.command]
    return handler(settings)


def import_claimreview(settings: Settings, source: str, team: str) -> int:
    from factdesk.db import session_scope
    from factdesk.errors import FactdeskError
    from workers import claimreview
    from workers.nlp.embedder import embedder

    try:
        body = claimreview.read_source(source, settings)
        with session_scope(settings.resolved_database_url) as session:
            report = claimreview.import_document(
                body, session=session, team_id=team, embedder=embedder()
            )
    except FactdeskError as error:
        print(f"{source}: {error.user_message}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"{source}: not imported: {error}", file=sys.stderr)
        return 1
    print(f"{report.added} added, {report.skipped} skipped, {report.rejected} rejected")
    for reason, count in sorted(Counter(report.reasons).items()):
        print(f"  rejected {count}: {reason}")
    return 0


def match_queries(args: argparse.Namespace) -> int:
    from launcher import matching

    return matching.run(
        args.archive,
        args.queries,
        top=args.top,
        lexical_only=args.lexical_only,
        database_url=args.database,
    )


def run_migrate(settings: Settings) -> int:
    from factdesk.db import migrate

    migrate(settings.resolved_database_url)
    log.info("database migrated")
    fill_archive_vectors(settings)
    return 0


def fill_archive_vectors(settings: Settings) -> None:
    """Embed the archive rows that have no vector of the shipped embedder yet (the claims
    migration 0011 brought in from before the archive, rows an earlier embedder made);
    without the model they stay searchable by their words."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from factdesk.archive_models import ArchiveEntry
    from factdesk.db import make_engine
    from workers.matcher import needs_vector
    from workers.nlp.embedder import model_name

    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            missing = session.scalar(
                select(ArchiveEntry.id).where(needs_vector(model_name())).limit(1)
            )
            if missing is None:
                return  # the usual case: no model to load
            try:
                from workers.matcher import Matcher, fill_missing_vectors

                matcher = Matcher()
            except (ImportError, OSError, RuntimeError) as error:
                # RuntimeError: the model's files do not match their digests.
                log.warning("archive vectors not filled, the matcher will not load: %s", error)
                return
            filled = fill_missing_vectors(session=session, matcher=matcher)
    finally:
        engine.dispose()
    if filled:
        log.info("archive vectors filled rows=%s", filled)


def check_migrations(settings: Settings, wait: float) -> int:
    """Exit status 0 when the database is migrated for this release, 1 (and why) when not.

    What a pod's init container runs, so the bot, workers and beat start only once the
    migration Job has brought the database up to this release.
    """
    from factdesk.schema_check import wait_for_schema

    url = settings.resolved_database_url
    status = wait_for_schema(
        url, wait, report=lambda s: print(f"waiting: {s.message}", file=sys.stderr, flush=True)
    )
    if not status.ready:
        print(status.message, file=sys.stderr)
        return 1
    print(status.message)
    return 0


def _require_slack(settings: Settings) -> bool:
    if settings.oauth_enabled and settings.slack_app_token is not None:
        # Socket Mode serves nothing over HTTP, so nobody could ever install the app.
        print(
            "Factdesk can't tell which way to reach Slack: SLACK_APP_TOKEN is for Socket Mode "
            "in one workspace, SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are for installing "
            "into many over HTTP (/slack/install). Unset one of them.",
            file=sys.stderr,
        )
        return False
    app_token = secret(settings.slack_app_token)
    if app_token and not app_token.startswith("xapp-"):
        # Slack would answer not_allowed_token_type; say what the token should be instead.
        kind = " (that is a bot token)" if app_token.startswith("xoxb-") else ""
        print(
            f"SLACK_APP_TOKEN must be an app-level token starting with xapp-{kind}: create "
            "one with the connections:write scope under the app's Basic Information > "
            "App-Level Tokens.",
            file=sys.stderr,
        )
        return False
    missing = settings.missing_for_slack()
    if settings.oauth_enabled:
        # Each workspace's token comes from its installation; Slack reaches the bot over
        # HTTP for the install pages, so the signing secret is what it needs.
        missing = [name for name in missing if name != "SLACK_BOT_TOKEN"]
    if missing:
        print(
            "Factdesk can't connect to Slack yet: set "
            + " and ".join(missing)
            + " in the environment or in .env.\n"
            f"Create the Slack app from {MANIFEST_PATH} (api.slack.com/apps > Create New App > "
            "From a manifest), install it to your workspace, and copy the tokens from its pages.\n"
            "To see Factdesk work without Slack, run `make demo`.",
            file=sys.stderr,
        )
        return False
    return True


def _embedded_redis(settings: Settings) -> None:
    if settings.uses_embedded_redis:
        from factdesk.embedded_redis import EmbeddedRedis

        EmbeddedRedis(settings.embedded_redis_socket).start()


def run_bot(settings: Settings) -> int:
    if not _require_slack(settings):
        return 2
    _embedded_redis(settings)
    from bot.app import create_app
    from bot.server import CantStart, database_threads, serve
    from factdesk.db import size_pool

    # Before the app makes its engines (the OAuth installation store keeps its own).
    size_pool(database_threads(settings))
    try:
        serve(settings, create_app(settings))
    except CantStart as error:
        print(error, file=sys.stderr)
        return 2
    return 0


def run_worker(settings: Settings, concurrency: int | None, hostname: str | None = None) -> int:
    _embedded_redis(settings)
    if settings.worker_metrics_port and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before prometheus_client is imported: the pool's children each write their
        # samples here and the main process serves the sum (factdesk/metrics.py).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="factdesk-metrics-")
        # Ours to remove, also in the process a restart execs (launcher/worker_restart.py).
        os.environ[OWN_METRICS_DIR] = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    metrics_dir = os.environ.get(OWN_METRICS_DIR)
    try:
        return _start_worker(settings, concurrency, hostname)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _start_worker(settings: Settings, concurrency: int | None, hostname: str | None) -> int:
    from launcher.worker_restart import last_exitcode, restart_if_crashed, stop_requested
    from workers.app import celery_app

    quiet = logging.getLevelName(settings.log_level.upper()) >= logging.WARNING
    if quiet:
        # The root warning and the banner are for people watching a worker, not the demo.
        warnings.filterwarnings("ignore", category=SecurityWarning)
    try:
        celery_app.start(
            [
                *(["--quiet"] if quiet else []),
                "worker",
                f"--loglevel={settings.log_level}",
                f"--concurrency={concurrency or settings.worker_concurrency}",
                "--without-gossip",
                "--without-mingle",
                *([f"--hostname={hostname}"] if hostname else []),
            ]
        )
        exitcode = last_exitcode()
    except Exception:
        # Celery's stop after an unrecoverable error can fail on the same broken channel.
        log.exception("the Celery worker failed")
        exitcode = 1
    own_options = [
        *([f"--concurrency={concurrency}"] if concurrency else []),
        *([f"--hostname={hostname}"] if hostname else []),
    ]
    restart_if_crashed(exitcode, command=["worker", *own_options])
    # Ctrl-C stops Celery with status 1; a stop that was asked for is a success.
    return 0 if stop_requested.is_set() else exitcode or 0


def run_beat(settings: Settings) -> int:
    _embedded_redis(settings)
    from workers.app import celery_app

    settings.var_dir.mkdir(parents=True, exist_ok=True)
    schedule = settings.var_dir / "celerybeat-schedule"
    celery_app.start(["beat", f"--loglevel={settings.log_level}", f"--schedule={schedule}"])
    return 0


def _interrupt_on_sigterm() -> None:
    """SIGTERM (systemd, docker stop) stops the children as Ctrl-C does: they run in
    sessions of their own, so the default exit would leave them running."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def run_all(settings: Settings) -> int:
    if not _require_slack(settings):
        return 2
    from factdesk.embedded_redis import EmbeddedRedis
    from launcher.procs import Processes

    run_migrate(settings)
    _interrupt_on_sigterm()
    redis = EmbeddedRedis(settings.embedded_redis_socket) if settings.uses_embedded_redis else None
    try:
        env = {}
        if redis is not None:
            redis.start()
            env["REDIS_URL"] = redis.url
        with Processes(env) as processes:
            for name in ("bot", "worker", "beat"):
                processes.start(name, name)
            log.info("bot, worker and beat running; Ctrl-C stops them")
            try:
                stopped = processes.wait_any()
            except KeyboardInterrupt:
                return 0
            log.error("%s stopped; stopping the others", stopped)
            return 1
    finally:
        if redis is not None:
            redis.stop()


def print_claims(
    settings: Settings, source: str | None, *, as_json: bool, limit: int | None
) -> int:
    from factdesk.errors import FactdeskError
    from workers.context import pipeline
    from workers.nlp import find_claims

    if source is None:
        print(
            "Name a file, an http(s) URL, or - for stdin (or use --sentences FILE).",
            file=sys.stderr,
        )
        return 2
    try:
        text, title = _read_source(settings, source)
    except FactdeskError as error:
        print(f"{error.user_message} ({error.code})", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"Can't read {source}: {error.strerror}", file=sys.stderr)
        return 2
    found = sorted(
        find_claims(pipeline(settings.spacy_model), text, max_claims=limit, title=title),
        key=lambda claim: claim.rank,
    )
    if as_json:
        print(json.dumps([asdict(claim) for claim in found], indent=2, ensure_ascii=False))
        return 0
    for claim in found:
        print(f"#{claim.rank:<3} {claim.score:.2f}  {claim.text}")
        source_line = f"source: {claim.speaker} · " if claim.speaker else ""
        print(
            f"      {source_line}{', '.join(claim.reasons)}  [{claim.start_char}:{claim.end_char}]"
        )
        if claim.context:
            print(f"      context: {claim.context}")
    print(f"{len(found)} claims")
    return 0


def score_sentences(settings: Settings, path: str) -> int:
    """One JSON line per input line, so anyone can score the finder on their own labels."""
    from workers.context import pipeline
    from workers.nlp.sentences import score_sentences as score

    try:
        handle = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
    except OSError as error:
        print(f"Can't read {path}: {error.strerror}", file=sys.stderr)
        return 2
    with handle:
        lines = [line.rstrip("\n") for line in handle]
    for scored in score(pipeline(settings.spacy_model), lines):
        print(json.dumps(asdict(scored), ensure_ascii=False))
    return 0


def _read_source(settings: Settings, source: str) -> tuple[str, str | None]:
    """The article text of a file, stdin or URL, and its title when extraction found one.

    A file or stdin holding HTML (told by its content, whatever its name) goes through
    the workers' extraction, as a fetched page does, so it gives the claims the bot
    would post; anything else is read as plain text."""
    from workers.extract import extract
    from workers.fetch import Page

    if source.startswith(("http://", "https://")):
        from workers.fetch import fetch

        extracted = extract(fetch(source, settings))
        return extracted.text, extracted.title
    body = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    if looks_like_html(body):
        url = "file:///dev/stdin" if source == "-" else Path(source).resolve().as_uri()
        extracted = extract(Page(url=url, content_type="text/html", body=body, encoding=None))
        return extracted.text, extracted.title
    return body.decode("utf-8", errors="replace"), None


_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S
)
_HTML_TAGS = re.compile(rb"<(?:p|div|article|body|title|meta)\b[^>]*>", re.I)


def looks_like_html(body: bytes) -> bool:
    """Whether a document is HTML, judged by its first 4 KB: a doctype or an html, head
    or body tag at the start, or several block tags."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf")
    return _HTML_START.match(head) is not None or len(_HTML_TAGS.findall(head)) >= 3


def fetch_article(settings: Settings, url: str) -> int:
    """The workers' fetch and extraction, from the shell: JSON on stdout, or the refusal
    (the words the thread would get, and its code) on stderr with exit status 2."""
    from factdesk.errors import FactdeskError
    from workers.extract import canonical_url, extract
    from workers.fetch import fetch

    try:
        page = fetch(url, settings)
        extracted = extract(page)
        canonical = canonical_url(page)
    except FactdeskError as error:
        print(f"{error.user_message} ({error.code})", file=sys.stderr)
        return 2
    article = {
        "url": url,
        "final_url": page.url,
        "content_type": page.content_type,
        "canonical_url": canonical,
        **asdict(extracted),
        "words": len(extracted.text.split()),
    }
    print(json.dumps(article, indent=2, ensure_ascii=False, default=str))
    return 0


def run_demo(settings: Settings, *, socket_mode: bool = False) -> int:
    from launcher.demo import run

    return run(settings, socket_mode=socket_mode)


if __name__ == "__main__":
    sys.exit(main())

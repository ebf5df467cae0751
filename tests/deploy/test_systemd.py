"""deploy/systemd/: the units for one VM parse, carry the required keys, and pass
`systemd-analyze verify` where that tool is installed."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.files import SYSTEMD, UnitFile, env_file_names, is_cli_command, setting_names

SERVICES = {
    "factdesk-bot.service": ["bot"],
    # Instances on one machine need node names of their own (%i: instance, %H: host).
    "factdesk-worker@.service": ["worker", "--hostname", "worker%i@%H"],
    "factdesk-beat.service": ["beat"],
    "factdesk-migrate.service": ["migrate"],
}
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "CapabilityBoundingSet": "",
}
STATE_DIR = "/var/lib/factdesk"


def unit(name: str) -> UnitFile:
    return UnitFile.parse(SYSTEMD / name)


def test_only_the_expected_unit_files() -> None:
    units = {p.name for p in SYSTEMD.glob("*.service")} | {p.name for p in SYSTEMD.glob("*.target")}
    assert units == set(SERVICES) | {"factdesk.target"}


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_runs_a_real_cli_command_as_factdesk(name: str) -> None:
    service = unit(name)
    assert service.sections == {"Unit", "Service", "Install"}
    assert service.value("Unit", "Description")
    command = shlex.split(service.value("Service", "ExecStart"))
    assert Path(command[0]).is_absolute()
    assert command[0].endswith("/bin/factdesk")
    assert command[1:] == SERVICES[name]
    assert is_cli_command(command[1])
    assert service.value("Service", "User") == "factdesk"
    assert service.value("Service", "Group") == "factdesk"
    assert service.value("Service", "EnvironmentFile") == "/etc/factdesk/factdesk.env"
    assert service.value("Service", "WorkingDirectory") == STATE_DIR
    assert service.value("Install", "WantedBy") == "factdesk.target"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_service_is_hardened(name: str) -> None:
    service = unit(name)
    for key, value in HARDENING.items():
        assert service.value("Service", key) == value, key
    # ProtectSystem=strict makes everything read-only but the state directory.
    assert service.value("Service", "ReadWritePaths") == STATE_DIR
    assert service.value("Service", "StateDirectory") == STATE_DIR.rsplit("/", 1)[1]


@pytest.mark.parametrize("name", sorted(set(SERVICES) - {"factdesk-migrate.service"}))
def test_long_running_services_restart_and_wait_for_migrations(name: str) -> None:
    service = unit(name)
    assert service.value("Service", "Type") == "simple"
    assert service.value("Service", "Restart") in {"always", "on-failure"}
    assert service.value("Service", "RestartSec")
    assert service.value("Unit", "PartOf") == "factdesk.target"
    assert "factdesk-migrate.service" in service.value("Unit", "Requires").split()
    assert "factdesk-migrate.service" in service.value("Unit", "After").split()
    assert service.value("Service", "MemoryMax")


def test_migration_is_a_oneshot() -> None:
    migrate = unit("factdesk-migrate.service")
    assert migrate.value("Service", "Type") == "oneshot"
    assert migrate.value("Service", "RemainAfterExit") == "yes"
    assert "Restart" not in {key for _, key, _ in migrate.entries}


def test_worker_is_a_template_that_stops_gracefully() -> None:
    worker = unit("factdesk-worker@.service")
    assert "%i" in worker.value("Unit", "Description")
    assert "%i" in worker.value("Service", "SyslogIdentifier")
    # SIGTERM to celery's main process only (warm shutdown), longer than the task limit.
    assert worker.value("Service", "KillMode") == "mixed"
    assert int(worker.value("Service", "TimeoutStopSec")) > 150


def test_environment_names_are_settings() -> None:
    names = set(env_file_names(SYSTEMD / "factdesk.env.example"))
    for name in SERVICES:
        names |= set(unit(name).environment_names())
    assert names - setting_names() == set()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_finds_nothing_wrong(tmp_path: Path) -> None:
    for path in SYSTEMD.glob("factdesk*"):
        if path.suffix in {".service", ".target"}:
            shutil.copy(path, tmp_path / path.name)
    # A template is verified through an instance of it.
    (tmp_path / "factdesk-worker@1.service").write_bytes(
        (SYSTEMD / "factdesk-worker@.service").read_bytes()
    )
    units = [str(tmp_path / n) for n in ("factdesk-worker@1.service", "factdesk.target")]
    units += [str(tmp_path / n) for n in SERVICES if "@" not in n]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", "--generators=no", *units],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # The executable exists only on a machine Factdesk is installed on.
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "/bin/factdesk is not executable" not in line
    ]
    assert problems == []

"""Reading the files under deploy/ for the offline checks in this folder."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from factdesk.settings import Settings
from launcher.cli import main as cli_main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SYSTEMD = DEPLOY / "systemd"


def load_yaml(path: Path) -> Any:
    """The single YAML document in `path`."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_all(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document in a multi-document YAML file."""
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def setting_names() -> set[str]:
    """The environment variable names Factdesk reads (pydantic-settings: field name, upper)."""
    return {name.upper() for name in Settings.model_fields}


def is_cli_command(name: str) -> bool:
    """True when `factdesk <name>` is a real subcommand (its --help exits 0)."""
    with pytest.raises(SystemExit) as exited:
        cli_main([name, "--help"])
    return exited.value.code == 0


def env_file_names(path: Path) -> set[str]:
    """Variable names assigned (not commented out) in a KEY=value file."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            names.add(stripped.split("=", 1)[0].strip())
    return names


@dataclass
class UnitFile:
    """A systemd unit as systemd reads it: sections of repeatable `Key=value` lines."""

    path: Path
    entries: list[tuple[str, str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, path: Path) -> UnitFile:
        unit = cls(path)
        section = ""
        pending = ""
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            line = pending + raw.strip()
            pending = ""
            if not line or line.startswith(("#", ";")):
                continue
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                continue
            if "=" not in line or not section:
                raise ValueError(f"{path.name}:{number}: not a Key=value line in a section")
            key, value = line.split("=", 1)
            unit.entries.append((section, key.strip(), value.strip()))
        return unit

    @property
    def sections(self) -> set[str]:
        return {section for section, _, _ in self.entries}

    def values(self, section: str, key: str) -> list[str]:
        """Every value of `key` in `section`, in order."""
        return [v for s, k, v in self.entries if s == section and k == key]

    def value(self, section: str, key: str) -> str:
        """The value of a key that must be set exactly once."""
        found = self.values(section, key)
        assert len(found) == 1, f"{self.path.name}: [{section}] {key}= set {len(found)} times"
        return found[0]

    def environment_names(self) -> Iterator[str]:
        """Names assigned by Environment= lines (each may hold several assignments)."""
        for assignments in self.values("Service", "Environment"):
            for assignment in shlex.split(assignments):
                yield assignment.split("=", 1)[0]

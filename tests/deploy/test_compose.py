"""deploy/docker-compose.yml against the Compose Specification's schema, and its wiring."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.deploy.files import DEPLOY, ROOT, is_cli_command, load_yaml, setting_names

COMPOSE = DEPLOY / "docker-compose.yml"
SCHEMA = Path(__file__).parent / "schemas" / "compose-spec.json"
# The vendored copy's hash, as noted in schemas/README.md.
SCHEMA_SHA256 = "d549057ebc2925f39f62799eab0db7b9e2c18b35b6c00595199116da3ed10e64"
APP_SERVICES = ("bot", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(COMPOSE)
    return loaded


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def factdesk_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The services that run the Factdesk image."""
    return {name: s for name, s in compose["services"].items() if "build" in s}


def test_the_vendored_schema_is_the_noted_one() -> None:
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == SCHEMA_SHA256
    assert SCHEMA_SHA256 in (SCHEMA.parent / "README.md").read_text(encoding="utf-8")


def test_compose_file_is_valid_against_the_compose_spec(
    compose: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    errors = [
        f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(compose)
    ]
    assert errors == []


def test_the_schema_rejects_a_mistake(
    compose: dict[str, Any], validator: jsonschema.protocols.Validator
) -> None:
    # Proves the validation above has teeth: a misspelt condition and an unknown key.
    broken = copy.deepcopy(compose)
    broken["services"]["bot"]["depends_on"]["migrate"]["condition"] = "service_completed"
    broken["services"]["worker"]["helthcheck"] = {}
    assert len(list(validator.iter_errors(broken))) >= 2


def test_it_has_every_part(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"migrate", *APP_SERVICES, "redis", "postgres"}
    assert set(factdesk_services(compose)) == {"migrate", *APP_SERVICES}


def test_app_services_start_after_a_successful_migration(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_commands_are_real_cli_commands(compose: dict[str, Any]) -> None:
    for name, service in factdesk_services(compose).items():
        assert service["command"] == [name]
        assert is_cli_command(service["command"][0])


def test_health_checks(compose: dict[str, Any]) -> None:
    def check(service: str) -> str:
        test = compose["services"][service]["healthcheck"]["test"]
        return " ".join(test) if isinstance(test, list) else str(test)

    assert "pg_isready" in check("postgres")
    assert "redis-cli ping" in check("redis")
    assert "/healthz" in check("bot")
    assert compose["services"]["bot"]["healthcheck"]["test"][0] == "CMD"
    # The worker's own /healthz, on the port its environment gives it: no `celery inspect
    # ping`, which started Celery and the app in a new process for every check.
    worker = compose["services"]["worker"]
    port = worker["environment"]["WORKER_METRICS_PORT"]
    assert f"http://127.0.0.1:{port}/healthz" in check("worker")
    assert "inspect ping" not in check("worker")
    assert worker["healthcheck"]["test"][0] == "CMD"
    # The other services keep the shared settings but don't serve a worker's port.
    for name in ("bot", "beat", "migrate"):
        assert "WORKER_METRICS_PORT" not in compose["services"][name]["environment"], name


def test_state_lives_in_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    postgres = compose["services"]["postgres"]["volumes"]
    assert any(v.split(":")[1] == "/var/lib/postgresql/data" for v in postgres)
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared, volume


def test_app_services_use_the_compose_database_and_redis(compose: dict[str, Any]) -> None:
    for name, service in factdesk_services(compose).items():
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name
        # The password comes from .env at `up` time, and `up` stops when it is missing.
        assert "${POSTGRES_PASSWORD:?" in env["DATABASE_URL"], name
        assert service["env_file"] == "../.env", name
    assert (COMPOSE.parent / "../.env").resolve() == ROOT / ".env"
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_app_containers_are_locked_down(compose: dict[str, Any]) -> None:
    for name, service in factdesk_services(compose).items():
        assert service["read_only"] is True, name
        assert service["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in service["security_opt"], name


def test_environment_names_are_settings(compose: dict[str, Any]) -> None:
    for name, service in factdesk_services(compose).items():
        unknown = set(service["environment"]) - setting_names()
        assert not unknown, f"{name}: {unknown} are not Factdesk settings"

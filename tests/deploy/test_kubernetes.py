"""deploy/k8s/ against the Kubernetes API schemas (offline, kubernetes-validate), and its wiring."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest

from launcher.cli import build_parser
from tests.deploy.files import K8S, is_cli_command, load_yaml, load_yaml_all, setting_names

# The oldest Kubernetes release these manifests promise to work on, and the newest the
# validator knows.
VERSIONS = ["1.29", kubernetes_validate.latest_version()]
TEMPLATE_ONLY = {"secret.yaml"}
MEMORY_UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9}

Resource = dict[str, Any]


def manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def all_resources() -> list[Resource]:
    return [doc for path in manifest_files() for doc in load_yaml_all(path)]


def find(kind: str, name: str) -> Resource:
    matches = [r for r in all_resources() if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


def pod_spec(workload: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    return spec


def workloads() -> list[Resource]:
    return [r for r in all_resources() if r["kind"] in {"Deployment", "Job"}]


def deployments() -> list[Resource]:
    return [r for r in all_resources() if r["kind"] == "Deployment"]


def all_containers(workload: Resource) -> list[dict[str, Any]]:
    """The pod's init containers and its containers."""
    spec = pod_spec(workload)
    containers: list[dict[str, Any]] = [*spec.get("initContainers", []), *spec["containers"]]
    return containers


def patience_seconds(probe: dict[str, Any]) -> int:
    """How long a probe may keep failing before Kubernetes acts on it."""
    period: int = probe.get("periodSeconds", 10)
    failures: int = probe.get("failureThreshold", 3)
    return period * failures


def memory_bytes(quantity: str) -> int:
    match = re.fullmatch(r"(\d+)([KMG]i?)?", quantity)
    assert match, f"unexpected memory quantity {quantity!r}"
    number, unit = match.groups()
    return int(number) * (MEMORY_UNITS[unit] if unit else 1)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda p: p.name)
def test_manifest_is_valid_against_the_kubernetes_schema(path: Path, version: str) -> None:
    for resource in load_yaml_all(path):
        # strict: unknown fields (a misspelt probe, say) are errors, as `kubectl --validate`.
        kubernetes_validate.validate(resource, version, strict=True)


def test_the_validator_rejects_a_mistake() -> None:
    broken = copy.deepcopy(find("Deployment", "factdesk-bot"))
    pod_spec(broken)["containers"][0]["livenessprobe"] = pod_spec(broken)["containers"][0].pop(
        "livenessProbe"
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kustomization = load_yaml(K8S / "kustomization.yaml")
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1beta1"
    assert kustomization["kind"] == "Kustomization"
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in manifest_files()} - TEMPLATE_ONLY
    images = {image["name"] for image in kustomization["images"]}
    for workload in workloads():
        for container in all_containers(workload):
            assert container["image"] in images, workload["metadata"]["name"]


def test_every_part_is_there() -> None:
    kinds = {(r["kind"], r["metadata"]["name"]) for r in all_resources()}
    assert {
        ("Deployment", "factdesk-bot"),
        ("Service", "factdesk-bot"),
        ("Deployment", "factdesk-worker"),
        ("HorizontalPodAutoscaler", "factdesk-worker"),
        ("Deployment", "factdesk-beat"),
        ("Job", "factdesk-migrate"),
        ("ConfigMap", "factdesk-config"),
        ("Secret", "factdesk-secrets"),
    } <= kinds


def test_containers_run_real_cli_commands() -> None:
    expected = {
        "factdesk-bot": "bot",
        "factdesk-worker": "worker",
        "factdesk-beat": "beat",
        "factdesk-migrate": "migrate",
    }
    for workload in workloads():
        (container,) = pod_spec(workload)["containers"]
        assert container["args"] == [expected[workload["metadata"]["name"]]]
        assert is_cli_command(container["args"][0])


def test_bot_is_alive_on_healthz_and_ready_on_readyz_behind_its_service() -> None:
    bot = find("Deployment", "factdesk-bot")
    (container,) = pod_spec(bot)["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports["http"] == int(find("ConfigMap", "factdesk-config")["data"]["PORT"])
    # Liveness asks only whether the process answers: an outage of the database or Redis
    # must not restart the bots. Readiness asks whether they answer too.
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"]["port"] in ports
    # A blip of the database or Redis shorter than this keeps the bots in the Service.
    assert patience_seconds(container["readinessProbe"]) >= 60
    # /readyz waits up to 2 s for Redis and then for the database.
    assert container["readinessProbe"]["timeoutSeconds"] > 2
    service = find("Service", "factdesk-bot")
    labels = bot["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= set(ports)


def test_worker_probes_ask_its_own_healthz_on_the_metrics_port() -> None:
    (container,) = pod_spec(find("Deployment", "factdesk-worker"))["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    configured = find("ConfigMap", "factdesk-config")["data"]["WORKER_METRICS_PORT"]
    assert ports == {"metrics": int(configured)}
    for name in ("startupProbe", "livenessProbe"):
        probe = container[name]
        # An HTTP request to the running worker, never a process started per check.
        assert "exec" not in probe, name
        assert probe["httpGet"] == {"path": "/healthz", "port": "metrics"}, name
    assert "readinessProbe" not in container  # no Service sends it anything
    # /healthz is 503 while the broker is unreachable: minutes, not seconds, before a restart.
    assert patience_seconds(container["livenessProbe"]) >= 180
    # Room to start the pool and load spaCy before the liveness probe begins.
    assert patience_seconds(container["startupProbe"]) >= 120


def test_every_deployment_waits_for_the_migrations() -> None:
    for deployment in deployments():
        name = deployment["metadata"]["name"]
        spec = pod_spec(deployment)
        (main,) = spec["containers"]
        (init,) = spec.get("initContainers", [])
        assert init["name"] == "wait-for-migrations", name
        args = build_parser().parse_args(init["args"])
        assert (args.command, args.check) == ("migrate", True), name
        # Waits, and never migrates itself: that is the Job's.
        assert args.wait is not None, name
        assert args.wait > 0, name
        # The same image, settings and locked-down context as the container it guards.
        for key in ("image", "imagePullPolicy", "envFrom", "securityContext"):
            assert init[key] == main[key], (name, key)
        assert init.get("env") == main.get("env"), name
    job = find("Job", "factdesk-migrate")
    (migrate,) = pod_spec(job)["containers"]
    assert migrate["args"] == ["migrate"]
    assert "initContainers" not in pod_spec(job)


def test_selectors_match_their_pod_templates() -> None:
    for workload in workloads():
        if workload["kind"] != "Deployment":
            continue
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_workers_are_scaled_by_the_hpa_on_cpu() -> None:
    worker = find("Deployment", "factdesk-worker")
    hpa = find("HorizontalPodAutoscaler", "factdesk-worker")
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == (
        "apps/v1",
        "Deployment",
        "factdesk-worker",
    )
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    # The HPA alone owns the count; a replicas field would reset it on every apply.
    assert "replicas" not in worker["spec"]
    # CPU utilisation is measured against the request, so there must be one.
    (container,) = pod_spec(worker)["containers"]
    assert container["resources"]["requests"]["cpu"]


def test_worker_memory_fits_one_pipeline_per_pod() -> None:
    (container,) = pod_spec(find("Deployment", "factdesk-worker"))["containers"]
    limit = memory_bytes(container["resources"]["limits"]["memory"])
    # Room for the < 400 MB worker RSS target, and no more than 512Mi.
    assert 400 * 10**6 <= limit <= 512 * 2**20
    assert find("ConfigMap", "factdesk-config")["data"]["WORKER_CONCURRENCY"] == "1"


def test_beat_is_a_single_replica_that_is_never_doubled() -> None:
    beat = find("Deployment", "factdesk-beat")
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}


def test_migration_job() -> None:
    job = find("Job", "factdesk-migrate")
    assert pod_spec(job)["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"]["backoffLimit"] >= 1


def test_pods_run_as_non_root_without_privileges() -> None:
    for workload in workloads():
        name = workload["metadata"]["name"]
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in all_containers(workload):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            resources = container["resources"]
            assert resources["requests"]["cpu"], name
            assert resources["requests"]["memory"], name
            assert resources["limits"]["memory"], name
            # A read-only root needs a writable /tmp.
            assert "/tmp" in {m["mountPath"] for m in container["volumeMounts"]}, name


def test_settings_come_from_the_config_map_and_the_secret() -> None:
    config = find("ConfigMap", "factdesk-config")
    secret = find("Secret", "factdesk-secrets")
    for workload in workloads():
        (container,) = pod_spec(workload)["containers"]
        refs = container["envFrom"]
        assert {"configMapRef": {"name": config["metadata"]["name"]}} in refs
        assert {"secretRef": {"name": secret["metadata"]["name"]}} in refs
    names = set(config["data"]) | set(secret["stringData"])
    for workload in workloads():
        (container,) = pod_spec(workload)["containers"]
        names |= {variable["name"] for variable in container.get("env", [])}
    assert names - setting_names() == set()
    # Secrets stay out of the ConfigMap.
    assert not {n for n in config["data"] if re.search("TOKEN|SECRET|PASSWORD|_URL$", n)}


def test_secret_is_a_template_with_placeholders_only() -> None:
    secret = find("Secret", "factdesk-secrets")
    assert "data" not in secret
    for name, value in secret["stringData"].items():
        assert "REPLACE-ME" in value, name
        assert not re.search(r"xox[abpr]-\d|xapp-\d", value), name

"""deploy/: the Dockerfile, the Compose file and the Helm chart, checked so they cannot rot.

The chart is rendered and linted by Helm's own Go code (helm-python-sdk binds Helm's SDK), then
the rendered manifests are checked against the code: the commands name processes
``shopdesk serve`` starts, the probes point at the paths those processes answer
(``shopdesk.processes.PROBES``; tests/e2e/test_operations.py and the tests below check that the
servers answer them), every ``SHOPDESK_*`` variable is a setting, every Secret reference exists.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import helm_python as helm
import pytest
import yaml
from fastapi.testclient import TestClient

from shopdesk.processes import PROBES, PROCESSES
from shopdesk.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
CHART = DEPLOY / "helm" / "shopdesk"
#: The port each process listens on in the deployment files.
PORTS = {"rasa": 5005, "actions": 5055, "console": 8080, "storefront": 8000}
SECRETS = {
    "apiToken": "api-token-value",
    "actionToken": "action-token-value",
    "verificationKey": "verification-key-value",
    "consoleSessionSecret": "session-secret-value",
    "databaseUrl": "postgresql://shop:pw@db:5432/shop",
    "trackerStoreUrl": "postgresql://shop:pw@db:5432/conversations",
    "lockStoreUrl": "redis://redis:6379/1",
    "eventBrokerUrl": "amqp://shop:pw@rabbitmq:5672/",
}


def setting_names() -> set[str]:
    """Every ``SHOPDESK_*`` variable shopdesk/settings.py reads."""
    source = (PROJECT_ROOT / "shopdesk" / "settings.py").read_text()
    return set(re.findall(r'"(SHOPDESK_[A-Z0-9_]+)"', source))


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The chart's manifests for ``values``, rendered by Helm and parsed."""
    with helm.Chart.load(str(CHART)) as chart:
        rendered = chart.render(values, name="shop", namespace="shop")
    return [
        doc
        for name, text in rendered.items()
        if name.endswith(".yaml")
        for doc in yaml.safe_load_all(text)
        if doc
    ]


def of_kind(manifests: list[dict], kind: str) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def process_of(container: dict) -> str:
    args = container.get("args") or []
    assert args[:1] == ["serve"] and len(args) >= 2, args
    assert args[1] in PROCESSES, args
    return args[1]


@pytest.fixture(scope="module")
def manifests() -> list[dict]:
    return render({"secrets": SECRETS, "storefront": {"enabled": True}})


def test_helm_lints_the_chart_without_warnings() -> None:
    report = helm.chart.lint(str(CHART), {"secrets": SECRETS}, strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_server_deployment_probes_the_paths_its_process_serves(manifests) -> None:
    deployments = of_kind(manifests, "Deployment")
    started = set()
    for name, deployment in deployments.items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        process = process_of(container)
        started.add(process)
        live, ready = PROBES[process]
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports == {"http": PORTS[process]}, name
        for probe, path in (
            ("startupProbe", live),
            ("livenessProbe", live),
            ("readinessProbe", ready),
        ):
            assert container[probe]["httpGet"] == {"path": path, "port": "http"}, (name, probe)
        assert container["image"] == "shopdesk:0.1.0"
    assert started == {"rasa", "actions", "console", "storefront"}


def test_every_variable_is_a_setting_and_every_secret_reference_exists(manifests) -> None:
    known = setting_names()
    secrets = of_kind(manifests, "Secret")
    config_maps = of_kind(manifests, "ConfigMap")
    for config_map in config_maps.values():
        assert set(config_map["data"]) <= known, set(config_map["data"]) - known
    containers = [
        c
        for m in manifests
        if m["kind"] in ("Deployment", "Job")
        for c in m["spec"]["template"]["spec"]["containers"]
    ]
    for container in containers:
        for ref in container.get("envFrom", []):
            assert ref["configMapRef"]["name"] in config_maps
        for variable in container["env"]:
            assert variable["name"] in known, variable["name"]
            ref = (variable.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                assert ref["key"] in secrets[ref["name"]]["stringData"], ref
    # The tokens and keys reach the processes that need them, and only those.
    env = {process_of(c): {v["name"] for v in c["env"]} for c in containers}
    assert "SHOPDESK_VERIFICATION_KEY" in env["actions"]
    assert "SHOPDESK_VERIFICATION_KEY" not in env["rasa"]
    assert {"SHOPDESK_API_TOKEN", "SHOPDESK_ACTION_TOKEN", "SHOPDESK_LOCK_STORE_URL"} <= env["rasa"]
    assert {"SHOPDESK_API_TOKEN", "SHOPDESK_RASA_URL"} <= env["console"]


def test_rasa_and_action_servers_autoscale(manifests) -> None:
    deployments = of_kind(manifests, "Deployment")
    scaled = {
        hpa["spec"]["scaleTargetRef"]["name"]
        for hpa in of_kind(manifests, "HorizontalPodAutoscaler").values()
    }
    by_process = {
        process_of(d["spec"]["template"]["spec"]["containers"][0]): name
        for name, d in deployments.items()
    }
    assert scaled == {by_process["rasa"], by_process["actions"]}
    for name in scaled:
        assert "replicas" not in deployments[name]["spec"], "the autoscaler owns the replicas"


def test_only_the_socketio_path_has_sticky_sessions(manifests) -> None:
    ingresses = of_kind(manifests, "Ingress")
    sticky = {}
    for ingress in ingresses.values():
        paths = [p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
        annotations = ingress["metadata"].get("annotations") or {}
        sticky[tuple(paths)] = annotations.get("nginx.ingress.kubernetes.io/affinity")
    assert sticky == {("/socket.io",): "cookie", ("/webhooks",): None, ("/",): None}


def test_the_migration_job_trains_into_the_volume_the_rasa_pods_read(manifests) -> None:
    (job,) = of_kind(manifests, "Job").values()
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert process_of(container) == "migrate"
    claims = set(of_kind(manifests, "PersistentVolumeClaim"))

    def models_claim(pod: dict) -> str:
        mounts = {m["name"]: m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
        (volume,) = [v for v in pod["volumes"] if mounts.get(v["name"]) == "/data/rasa-models"]
        return volume["persistentVolumeClaim"]["claimName"]

    rasa = of_kind(manifests, "Deployment")["shop-shopdesk-rasa"]["spec"]["template"]["spec"]
    assert models_claim(job["spec"]["template"]["spec"]) == models_claim(rasa)
    assert models_claim(rasa) in claims
    assert Settings(data_dir=Path("/data")).rasa_model_dir == Path("/data/rasa-models")


def test_the_chart_refuses_to_render_without_its_secrets() -> None:
    with pytest.raises(helm.HelmError, match="secrets.apiToken is required"):
        render({})


def test_an_existing_secret_replaces_the_charts_own() -> None:
    manifests = render({"secrets": {"existingSecret": "shop-secrets"}})
    assert of_kind(manifests, "Secret") == {}
    refs = {
        v["valueFrom"]["secretKeyRef"]["name"]
        for m in manifests
        if m["kind"] == "Deployment"
        for c in m["spec"]["template"]["spec"]["containers"]
        for v in c["env"]
        if "valueFrom" in v
    }
    assert refs == {"shop-secrets"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_every_service_with_settings_it_knows() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "rabbitmq", "migrate", "rasa", "actions", "console"} <= set(
        services
    )
    known = setting_names()
    example = (DEPLOY / "env.example").read_text()
    for name, service in services.items():
        environment = service.get("environment") or {}
        if service.get("image", "").startswith("${SHOPDESK_IMAGE"):
            assert {k for k in environment if k.startswith("SHOPDESK_")} <= known, name
            command = service["command"]
            assert command[0] == "serve" and command[1] in PROCESSES, name
        for required in re.findall(r"\$\{([A-Z_]+):\?", yaml.safe_dump(service)):
            assert f"\n{required}=" in f"\n{example}", f"{required} is missing in env.example"


def test_compose_health_checks_ask_each_process_its_readiness() -> None:
    services = compose()["services"]
    for name, service in services.items():
        command = service.get("command") or []
        if command[:1] != ["serve"] or command[1] == "migrate":
            continue
        process = command[1]
        check = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{PORTS[process]}{PROBES[process][1]}" in check, name
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    # Both databases the URLs name exist: the shop's by POSTGRES_DB, the other by the init script.
    databases = {
        url.rsplit("/", 1)[1]
        for key, url in services["rasa"]["environment"].items()
        if key in ("SHOPDESK_DATABASE_URL", "SHOPDESK_TRACKER_STORE_URL")
    }
    init = (DEPLOY / "postgres-init.sql").read_text()
    created = {services["postgres"]["environment"]["POSTGRES_DB"]} | set(
        re.findall(r"CREATE DATABASE (\w+)", init)
    )
    assert databases == created
    mounted = [v.split(":")[0] for v in services["postgres"]["volumes"]]
    assert "./postgres-init.sql" in mounted
    rasa = services["rasa"]["environment"]
    assert int(rasa["SHOPDESK_RASA_WORKERS"]) > 1 and rasa["SHOPDESK_LOCK_STORE_URL"]
    assert rasa["SHOPDESK_EVENT_BROKER_URL"].startswith("amqp://")


def test_the_dockerfile_installs_the_cpu_torch_and_every_package() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "download.pytorch.org/whl/cpu" in dockerfile
    assert 'ENTRYPOINT ["shopdesk"]' in dockerfile
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    include = re.search(
        r"\[tool\.setuptools\.packages\.find\]\ninclude = \[(.*?)\]", pyproject, re.S
    )
    assert include is not None
    packages = re.findall(r'"(\w+)\*"', include.group(1))
    assert "shopdesk" in packages
    for package in packages:
        assert re.search(rf"^COPY {package} {package}$", dockerfile, re.M), package


@pytest.mark.parametrize("process", ["console", "storefront"])
def test_the_console_and_storefront_answer_their_probes(process: str, tmp_path) -> None:
    from storage.migrations import upgrade

    settings = Settings(data_dir=tmp_path)
    upgrade(settings.database_url)
    if process == "console":
        from console.app import create_app
    else:
        from web.app import create_app
    client = TestClient(create_app(settings))
    live, ready = PROBES[process]
    assert client.get(live).status_code == 200
    reply = client.get(ready)
    assert (reply.status_code, reply.json()["status"]) == (200, "ready")


def test_the_storefront_is_not_ready_when_its_database_is_gone(tmp_path) -> None:
    from web.app import create_app

    settings = Settings(data_dir=tmp_path, database_url="postgresql://nobody@127.0.0.1:1/none")
    reply = TestClient(create_app(settings)).get(PROBES["storefront"][1])
    assert reply.status_code == 503
    assert "shop database" in reply.json()["problems"][0]

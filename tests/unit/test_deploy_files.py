"""The deployment files are wired together: the LRS (Ralph over MongoDB, an image built from the project's own
requirements) beside the tutor in Compose and on Kubernetes, the tutor's settings pointing at it, a sender running,
and every password coming from deploy/.env or the Secret, never written into a file."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from tutor import load_settings

pytestmark = pytest.mark.unit
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yml").read_text())


def manifests(name: str) -> dict[tuple[str, str], dict]:
    return {(m["kind"], m["metadata"]["name"]): m for m in yaml.safe_load_all((K8S / name).read_text()) if m}


def containers(manifest: dict) -> dict[str, dict]:
    return {c["name"]: c for c in manifest["spec"]["template"]["spec"]["containers"]}


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def test_compose_runs_the_lrs_from_its_own_image_over_mongodb_and_a_sender_beside_the_tutor():
    services = compose()["services"]
    lrs, sender = services["lrs"], services["lrs-sender"]
    assert lrs["build"]["target"] == "lrs" and lrs["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "FROM python:3.11-slim AS lrs" in (DEPLOY / "Dockerfile").read_text()
    env = lrs["environment"]
    assert env["RALPH_RUNSERVER_BACKEND"] == "mongo" and "mongo:27017" in env["RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI"]
    assert lrs["depends_on"]["mongo"]["condition"] == "service_healthy" and "__heartbeat__" in " ".join(lrs["healthcheck"]["test"])
    assert sender["command"] == ["tutor", "lrs", "send", "--follow"] and "tutor-data:/data" in sender["volumes"]
    settings = load_settings(DEPLOY / "tutor.container.yml", environ={})
    endpoint = urlparse(settings.lrs.endpoint)
    assert endpoint.hostname == "lrs" and endpoint.port == 8100 and settings.lrs.username == env["LRS_USERNAME"]
    assert '"--port", "8100"' in (DEPLOY / "Dockerfile").read_text()


def test_compose_takes_every_password_from_the_env_file():
    text = "\n".join(line for line in (DEPLOY / "compose.yml").read_text().splitlines() if not line.lstrip().startswith("#"))
    services = compose()["services"]
    assert services["lrs"]["environment"]["LRS_PASSWORD"].startswith("${TUTOR_LRS_PASSWORD:?")
    assert services["lrs-sender"]["environment"]["TUTOR_LRS_PASSWORD"].startswith("${TUTOR_LRS_PASSWORD:?")
    assert "${LRS_MONGO_PASSWORD:?" in services["lrs"]["environment"]["RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI"]
    documented = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / ".env.example").read_text(), re.MULTILINE))
    assert set(re.findall(r"\$\{([A-Z_]+)[:}]", text)) <= documented
    for service in services.values():
        for name, value in (service.get("environment") or {}).items():
            if "PASSWORD" in name or "SECRET" in name:
                assert str(value).startswith("${"), f"{name} is written into compose.yml"
    assert "password" not in (yaml.safe_load((DEPLOY / "tutor.container.yml").read_text())["lrs"])


def test_kubernetes_has_the_lrs_with_its_credentials_from_the_secret():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert {"lrs.yaml", "mongo.yaml"} <= set(kustomization["resources"])
    assert all((K8S / name).exists() for name in kustomization["resources"])
    assert "workplace-tutor/lrs" in {i["name"] for i in kustomization["images"]}
    lrs = manifests("lrs.yaml")
    [ralph] = containers(lrs[("Deployment", "lrs")]).values()
    env = env_of(ralph)
    assert ralph["image"] == "workplace-tutor/lrs" and env["RALPH_RUNSERVER_BACKEND"]["value"] == "mongo"
    assert env["LRS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "tutor-secrets", "key": "TUTOR_LRS_PASSWORD"}
    assert "$(LRS_MONGO_PASSWORD)" in env["RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI"]["value"]
    assert lrs[("Service", "lrs")]["spec"]["ports"][0]["port"] == 8100
    assert ("StatefulSet", "mongo") in manifests("mongo.yaml")

    sender = containers(manifests("tutor.yaml")[("Deployment", "tutor")])["lrs-sender"]
    assert sender["command"] == ["tutor", "lrs", "send", "--follow"]
    assert env_of(sender)["TUTOR_LRS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"] == "TUTOR_LRS_PASSWORD"
    config = yaml.safe_load(manifests("configmap.yaml")[("ConfigMap", "tutor-config")]["data"]["tutor.yml"])
    assert config["lrs"] == yaml.safe_load((DEPLOY / "tutor.container.yml").read_text())["lrs"]


def test_every_secret_a_manifest_reads_is_in_the_example_secret_and_no_password_is_inline():
    keys = set(yaml.safe_load((K8S / "secret.example.yaml").read_text())["stringData"])
    for path in K8S.glob("*.yaml"):
        for manifest in yaml.safe_load_all(path.read_text()):
            for env in _envs(manifest):
                ref = (env.get("valueFrom") or {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "tutor-secrets" and ref["key"] in keys, f"{path.name}: {env['name']}"
                elif "PASSWORD" in env["name"] or "SECRET" in env["name"]:
                    raise AssertionError(f"{path.name}: {env['name']} is written into the manifest")


def _envs(node):
    if isinstance(node, dict):
        if isinstance(node.get("env"), list):
            yield from node["env"]
        for value in node.values():
            yield from _envs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _envs(value)


def test_the_lrs_image_installs_the_same_ralph_as_the_projects_environment():
    requirements = DEPLOY.parent / "requirements"
    pinned = re.search(r"ralph-malph\[[^\]]+\]==([\d.]+)", (requirements / "ralph.txt").read_text()).group(1)
    mongo = (requirements / "ralph-mongo.txt").read_text()
    assert "-r ralph.txt" in mongo and f"ralph-malph[backend-mongo]=={pinned}" in mongo

"""The Kubernetes deployment (deploy/): every YAML file parses, and the values, manifests and
Dockerfiles say what the running assistant needs: the files are read against the project's own
sources (endpoints.yml, credentials.yml, scripts/env.sh, scripts/services.py, requirements/lock.txt)
and against the types of the `rasa` chart's values schema."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.webshops import NLU_FILE
from scripts.services import Services
from tests.conftest import ROOT
from webapp.config import DEFAULT_BUNDLE, PROJECT_ROOT

DEPLOY = ROOT / "deploy"
SECRET_NAME = "klantenservice-secrets"
PLACEHOLDER = re.compile(r"^(CHANGE-ME|<[^>]*>)$")
REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
# The chart's default tracker/lock store keys (charts/rasa/values.yaml) that must be removed (null)
# because the project's stores take one URL.
CHART_TRACKER_DEFAULTS = ("dialect", "port", "username", "password", "db", "login_db")
CHART_LOCK_DEFAULTS = ("port", "password", "db")


def documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def yaml_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.suffix in (".yml", ".yaml"))


def values(name: str) -> dict:
    (doc,) = documents(DEPLOY / "helm" / name)
    return doc


def manifests() -> list[dict]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yml")) for doc in documents(path)]


def manifest(kind: str, name: str) -> dict:
    (found,) = [d for d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def env_map(env: list[dict]) -> dict[str, dict]:
    names = [item["name"] for item in env]
    assert len(names) == len(set(names)), f"duplicate variables: {names}"
    return {item["name"]: item for item in env}


def web_container() -> dict:
    (container,) = manifest("Deployment", "klantenservice-web")["spec"]["template"]["spec"]["containers"]
    return container


def lock_versions() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements" / "lock.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def dockerfile(name: str) -> str:
    return (DEPLOY / "docker" / name).read_text(encoding="utf-8")


def base_image(text: str) -> str:
    (line,) = [line for line in text.splitlines() if line.startswith("FROM ")]
    return line.split()[1]


def placeholders_in(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", text))


def purge_job() -> dict:
    return manifest("CronJob", "klantenservice-purge")


def purge_container() -> dict:
    (container,) = purge_job()["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    return container


ENVIRONMENTS = {
    "rasa": lambda: values("rasa-values.yml")["extraEnv"],
    "actions": lambda: values("actions-values.yml")["extraEnv"],
    "web": lambda: web_container()["env"],
    "purge": lambda: purge_container()["env"],
}


# --- every file -------------------------------------------------------------------------------------


def test_every_yaml_file_under_deploy_parses():
    files = yaml_files()
    names = {p.relative_to(DEPLOY).as_posix() for p in files}
    assert {
        "helm/rasa-values.yml",
        "helm/actions-values.yml",
        "k8s/web.yml",
        "k8s/secrets.example.yml",
        "k8s/rasa-sticky-service.yml",
        "k8s/rasa-socketio-ingress.yml",
        "k8s/network-policies.yml",
        "helm/postgresql-values.yml",
        "helm/redis-values.yml",
        "k8s/retention.yml",
    } <= names
    for path in files:
        assert documents(path), f"{path} is empty"


def test_no_environment_pins_the_clock_in_production():
    for path in yaml_files():
        assert "KLANTENSERVICE_NOW" not in yaml.safe_dump(documents(path)), path


@pytest.mark.parametrize("process", sorted(ENVIRONMENTS))
def test_no_variable_holds_a_literal_secret(process):
    for name, item in env_map(ENVIRONMENTS[process]()).items():
        if re.search(r"TOKEN|PASSWORD|SECRET", name):
            assert "value" not in item, f"{process}: {name} is a literal"
            assert item["valueFrom"]["secretKeyRef"]["name"] == SECRET_NAME
        if "@" in item.get("value", ""):  # a URL with credentials: the password is a reference
            password = re.match(r"^[a-z]+://[^:/@]*:([^@]*)@", item["value"]).group(1)
            assert REFERENCE.fullmatch(password), f"{process}: {name} has a literal password"


@pytest.mark.parametrize("process", sorted(ENVIRONMENTS))
def test_every_reference_is_defined_before_it_is_used(process):
    """Kubernetes expands $(VAR) in a value only from variables listed earlier."""
    defined: set[str] = set()
    for item in ENVIRONMENTS[process]():
        for name in REFERENCE.findall(item.get("value", "")):
            assert name in defined, f"{process}: {item['name']} uses $({name}) before it is defined"
        defined.add(item["name"])


# --- the Rasa server ----------------------------------------------------------------------------------


def test_the_rasa_image_is_the_project_image_on_rasa_3_6_21():
    image = values("rasa-values.yml")["image"]
    assert "3.6.21" in image["tag"]
    assert image["repository"] and not image["repository"].startswith("rasa/")
    assert lock_versions()["rasa"] == "3.6.21"
    assert base_image(dockerfile("rasa.Dockerfile")) == f"rasa/rasa:{lock_versions()['rasa']}"


def test_the_rasa_server_runs_several_replicas_with_the_model_of_the_image():
    rasa = values("rasa-values.yml")
    assert rasa["replicaCount"] >= 2
    settings = rasa["applicationSettings"]
    assert settings["initialModel"] == "" and settings["trainInitialModel"] is False
    args = rasa["args"]
    assert args[args.index("--model") + 1] == "models/klantenservice.tar.gz"
    assert "COPY --chown=1001:0 models/klantenservice.tar.gz models/klantenservice.tar.gz" in dockerfile(
        "rasa.Dockerfile"
    )


def test_the_rasa_server_is_started_as_scripts_services_starts_it():
    env = {
        "RASA_PORT": "5005",
        "ACTION_PORT": "5055",
        "MODEL_PATH": "models/klantenservice.tar.gz",
        "RASA_TOKEN": "t",
        "CORS_ORIGINS": "https://a",
    }
    local = Services(env=env).commands()["rasa"]
    args = values("rasa-values.yml")["args"]
    assert args[0] == "run"
    assert {a.split("=")[0] for a in local if a.startswith("--")} <= {a for a in args if a.startswith("--")}
    assert "--jwt-secret" not in args  # the chart's default would add a guessable JWT key
    assert args[args.index("--credentials") + 1] == "credentials.yml"
    assert args[args.index("--endpoints") + 1] == "endpoints.yml"


def test_the_api_token_comes_from_the_secret_and_never_from_the_values():
    rasa = values("rasa-values.yml")
    assert rasa["applicationSettings"]["token"] == ""
    args = rasa["args"]
    token = REFERENCE.fullmatch(args[args.index("--auth-token") + 1]).group(1)
    ref = env_map(rasa["extraEnv"])[token]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": SECRET_NAME, "key": "rasa-token"}
    web_ref = env_map(web_container()["env"])["RASA_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert web_ref == ref


def test_the_endpoints_are_those_of_endpoints_yml():
    project = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints = values("rasa-values.yml")["applicationSettings"]["endpoints"]
    tracker, lock = endpoints["trackerStore"], endpoints["lockStore"]
    assert tracker["enabled"] and lock["enabled"]
    assert tracker["type"] == project["tracker_store"]["type"] and tracker["url"] is None
    assert lock["type"] == project["lock_store"]["type"] and lock["url"] is None
    assert all(key in tracker and tracker[key] is None for key in CHART_TRACKER_DEFAULTS)
    assert all(key in lock and lock[key] is None for key in CHART_LOCK_DEFAULTS)
    additional = endpoints["additionalEndpoints"]
    assert additional["action_endpoint"] == project["action_endpoint"]
    assert additional["nlg"] == project["nlg"]


def test_the_tracker_store_is_postgresql_and_the_lock_store_redis():
    env = env_map(values("rasa-values.yml")["extraEnv"])
    assert env["TRACKER_STORE_URL"]["value"].startswith("postgresql://")
    assert env["KLANTENSERVICE_DB_URL"]["value"].startswith("postgresql://")
    assert re.match(r"^rediss?://[^/]+/\d+$", env["LOCK_STORE_URL"]["value"])


def test_the_channels_are_those_of_credentials_yml():
    project = yaml.safe_load((ROOT / "credentials.yml").read_text())
    channels = values("rasa-values.yml")["applicationSettings"]["credentials"]["additionalChannelCredentials"]
    assert {k: v or {} for k, v in channels.items()} == {k: v or {} for k, v in project.items()}


def test_the_action_endpoint_is_the_action_servers_service():
    actions = values("actions-values.yml")
    url = env_map(values("rasa-values.yml")["extraEnv"])["ACTION_ENDPOINT_URL"]["value"]
    assert url == f"http://{actions['fullnameOverride']}:{actions['service']['port']}/webhook"
    assert actions["applicationSettings"]["port"] == actions["service"]["port"] == 5055


# --- socket.io's sticky sessions --------------------------------------------------------------------


def test_socketio_is_sticky_by_cookie_on_the_ingress_and_by_client_ip_on_its_service():
    rasa = values("rasa-values.yml")
    ingress = manifest("Ingress", "klantenservice-rasa-socketio")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    annotations = ingress["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert annotations["nginx.ingress.kubernetes.io/session-cookie-name"]
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == rasa["ingress"]["hostname"]
    assert ingress["spec"]["tls"] == rasa["ingress"]["tls"]
    (socketio,) = [p for p in rule["http"]["paths"] if p["path"].rstrip("/") == "/socket.io"]
    sticky = manifest("Service", socketio["backend"]["service"]["name"])
    assert sticky["spec"]["sessionAffinity"] == "ClientIP"
    assert socketio["backend"]["service"]["port"]["name"] in {p["name"] for p in sticky["spec"]["ports"]}
    # The chart's pod labels: chart name and release name (the README installs it under fullnameOverride).
    assert sticky["spec"]["selector"] == {
        "app.kubernetes.io/name": "rasa",
        "app.kubernetes.io/instance": rasa["fullnameOverride"],
    }
    readme = (DEPLOY / "README.md").read_text()
    assert f"helm install {rasa['fullnameOverride']} rasa/rasa " in readme
    assert "kubectl apply -f deploy/k8s/rasa-socketio-ingress.yml" in readme


# --- the chart's values schema ------------------------------------------------------------------------
# The types that the `rasa` chart's values.schema.json (RasaHQ/helm-charts, chart 1.17) gives the keys
# this project sets. Helm checks the values against it before rendering and refuses another type.
RASA_CHART_TYPES = {
    "fullnameOverride": "string",
    "replicaCount": "integer",
    "args": "array",
    "extraEnv": "array",
    "image": "object",
    "image.repository": "string",
    "image.tag": "string",
    "image.pullPolicy": "string",
    "image.pullSecrets": "array",
    "applicationSettings": "object",
    "applicationSettings.debugMode": "boolean",
    "applicationSettings.port": "integer",
    "applicationSettings.initialModel": "string",
    "applicationSettings.trainInitialModel": "boolean",
    "applicationSettings.token": "string",
    "applicationSettings.cors": "string",
    "applicationSettings.enableAPI": "boolean",
    "applicationSettings.telemetry.enabled": "boolean",
    "applicationSettings.credentials.enabled": "boolean",
    "applicationSettings.credentials.additionalChannelCredentials": "object",
    "applicationSettings.endpoints.additionalEndpoints": "object",
    "applicationSettings.endpoints.models.enabled": "boolean",
    "applicationSettings.endpoints.eventBroker.enabled": "boolean",
    **{
        f"applicationSettings.endpoints.trackerStore.{key}": "string"
        for key in ("type", "url", "dialect", "port", "username", "password", "db", "login_db")
    },
    "applicationSettings.endpoints.trackerStore.enabled": "boolean",
    **{
        f"applicationSettings.endpoints.lockStore.{key}": "string"
        for key in ("type", "url", "port", "password", "db")
    },
    "applicationSettings.endpoints.lockStore.enabled": "boolean",
    "service.type": "string",
    "service.port": "integer",
    "service.annotations": "object",
    "ingress": "object",
    "ingress.enabled": "boolean",
    "ingress.annotations": "object",
    "ingress.labels": "object",
    "ingress.hostname": "string",
    "ingress.path": "string",
    "ingress.pathType": "string",
    "ingress.tls": "array",
    "ingress.extraPaths": "object",
    "nginx.enabled": "boolean",
    "postgresql.install": "boolean",
    "redis.install": "boolean",
    "rabbitmq.install": "boolean",
    "rasa-action-server.install": "boolean",
    "resources": "object",
    "affinity": "object",
    "podSecurityContext": "object",
    "securityContext": "object",
    "livenessProbe.initialDelaySeconds": "integer",
    "readinessProbe.initialDelaySeconds": "integer",
    "volumes": "array",
    "volumeMounts": "array",
    "initContainers": "array",
    "extraContainers": "array",
}
JSON_TYPES = {"string": str, "integer": int, "boolean": bool, "object": dict, "array": list}


def flattened(tree: dict, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every key of a values tree as a dotted path, with its value."""
    for key, value in tree.items():
        yield f"{prefix}{key}", value
        if isinstance(value, dict):
            yield from flattened(value, f"{prefix}{key}.")


def schema_type_errors(tree: dict) -> list[str]:
    errors = []
    for path, value in flattened(tree):
        if path not in RASA_CHART_TYPES or value is None:  # null removes the chart's default
            continue
        expected = JSON_TYPES[RASA_CHART_TYPES[path]]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            errors.append(f"{path}: {RASA_CHART_TYPES[path]} expected, {type(value).__name__} given")
    return errors


def test_the_rasa_values_have_the_types_of_the_charts_schema():
    rasa = values("rasa-values.yml")
    assert schema_type_errors(rasa) == []
    assert sum(path in RASA_CHART_TYPES for path, _ in flattened(rasa)) >= 40  # the check reaches them


def test_a_list_of_extra_ingress_paths_breaks_the_charts_schema():
    rasa = values("rasa-values.yml")
    listed = {**rasa, "ingress": {**rasa["ingress"], "extraPaths": [{"path": "/socket.io"}]}}
    assert schema_type_errors(listed) == ["ingress.extraPaths: object expected, list given"]


def test_the_chat_page_and_socketio_share_one_origin():
    """The affinity cookie travels only on same-origin requests of the widget."""
    host = values("rasa-values.yml")["ingress"]["hostname"]
    (rule,) = manifest("Ingress", "klantenservice-web")["spec"]["rules"]
    assert rule["host"] == host
    web = env_map(web_container()["env"])
    rasa = env_map(values("rasa-values.yml")["extraEnv"])
    assert web["RASA_PUBLIC_URL"]["value"] == f"https://{host}"
    assert rasa["CORS_ORIGINS"]["value"] == f"https://{host}"


# --- the variables each process needs -----------------------------------------------------------------


def env_sh_variables() -> set[str]:
    return set(re.findall(r"^export ([A-Z_]+)", (ROOT / "scripts" / "env.sh").read_text(), re.M))


def test_the_rasa_server_gets_every_variable_of_its_configuration():
    # The classes of endpoints.yml and credentials.yml read these, each with an embedded default.
    needed = {"TRACKER_STORE_URL", "LOCK_STORE_URL", "ACTION_ENDPOINT_URL", "CORS_ORIGINS"}
    needed |= {"KLANTENSERVICE_DB_URL"}  # channels/delivery.py: the agents' queue
    assert not placeholders_in((ROOT / "endpoints.yml").read_text())
    assert not placeholders_in((ROOT / "credentials.yml").read_text())
    assert needed <= env_sh_variables()
    assert needed <= set(env_map(values("rasa-values.yml")["extraEnv"]))


def test_the_action_server_gets_its_database():
    env = env_map(values("actions-values.yml")["extraEnv"])
    assert env["KLANTENSERVICE_DB_URL"]["value"].startswith("postgresql://")
    assert values("actions-values.yml")["args"][:3] == ["start", "--actions", "actions"]


def test_the_web_app_gets_every_variable_it_reads():
    needed = {
        "RASA_URL",
        "RASA_TOKEN",
        "RASA_PUBLIC_URL",
        "KLANTENSERVICE_DB_URL",
        "TRACKER_STORE_URL",
        "WEB_HOST",
        "WEB_PORT",
    }
    assert needed <= env_sh_variables() | {"WEB_HOST"}  # WEB_HOST: webapp's own default
    env = env_map(web_container()["env"])
    assert needed <= set(env)
    assert env["WEB_HOST"]["value"] == "0.0.0.0"
    assert env["RASA_URL"]["value"] == f"http://{values('rasa-values.yml')['fullnameOverride']}:5005"
    assert web_container()["command"] == ["python", "-m", "webapp"]


def test_the_purge_job_runs_the_retention_purge_on_the_web_apps_databases_one_at_a_time():
    job = purge_job()
    assert job["spec"]["concurrencyPolicy"] == "Forbid"
    container = purge_container()
    assert container["command"] == ["python", "-m", "bot.retention", "purge"]
    assert container["image"] == web_container()["image"]  # the image that holds bot/
    env, web = env_map(container["env"]), env_map(web_container()["env"])
    for name in ("KLANTENSERVICE_DB_URL", "TRACKER_STORE_URL"):
        assert env[name]["value"] == web[name]["value"]


# --- secrets ------------------------------------------------------------------------------------------


def test_the_secret_template_holds_placeholders_only():
    (secret,) = documents(DEPLOY / "k8s" / "secrets.example.yml")
    assert secret["kind"] == "Secret" and secret["metadata"]["name"] == SECRET_NAME
    assert "data" not in secret
    assert secret["stringData"]
    for key, value in secret["stringData"].items():
        assert PLACEHOLDER.match(str(value)), f"{key} is not a placeholder"


def test_every_secret_reference_names_a_key_of_the_template():
    (secret,) = documents(DEPLOY / "k8s" / "secrets.example.yml")
    refs = [
        item["valueFrom"]["secretKeyRef"]
        for process in ENVIRONMENTS.values()
        for item in process()
        if "valueFrom" in item
    ]
    assert refs
    for ref in refs:
        assert ref["name"] == SECRET_NAME and ref["key"] in secret["stringData"]
    assert "Secret" not in {
        d["kind"]
        for path in (DEPLOY / "k8s").glob("*.yml")
        if path.name != "secrets.example.yml"
        for d in documents(path)
    }


# --- images -------------------------------------------------------------------------------------------


def test_the_action_server_image_is_on_the_locks_rasa_sdk():
    sdk = lock_versions()["rasa-sdk"]
    assert base_image(dockerfile("actions.Dockerfile")) == f"rasa/rasa-sdk:{sdk}"
    assert sdk in values("actions-values.yml")["image"]["tag"]


def test_the_dockerfiles_copy_what_the_processes_import():
    rasa, actions, web = (
        dockerfile("rasa.Dockerfile"),
        dockerfile("actions.Dockerfile"),
        dockerfile("web.Dockerfile"),
    )
    for package in ("rasa_runtime/", "channels/", "build/spacy-nl/"):
        assert f" {package} " in rasa, package
    for path in ("actions/", "klantenservice.yml", NLU_FILE.relative_to(ROOT).as_posix()):
        assert f" {path} " in actions + " ", path
    bundle = DEFAULT_BUNDLE.relative_to(PROJECT_ROOT).as_posix()
    assert f"COPY {bundle} {bundle}" in web and "COPY webapp/ webapp/" in web and "COPY bot/ bot/" in web
    assert base_image(web).startswith("python:3.10")
    for text in (rasa, actions, web):
        assert "ENV PYTHONPATH=/app" in text and "requirements/lock.txt" in text


# Each image holds the code its process runs: the packages it starts from and every project module
# they import, found by reading the import statements (tests/unit/test_webapp.py has no Rasa, so
# importing the modules here would not tell).
FIRST_PARTY = ("actions", "bot", "channels", "rasa_runtime", "webapp")
IMAGE_ROOTS = {
    "rasa.Dockerfile": ("rasa_runtime", "channels"),
    "actions.Dockerfile": ("actions",),
    "web.Dockerfile": ("webapp",),
}
WEB_ONLY = {"webapp", "matplotlib", "jinja2"}


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path / "__init__.py", path.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


def imported_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def import_closure(packages: tuple[str, ...]) -> tuple[set[Path], set[str]]:
    """The project's files that the packages need (with their packages' __init__.py) and the
    top-level names of everything else they import."""
    todo = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for package in packages
        for path in (ROOT / package).rglob("*.py")
    ]
    files: set[Path] = set()
    others: set[str] = set()
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            path = module_file(".".join(parts[:depth]))
            if path is None or path in files:
                continue
            files.add(path)
            for imported in imported_names(path):
                if imported.split(".")[0] in FIRST_PARTY:
                    todo.append(imported)
                else:
                    others.add(imported.split(".")[0])
    return files, others


def copied_sources(text: str) -> list[str]:
    """The sources of the COPY instructions (the last word of each is the destination)."""
    sources: list[str] = []
    for line in text.replace("\\\n", " ").splitlines():
        words = line.split()
        if words and words[0] == "COPY":
            sources += [word for word in words[1:-1] if not word.startswith("--")]
    return sources


def is_copied(path: Path, sources: list[str]) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return any(
        relative == source or (source.endswith("/") and relative.startswith(source)) for source in sources
    )


@pytest.mark.parametrize("image", sorted(IMAGE_ROOTS))
def test_each_image_copies_every_module_its_process_imports(image):
    files, _ = import_closure(IMAGE_ROOTS[image])
    sources = copied_sources(dockerfile(image))
    missing = sorted(path.relative_to(ROOT).as_posix() for path in files if not is_copied(path, sources))
    assert missing == [], f"{image} lacks modules its process imports"


@pytest.mark.parametrize("image", ["rasa.Dockerfile", "actions.Dockerfile"])
def test_the_rasa_and_action_server_images_hold_no_web_app_and_only_the_bot_modules_they_import(image):
    files, others = import_closure(IMAGE_ROOTS[image])
    assert not WEB_ONLY & (others | {path.relative_to(ROOT).parts[0] for path in files})
    sources = copied_sources(dockerfile(image))
    assert not [source for source in sources if source.split("/")[0] == "webapp"]
    assert "bot/" not in sources
    bot_files = {source for source in sources if source.startswith("bot/")}
    assert bot_files == {path.relative_to(ROOT).as_posix() for path in files if path.parts[-2] == "bot"}


def test_the_import_closure_follows_imports_into_bot():
    files, others = import_closure(("webapp",))
    names = {path.relative_to(ROOT).as_posix() for path in files}
    assert {"webapp/app.py", "bot/__init__.py", "bot/insight.py", "bot/rasa_api.py"} <= names
    assert {"aiohttp", "matplotlib", "jinja2"} <= others


def test_the_build_context_keeps_what_the_images_copy():
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    for kept in (
        "!models/klantenservice.tar.gz",
        "!build/spacy-nl",
        "!node_modules/rasa-webchat/lib/index.js",
    ):
        assert kept in ignore


def test_the_readmes_explain_the_installation_and_sticky_sessions():
    deploy = (DEPLOY / "README.md").read_text()
    assert "helm repo add rasa https://helm.rasa.com\n" in deploy  # the repository the charts' README names
    # The document speaks of the deployment, not of the circumstances its files were written in
    assert not re.search(r"not available|niet beschikbaar|were written", deploy)
    assert (
        "helm install klantenservice-actions rasa/rasa-action-server -f deploy/helm/actions-values.yml"
        in deploy
    )
    assert "## Why socket.io needs sticky sessions" in deploy
    main = (ROOT / "README.md").read_text()
    assert main.index("## Running on Kubernetes") < main.index("## Settings")
    assert "deploy/README.md" in main[main.index("## Running on Kubernetes") : main.index("## Settings")]


def test_the_database_is_migrated_before_the_web_app_starts():
    spec = manifest("Deployment", "klantenservice-web")["spec"]["template"]["spec"]
    (migrate,) = spec["initContainers"]
    assert migrate["command"] == ["python", "-m", "bot.database", "upgrade"]
    assert migrate["image"] == web_container()["image"]
    env = env_map(migrate["env"])
    assert env["KLANTENSERVICE_DB_URL"] == env_map(web_container()["env"])["KLANTENSERVICE_DB_URL"]
    for name in ("web.Dockerfile", "actions.Dockerfile", "rasa.Dockerfile"):  # bot.database migrates
        assert " migrations/ migrations/" in dockerfile(name), name


def test_the_rasa_server_and_the_action_server_share_the_action_server_secret():
    refs = []
    for name in ("rasa-values.yml", "actions-values.yml"):
        (values,) = documents(DEPLOY / "helm" / name)
        refs.append(env_map(values["extraEnv"])["ACTION_SERVER_SECRET"]["valueFrom"]["secretKeyRef"])
    assert refs[0] == refs[1] == {"name": SECRET_NAME, "key": "action-server-secret"}


# --- who may connect to whom: the NetworkPolicies ------------------------------------------------------
# Each process is a pod group with the labels its chart or manifest gives its pods, the port its
# container listens on, and its environment. The policies are evaluated as Kubernetes evaluates
# them (a connection is allowed when some policy selecting the target admits it; a target that no
# policy selects would accept anything).

INGRESS_CONTROLLER = {
    "namespace": {"kubernetes.io/metadata.name": "ingress-nginx"},
    "labels": {"app.kubernetes.io/name": "ingress-nginx"},
}
# Bitnami's charts label pods with the chart name and the release name; deploy/README.md installs
# them as these releases, whose Services the URLs name.
BITNAMI = {
    "postgresql": {"release": "klantenservice-postgresql", "host": "klantenservice-postgresql", "port": 5432},
    "redis": {"release": "klantenservice-redis", "host": "klantenservice-redis-master", "port": 6379},
}


def chart_pod_labels(chart: str, release: str) -> dict[str, str]:
    """rasa-common.labels.selectorLabels and Bitnami's common.labels.matchLabels alike."""
    return {"app.kubernetes.io/name": chart, "app.kubernetes.io/instance": release}


def pod_templates() -> Iterator[dict]:
    """Every pod template of the plain manifests (Deployments, Jobs, CronJobs, ...)."""
    for doc in manifests():
        spec = doc.get("spec") or {}
        if doc["kind"] == "CronJob":
            yield spec["jobTemplate"]["spec"]["template"]
        elif "template" in spec:
            yield spec["template"]


def workloads() -> dict[str, dict]:
    """name -> labels, port (None when nothing connects to it) and every variable value it is given."""
    rasa, actions = values("rasa-values.yml"), values("actions-values.yml")
    found = {
        "rasa": {
            "labels": chart_pod_labels("rasa", rasa["fullnameOverride"]),
            "port": rasa["applicationSettings"]["port"],
            "env": rasa["extraEnv"],
            "containers": [rasa["extraEnv"]],
        },
        "actions": {
            "labels": chart_pod_labels("rasa-action-server", actions["fullnameOverride"]),
            "port": actions["applicationSettings"]["port"],
            "env": actions["extraEnv"],
            "containers": [actions["extraEnv"]],
        },
    }
    for template in pod_templates():
        spec = template["spec"]
        containers = spec.get("initContainers", []) + spec["containers"]
        ports = [p["containerPort"] for c in spec["containers"] for p in c.get("ports", [])]
        name = template["metadata"]["labels"].get("app.kubernetes.io/name") or spec["containers"][0]["name"]
        found[name] = {
            "labels": template["metadata"]["labels"],
            "port": ports[0] if ports else None,
            "env": [item for container in containers for item in container.get("env", [])],
            "containers": [container.get("env", []) for container in containers],
        }
    for chart, facts in BITNAMI.items():
        labels = chart_pod_labels(chart, facts["release"])
        found[chart] = {"labels": labels, "port": facts["port"], "env": [], "containers": []}
    return found


def policies() -> list[dict]:
    return [
        doc for doc in documents(DEPLOY / "k8s" / "network-policies.yml") if doc["kind"] == "NetworkPolicy"
    ]


def selects(selector: dict, labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, f"only matchLabels is evaluated here: {selector}"
    return (selector.get("matchLabels") or {}).items() <= labels.items()


def peer_admits(peer: dict, source: dict) -> bool:
    assert set(peer) <= {"podSelector", "namespaceSelector"}, f"unexpected peer {peer}"
    namespace = source.get("namespace")
    if "namespaceSelector" in peer:
        in_namespace = namespace is not None and selects(peer["namespaceSelector"], namespace)
    else:
        in_namespace = namespace is None  # a bare podSelector means the policy's own namespace
    return in_namespace and selects(peer.get("podSelector", {}), source["labels"])


def allowed(source: dict, target: dict, port: int) -> bool:
    governing = [
        policy
        for policy in policies()
        if "Ingress" in policy["spec"]["policyTypes"]
        and selects(policy["spec"]["podSelector"], target["labels"])
    ]
    if not governing:
        return True
    return any(
        (
            not rule.get("ports")
            or any(p["port"] == port and p.get("protocol", "TCP") == "TCP" for p in rule["ports"])
        )
        and (not rule.get("from") or any(peer_admits(peer, source) for peer in rule["from"]))
        for policy in governing
        for rule in policy["spec"].get("ingress", [])
    )


def names_host(workload: dict, host: str) -> bool:
    return any(re.search(rf"[/@]{re.escape(host)}[:/]", item.get("value", "")) for item in workload["env"])


def services_called(workload: dict) -> set[str]:
    """The pod groups a process connects to, read from its variables' URLs."""
    hosts = {
        "rasa": values("rasa-values.yml")["fullnameOverride"],
        "actions": values("actions-values.yml")["fullnameOverride"],
        **{chart: facts["host"] for chart, facts in BITNAMI.items()},
    }
    return {name for name, host in hosts.items() if names_host(workload, host)}


def ingress_backends() -> set[str]:
    """The Services that the public Ingresses route to (the chart's own Ingress goes to its Service)."""
    backends = {values("rasa-values.yml")["fullnameOverride"]}
    for doc in manifests():
        if doc["kind"] == "Ingress":
            for rule in doc["spec"]["rules"]:
                backends |= {path["backend"]["service"]["name"] for path in rule["http"]["paths"]}
    return backends


def service_pods(service_name: str) -> dict[str, str]:
    """The labels a Service selects: the `rasa` chart's Service its pods' chart labels, a
    manifest's Service its selector."""
    if service_name == values("rasa-values.yml")["fullnameOverride"]:
        return workloads()["rasa"]["labels"]
    return manifest("Service", service_name)["spec"]["selector"]


def test_every_pod_refuses_connections_unless_a_policy_admits_them():
    (deny,) = [p for p in policies() if p["spec"]["podSelector"] == {}]
    assert deny["spec"]["policyTypes"] == ["Ingress"] and not deny["spec"].get("ingress")
    stranger = {"labels": {"app.kubernetes.io/name": "debug-shell"}}
    for name, target in workloads().items():
        if target["port"] is not None:
            assert not allowed(stranger, target, target["port"]), f"any pod reaches {name}"


def test_each_policy_selects_the_pods_of_one_service_on_the_port_their_container_listens_on():
    by_labels = {tuple(sorted(w["labels"].items())): (name, w) for name, w in workloads().items()}
    covered = set()
    for policy in policies():
        selector = policy["spec"]["podSelector"].get("matchLabels")
        if not selector:
            continue
        (name, target), *others = [v for k, v in by_labels.items() if selector.items() <= dict(k).items()]
        assert not others, f"{policy['metadata']['name']} selects several pod groups"
        ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
        assert ports == {target["port"]}, f"{policy['metadata']['name']}: {ports} != {target['port']}"
        covered.add(name)
    assert covered == {name for name, w in workloads().items() if w["port"] is not None}
    # The Services select the same pods: the web app's and the sticky one by their manifests, the
    # charts' Services by the chart labels (test_socketio_is_sticky... checks the sticky selector).
    web_selector = manifest("Service", "klantenservice-web")["spec"]["selector"]
    (web_policy,) = [p for p in policies() if p["metadata"]["name"] == "klantenservice-web"]
    assert web_policy["spec"]["podSelector"]["matchLabels"] == web_selector
    sticky = manifest("Service", "klantenservice-rasa-sticky")["spec"]["selector"]
    (rasa_policy,) = [p for p in policies() if p["metadata"]["name"] == "klantenservice-rasa"]
    assert rasa_policy["spec"]["podSelector"]["matchLabels"] == sticky
    (web_port,) = web_container()["ports"]
    assert web_port["containerPort"] == workloads()["klantenservice-web"]["port"]


def test_each_process_reaches_exactly_the_services_its_variables_name():
    everything = workloads()
    for source_name, source in everything.items():
        reachable = {
            name
            for name, target in everything.items()
            if name != source_name and target["port"] is not None and allowed(source, target, target["port"])
        }
        assert reachable == services_called(source), source_name
    assert services_called(everything["rasa"]) == {"actions", "postgresql", "redis"}
    assert services_called(everything["actions"]) == {"postgresql"}
    assert services_called(everything["klantenservice-web"]) == {"rasa", "postgresql"}  # RASA_URL: the API


def test_from_outside_only_the_ingress_controller_reaches_the_ingresses_backends():
    everything = workloads()
    public = {
        name
        for name, w in everything.items()
        if any(service_pods(service).items() <= w["labels"].items() for service in ingress_backends())
    }
    assert public == {"rasa", "klantenservice-web"}
    for name, target in everything.items():
        if target["port"] is not None:
            assert allowed(INGRESS_CONTROLLER, target, target["port"]) == (name in public), name
    other_namespace = {
        "namespace": {"kubernetes.io/metadata.name": "elsewhere"},
        "labels": INGRESS_CONTROLLER["labels"],
    }
    assert not any(allowed(other_namespace, w, w["port"]) for w in everything.values() if w["port"])


def test_the_ingresses_expose_the_channels_and_not_the_http_api():
    rasa = values("rasa-values.yml")
    paths = {rasa["ingress"]["path"]}
    for doc in manifests():
        if doc["kind"] == "Ingress":
            for rule in doc["spec"]["rules"]:
                paths |= {
                    p["path"]
                    for p in rule["http"]["paths"]
                    if service_pods(p["backend"]["service"]["name"]) == workloads()["rasa"]["labels"]
                }
    assert paths == {"/socket.io", "/webhooks/rest"}


def test_a_job_labelled_as_a_database_client_reaches_postgresql_and_nothing_else():
    job = {
        "labels": {
            "app.kubernetes.io/name": "klantenservice-purge",
            "klantenservice-postgresql-client": "true",
        }
    }
    reachable = {name for name, w in workloads().items() if w["port"] and allowed(job, w, w["port"])}
    assert reachable == {"postgresql"}


def test_redis_requires_the_password_and_every_redis_client_sends_it():
    redis_values = values("redis-values.yml")
    auth = redis_values["auth"]
    assert auth["enabled"] is True and auth["existingSecret"] == SECRET_NAME
    host = BITNAMI["redis"]["host"]
    clients = 0
    for name, workload in workloads().items():
        for env in map(env_map, workload["containers"]):
            for variable, item in env.items():
                value = item.get("value", "")
                if not re.search(rf"@{re.escape(host)}:|//{re.escape(host)}:", value):
                    continue
                clients += 1
                match = re.match(rf"^rediss?://:\$\(([A-Z_]+)\)@{re.escape(host)}:\d+/\d+$", value)
                assert match, f"{name}: {variable} connects to Redis without the password"
                ref = env[match.group(1)]["valueFrom"]["secretKeyRef"]
                assert ref == {"name": SECRET_NAME, "key": auth["existingSecretPasswordKey"]}, variable
    # The Rasa server's two Redis clients: the lock store and socket.io's message queue.
    assert clients == 2
    rasa_env = env_map(values("rasa-values.yml")["extraEnv"])
    assert {"LOCK_STORE_URL", "SOCKETIO_MESSAGE_QUEUE"} == {
        v for v, item in rasa_env.items() if host in item.get("value", "")
    }


def test_the_bitnami_charts_own_permissive_policies_are_off():
    assert values("redis-values.yml")["networkPolicy"]["enabled"] is False
    postgresql = values("postgresql-values.yml")
    assert postgresql["primary"]["networkPolicy"]["enabled"] is False
    assert postgresql["auth"]["existingSecret"] == SECRET_NAME
    readme = (DEPLOY / "README.md").read_text()
    for chart, facts in BITNAMI.items():
        install = f"helm install {facts['release']} oci://registry-1.docker.io/bitnamicharts/{chart} \\\n"
        assert install + f"  -f deploy/helm/{chart}-values.yml\n" in readme, chart
    assert "kubectl apply -f deploy/k8s/network-policies.yml" in readme


def test_every_public_ingress_caps_the_request_body():
    annotations = [values("rasa-values.yml")["ingress"]["annotations"]]
    annotations += [doc["metadata"]["annotations"] for doc in manifests() if doc["kind"] == "Ingress"]
    assert len(annotations) == 3
    for found in annotations:
        assert found["nginx.ingress.kubernetes.io/proxy-body-size"] == "1m"


def test_the_action_servers_probes_ask_the_path_it_leaves_open():
    from actions.caller_check import OPEN_PATHS

    actions = values("actions-values.yml")
    assert (
        actions["livenessProbe"]["initialDelaySeconds"] > actions["readinessProbe"]["initialDelaySeconds"] > 0
    )
    assert "/health" in OPEN_PATHS  # the chart's probes GET /health

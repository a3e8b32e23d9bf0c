"""The web app (webapp) in process: the Dutch page, its headers, its static files, its config."""

from __future__ import annotations

import ast
import asyncio
import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import ROOT
from webapp.app import create_app
from webapp.chat_page import QUICK_QUESTIONS, content_security_policy
from webapp.config import DEFAULT_BUNDLE, WebConfig

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=AMSTERDAM)
SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=AMSTERDAM)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "index.js"
    path.write_text("/* stand-in for rasa-webchat */ window.WebChat = {};\n")
    return path


def config(bundle: Path, public_url: str = "http://localhost:5005") -> WebConfig:
    return WebConfig(host="127.0.0.1", port=8080, rasa_public_url=public_url, bundle_path=bundle)


def fetch(
    make_app: Callable[[], web.Application], path: str, method: str = "GET"
) -> tuple[int, dict[str, str], str]:
    """One request to a new app (an aiohttp app belongs to the event loop it first ran on)."""

    async def request() -> tuple[int, dict[str, str], str]:
        async with TestClient(TestServer(make_app())) as client:
            response = await client.request(method, path)
            return response.status, dict(response.headers), await response.text()

    return asyncio.run(request())


def app_factory(bundle: Path) -> Callable[[], web.Application]:
    return lambda: create_app(config(bundle), now=lambda: TUESDAY_MORNING)


def page(bundle: Path, now: datetime = TUESDAY_MORNING, public_url: str = "http://localhost:5005") -> str:
    status, _, html = fetch(lambda: create_app(config(bundle, public_url), now=lambda: now), "/")
    assert status == 200
    return html


def test_the_page_is_dutch_with_a_title_and_the_widget_container(bundle):
    html = page(bundle)
    assert '<html lang="nl">' in html
    assert "<h1" in html and "Hoe kunnen we je helpen?" in html
    assert "data-klantenservice-chat" in html
    assert "De chat wordt geladen" in html


def test_the_page_says_people_are_available_while_staffed(bundle):
    html = page(bundle, TUESDAY_MORNING)
    assert "Onze medewerkers zijn er nu, vandaag tot 18:00." in html
    assert 'class="availability open"' in html


def test_the_page_says_when_people_are_back_while_closed(bundle):
    html = page(bundle, SUNDAY)
    assert "Onze medewerkers zijn er weer op maandag 30 november om 09:00 (ma–vr 9–18, za 9–13)." in html
    assert 'class="availability closed"' in html


def test_the_quick_questions_are_the_common_intents(bundle):
    html = page(bundle)
    payloads = re.findall(r'data-chat-question="([^"]+)"', html)
    assert payloads == ["/openingstijden", "/factuur_vraag", "/retour", "/klacht", "/medewerker_spreken"]
    for question in QUICK_QUESTIONS:
        assert f">{question.label}</button>" in html


def test_the_widget_gets_the_rasa_server_from_the_public_url(bundle):
    html = page(bundle, public_url="http://localhost:15005")
    assert 'data-socket-url="http://localhost:15005"' in html
    assert 'data-socket-path="/socket.io/"' in html


def test_a_rasa_server_behind_a_path_gets_its_socket_path(bundle):
    html = page(bundle, public_url="https://chat.example.nl/rasa/")
    assert 'data-socket-url="https://chat.example.nl"' in html
    assert 'data-socket-path="/rasa/socket.io/"' in html


def test_the_page_has_no_inline_script_or_event_handler(bundle):
    html = page(bundle)
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert scripts and all(body.strip() == "" for body in scripts)
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "googleapis" not in html and "cdn" not in html.lower()


@pytest.mark.parametrize(
    "path", ["/", "/static/widget.js", "/static/page.css", "/vendor/rasa-webchat.js", "/nope"]
)
def test_every_response_carries_the_security_headers(bundle, path):
    _, headers, _ = fetch(app_factory(bundle), path)
    assert headers["Content-Security-Policy"] == content_security_policy(config(bundle))
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_policy_allows_only_the_page_and_the_rasa_server(bundle):
    policy = dict(
        (part.split(" ", 1) + [""])[:2] for part in content_security_policy(config(bundle)).split("; ")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no inline scripts, no eval
    assert policy["connect-src"] == "'self' http://localhost:5005 ws://localhost:5005"
    assert policy["font-src"] == "'self' data:"
    assert policy["style-src"] == "'self' 'unsafe-inline'"  # the widget injects <style> elements
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"


def test_an_https_rasa_server_is_reached_over_wss(bundle):
    policy = content_security_policy(config(bundle, "https://chat.example.nl"))
    assert "connect-src 'self' https://chat.example.nl wss://chat.example.nl;" in policy


def test_the_bundle_and_static_files_are_served(bundle):
    app = app_factory(bundle)
    status, headers, body = fetch(app, "/vendor/rasa-webchat.js")
    assert status == 200 and "javascript" in headers["Content-Type"]
    assert "stand-in for rasa-webchat" in body
    status, headers, body = fetch(app, "/static/widget.js")
    assert status == 200 and "window.WebChat.default(" in body
    status, headers, _ = fetch(app, "/static/page.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css")


def test_health_and_dutch_errors(bundle):
    app = app_factory(bundle)
    assert fetch(app, "/health")[0] == 200
    assert fetch(app, "/bestaat-niet")[0:3:2] == (404, "Deze pagina bestaat niet.\n")
    status, headers, text = fetch(app, "/", method="POST")
    assert status == 405 and text == "Dat kan op deze pagina niet.\n"


def test_static_files_do_not_leave_their_folder(bundle):
    app = app_factory(bundle)
    assert fetch(app, "/static/../app.py")[0] in (403, 404)
    assert fetch(app, "/static/%2e%2e/app.py")[0] in (403, 404)


def test_the_widget_script_configures_webchat_in_dutch():
    script = (ROOT / "webapp" / "static" / "widget.js").read_text()
    for setting in (
        'customData: { language: "nl" }',
        "initPayload: INIT_PAYLOAD",
        'params: { storage: "local" }',
        'socketPath: data.socketPath || "/socket.io/"',
        "inputTextFieldHint:",
    ):
        assert setting in script
    assert 'INIT_PAYLOAD = "/begroeten"' in script
    assert 'placeholder: "Typ je vraag…"' in script
    assert "eval(" not in script and "innerHTML" not in script


def test_config_from_the_environment():
    config = WebConfig.from_env({"WEB_PORT": "18080", "RASA_PORT": "15005"})
    assert config.port == 18080
    assert config.rasa_public_url == "http://localhost:15005"
    assert (
        WebConfig.from_env({"RASA_PUBLIC_URL": "https://chat.example.nl/"}).rasa_public_url
        == "https://chat.example.nl"
    )
    with pytest.raises(ValueError):
        WebConfig.from_env({"RASA_PUBLIC_URL": "localhost:5005"})


def test_the_lock_file_pins_rasa_webchat_1_0_1():
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"]["rasa-webchat"] == "1.0.1"
    assert lock["packages"]["node_modules/rasa-webchat"]["version"] == "1.0.1"


def test_the_installed_bundle_is_the_umd_build_with_window_webchat():
    assert DEFAULT_BUNDLE.is_file(), "rasa-webchat is not installed: run `make setup` (npm ci)"
    head = DEFAULT_BUNDLE.read_text(encoding="utf-8")[:400]
    assert "e.WebChat=t()" in head


def test_the_page_quick_questions_match_the_greeting_buttons_in_the_domain():
    """Written twice (the page's buttons in app.py, the Dutch greeting's in domain.yml): kept in step."""
    import yaml

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    [greeting] = [
        variation for variation in domain["responses"]["utter_begroeten"] if not variation.get("condition")
    ]
    buttons = [(button["title"], button["payload"]) for button in greeting["buttons"]]
    assert buttons == [(question.label, question.payload) for question in QUICK_QUESTIONS]


def webapp_imports() -> dict[str, set[str]]:
    """Which modules of the package each module imports, wherever the import stands (also under
    TYPE_CHECKING or inside a function)."""
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "webapp").glob("*.py"):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "webapp":
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("webapp."):
                imported.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[1] for a in node.names if a.name.startswith("webapp.")}
        graph[path.stem] = imported
    return graph


def test_the_web_apps_modules_import_each_other_without_a_cycle():
    graph = webapp_imports()
    assert {"app", "config", "keys", "auth", "csrf", "labels", "queue_api"} <= set(graph)
    assert [module for module, imported in graph.items() if "app" in imported] == ["__main__"]
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"import cycle: {' -> '.join((*path, module))}"
        if module not in done:
            for imported in graph.get(module, ()):
                visit(imported, (*path, module))
            done.add(module)

    for module in graph:
        visit(module, ())


def test_the_team_lead_check_and_the_intent_labels_have_one_home():
    sources = {path.name: path.read_text(encoding="utf-8") for path in (ROOT / "webapp").glob("*.py")}
    assert [name for name, text in sources.items() if "is_team_lead" in text] == ["auth.py"]
    assert [name for name, text in sources.items() if '"Terugbetaling"' in text] == ["labels.py"]


def test_a_compressed_request_body_is_never_decompressed(bundle):
    """A zip bomb (aiohttp 3.9 decompresses a body in one piece) reaches a handler as the few bytes
    that were sent; without `auto_decompress: False` reading it would inflate it to 20 MB."""
    import gzip

    bomb = gzip.compress(b"\0" * 20_000_000)
    assert len(bomb) < 100_000

    async def body_length(request: web.Request) -> web.Response:
        return web.json_response({"length": len(await request.read())})

    def make_app() -> web.Application:
        app = create_app(config(bundle), now=lambda: TUESDAY_MORNING)
        app.router.add_post("/lengte", body_length)
        return app

    async def post() -> tuple[int, dict]:
        async with TestClient(TestServer(make_app())) as client:
            response = await client.post("/lengte", data=bomb, headers={"Content-Encoding": "gzip"})
            return response.status, await response.json()

    assert asyncio.run(post()) == (200, {"length": len(bomb)})

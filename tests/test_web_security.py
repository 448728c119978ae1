"""`posecoach serve` under attack: sign-in that cannot be redirected, security headers on
every response, HEAD and Range answered like every other request, internal errors shown
only as an id. Fast: the inline (thread) runner, a tiny clip, no pose model."""

from __future__ import annotations

import ast
import html
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx", reason="TestClient needs httpx (pip install httpx)")

from fastapi.testclient import TestClient  # noqa: E402

from posecoach.web.app import create_app  # noqa: E402
from posecoach.web.deps import get_ctx  # noqa: E402
from posecoach.web.settings import ServeSettings  # noqa: E402
from tests.support.web_runners import fake_runner, make_clip  # noqa: E402

TOKEN = "s3cret-token"
HTML = {"accept": "text/html"}
WEB_PACKAGE = Path(__file__).resolve().parents[1] / "posecoach" / "web"


def inline_settings(data_dir: Path, **overrides: Any) -> ServeSettings:
    values: dict[str, Any] = {"data_dir": data_dir, "runner": fake_runner, "isolation": "thread",
                              "poll_s": 0.05}
    values.update(overrides)
    return ServeSettings(**values)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(inline_settings(tmp_path / "guarded", token=TOKEN))) as client:
        yield client


@pytest.fixture
def finished(tmp_path: Path, clip: Path) -> Iterator[tuple[TestClient, dict[str, Any]]]:
    """An open app with one finished analysis: (client, its API body)."""
    from tests.support.web_client import upload, wait_for

    with TestClient(create_app(inline_settings(tmp_path / "data"))) as client:
        job_id = upload(client, clip).json()["id"]
        body = wait_for(client, job_id)
        assert body["status"] == "done", body
        yield client, body


def form_of(page: str) -> tuple[str, str]:
    action = re.search(r'<form[^>]*action="([^"]*)"', page)
    nxt = re.search(r'name="next" value="([^"]*)"', page)
    assert action is not None and nxt is not None, page
    return html.unescape(action.group(1)), html.unescape(nxt.group(1))


# ------------------------------------------------------------------ sign-in
@pytest.mark.parametrize("path", ["//evil.example/", "//evil.example/results/x", "/%2F%2Fevil.example/"])
def test_sign_in_form_posts_to_its_own_path_whatever_the_request_path(guarded: TestClient, path: str) -> None:
    page = guarded.get("http://testserver" + path, headers=HTML)
    assert page.status_code == 401
    action, nxt = form_of(page.text)
    assert action == "/signin"                       # old code: action="//evil.example/" took the token away
    assert "evil.example" not in action and not nxt.startswith("//")


@pytest.mark.parametrize("next_path", ["//evil.example/", "/\\evil.example", "https://evil.example/",
                                       "/\t/evil.example", "javascript:alert(1)", "evil.example", ""])
def test_sign_in_redirects_only_to_same_origin_paths(guarded: TestClient, next_path: str) -> None:
    signed = guarded.post("/signin", data={"token": TOKEN, "next": next_path}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    assert guarded.get("/api/analyses").status_code == 200          # the cookie works


def test_sign_in_returns_to_the_page_asked_for(guarded: TestClient) -> None:
    page = guarded.get("/history?exercise=leg-swing", headers=HTML)
    action, nxt = form_of(page.text)
    assert nxt == "/history?exercise=leg-swing"
    wrong = guarded.post(action, data={"token": "nope", "next": nxt}, follow_redirects=False)
    assert wrong.status_code == 401 and "wrong access token" in wrong.text and "set-cookie" not in wrong.headers
    signed = guarded.post(action, data={"token": TOKEN, "next": nxt}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == nxt
    assert TOKEN not in signed.headers["set-cookie"]


def test_token_in_the_url_never_redirects_off_site(guarded: TestClient) -> None:
    signed = guarded.get(f"http://testserver//evil.example/?token={TOKEN}", follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/"


# ------------------------------------------------------------------ headers
def assert_security_headers(response: Any, what: str) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src" in csp, what
    assert response.headers.get("x-content-type-options") == "nosniff", what
    assert response.headers.get("referrer-policy") == "no-referrer", what


def test_every_kind_of_response_carries_the_security_headers(
        finished: tuple[TestClient, dict[str, Any]], guarded: TestClient) -> None:
    client, body = finished
    responses = {
        "upload page": client.get("/", headers=HTML), "history page": client.get("/history", headers=HTML),
        "result page": client.get(body["result_url"], headers=HTML),
        "JSON": client.get("/api/analyses"), "JSON 404": client.get("/api/analyses/" + "0" * 32),
        "HTML 404": client.get("/nowhere", headers=HTML), "static": client.get("/static/style.css"),
        "video": client.get(body["files"]["video"]), "report.html": client.get(body["files"]["report_html"]),
        "report.json": client.get(body["files"]["report_json"]),
        "range error": client.get(body["files"]["video"], headers={"range": "bytes=99999999-"}),
        "HEAD": client.head("/"), "sign-in page": guarded.get("/", headers=HTML),
        "401 JSON": guarded.get("/api/analyses"), "sign-in form": guarded.get("/signin"),
    }
    for what, response in responses.items():
        assert_security_headers(response, what)
    assert "connect-src 'self'" in responses["upload page"].headers["content-security-policy"]
    assert "sandbox" in responses["report.html"].headers["content-security-policy"]   # a file, not a page


def test_an_internal_error_shows_only_an_id(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(inline_settings(tmp_path / "data"))

    def broken() -> None:
        raise RuntimeError(f"secret detail in {tmp_path}/posecoach.db")

    with TestClient(app, raise_server_exceptions=False) as client:
        app.dependency_overrides[get_ctx] = broken
        with caplog.at_level(logging.ERROR, logger="posecoach.web"):
            failed = client.get("/api/analyses")
            page = client.get("/history", headers=HTML)
    assert failed.status_code == 500 and page.status_code == 500
    error_id = failed.json()["id"]
    assert re.fullmatch(r"[0-9a-f]{12}", error_id)
    for response in (failed, page):
        assert "secret" not in response.text and str(tmp_path) not in response.text
        assert_security_headers(response, "500")
    assert "error id" in page.text and re.search(r"<code>[0-9a-f]{12}</code>", page.text)
    assert error_id in caplog.text and "secret detail" in caplog.text       # the log has the details


# ------------------------------------------------------------------ HEAD and Range
def test_head_answers_pages_files_and_the_api(finished: tuple[TestClient, dict[str, Any]]) -> None:
    client, body = finished
    for path in ("/", "/history", body["result_url"], body["url"], body["files"]["video"],
                 body["files"]["report_json"], "/static/style.css"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == 200, path                  # old code: 405 on every route
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], path
    assert client.head("/api/analyses/" + "0" * 32).status_code == 404


@pytest.mark.parametrize(("header", "status"), [
    ("bytes=99999999-", 416), ("bytes=-0", 416), ("bytes=abc", 400), ("bytes=5-2", 400),
    ("items=0-1", 400), ("bytes=" + ",".join(["0-1"] * 101), 400)])
def test_range_errors_are_json(finished: tuple[TestClient, dict[str, Any]], header: str, status: int) -> None:
    client, body = finished
    answer = client.get(body["files"]["video"], headers={"range": header})
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/json" and answer.json()["error"]
    if status == 416:
        assert answer.headers["content-range"].startswith("bytes */")
    assert client.get(body["files"]["video"], headers={"range": "bytes=0-9"}).status_code == 206


# ------------------------------------------------------------------ structure
def test_routers_never_import_the_app() -> None:
    """app -> routers -> services -> deps: the web package has no import cycle (issue 13)."""
    for module in WEB_PACKAGE.glob("*.py"):
        if module.name in ("app.py", "cli.py", "__init__.py"):
            continue
        tree = ast.parse(module.read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert "posecoach.web.app" not in imported, module.name

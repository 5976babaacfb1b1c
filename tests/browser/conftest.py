"""Fixtures for the browser tests: one live portal per session, Debian's headless Chromium
driven by the Python playwright client (no browser download: executable_path is fixed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.live import LiveServer, start

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (run scripts/browser.sh)")
    server = start(tmp_path_factory.mktemp("live") / "instance")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser, live_server):  # noqa: ANN001, ANN201
    # bypass_csp lets the tests inject axe-core into pages whose CSP forbids inline scripts.
    made = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
        accept_downloads=True,
        locale="zh-CN",
    )
    made.set_default_timeout(15_000)
    yield made
    made.close()


@pytest.fixture
def page(context):  # noqa: ANN001, ANN201
    return context.new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def axe_violations(page) -> list[dict]:  # noqa: ANN001
    """Serious and critical axe-core violations on the current page."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (run scripts/browser.sh)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]

"""The chat UI, served for real: its JSON API through gradio_client, and a real Chromium."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from settings import PROJECT_DIR, load_settings

pytestmark = pytest.mark.slow
ARTIFACTS = PROJECT_DIR / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(sample_index_dir: Path):
    from index.corpus import CorpusIndex
    from ui import CSS, build_demo

    settings = load_settings()
    settings.paths.index_dir = sample_index_dir
    demo = build_demo(settings, CorpusIndex.open(sample_index_dir, settings, must_exist=True))
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, css=CSS)
    yield url
    demo.close()


def test_api_returns_the_answer_as_data(server: str):
    from gradio_client import Client

    data = Client(server, verbose=False).predict("which biologics target Th2?", api_name="/ask")
    assert {"question", "answer", "citations", "retrieved"} <= set(data)
    assert {c["doc_id"] for c in data["citations"]} == {"002_5cb0a75a9d438d34"}
    assert all(c["quote"] and c["end"] > c["start"] for c in data["citations"])


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (the test command installs it)")
def test_browser_answer_and_click_through_citation(server: str):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(server)
        page.fill("#question textarea", "which biologics target Th2?")
        page.click("#ask")
        page.wait_for_selector("#evidence mark", timeout=120_000)
        links = page.locator("#chat a[href^='#cite-']")
        assert links.count() >= 2
        link = links.nth(1)
        n = link.get_attribute("href").removeprefix("#cite-")
        link.click()
        highlighted = page.locator(f"#cite-{n} mark").inner_text()
        assert highlighted and highlighted in page.locator(f"#cite-{n}").inner_text()
        assert "mepolizumab" in page.locator("#evidence").inner_text()
        page.screenshot(path=str(ARTIFACTS / "answer-desktop.png"), full_page=True)

        page.fill("#question textarea", "x" * 3000)
        page.click("#ask")
        page.wait_for_selector("text=limit is 2,000", timeout=60_000)
        assert dialogs == []
        browser.close()

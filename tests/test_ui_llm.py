"""The chat UI in LLM mode, in a real Chromium, against the real llama.cpp test server."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.test_ui import ARTIFACTS, CHROMIUM, free_port, open_page

pytestmark = [pytest.mark.slow, pytest.mark.llm,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")]


def test_llm_answer_streams_into_the_chat_and_flags_unverified_sentences(llm_settings):
    from playwright.sync_api import sync_playwright

    from index.corpus import CorpusIndex
    from ui import CSS, build_demo

    demo = build_demo(llm_settings, CorpusIndex.open(llm_settings.paths.index_dir, llm_settings, must_exist=True))
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, css=CSS)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        with sync_playwright() as p:
            browser, page, dialogs = open_page(p, url)
            page.locator("#settings").get_by_text("Settings").first.click()
            assert page.locator("#answer-with input[type=radio]:checked").get_attribute("value").startswith("LLM:")
            # the real model answers this one itself (greedy: every run), with claims it does not cite
            page.fill("#question textarea", "How does dupilumab work?")
            page.click("#ask")
            seen_streaming = False
            deadline = time.monotonic() + 180
            final = ""
            while time.monotonic() < deadline:
                text = page.locator("#chat").inner_text()
                seen_streaming |= "Writing, then checking every citation" in text
                if "Each citation was checked" in text or "set aside" in text:
                    final = text
                    break
                time.sleep(0.05)
            assert final, "no checked answer arrived"
            assert seen_streaming  # the model's text was shown while it was being written
            assert "Each citation was checked" in final and "set aside" not in final, final[:300]
            flagged = page.locator("#chat em", has_text="unverified: cites no source")
            assert flagged.count() >= 1  # its uncited claims are shown, each marked as such
            evidence = page.locator("#evidence").inner_text()  # cited passages, or the ones the model was given
            assert "[1]" in evidence and "appear here" not in evidence
            page.screenshot(path=str(ARTIFACTS / "answer-llm.png"), full_page=True)
            assert not dialogs
            browser.close()
    finally:
        demo.close()

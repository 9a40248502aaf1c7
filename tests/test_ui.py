"""The chat UI, served for real: its JSON API through gradio_client, and a real Chromium."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ingest.pipeline import ingest
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


def serve(index_dir: Path):
    from index.corpus import CorpusIndex
    from ui import CSS, build_demo

    settings = load_settings()
    settings.paths.index_dir = index_dir
    demo = build_demo(settings, CorpusIndex.open(index_dir, settings, must_exist=True))
    _, url, _ = demo.launch(server_name="127.0.0.1", server_port=free_port(), prevent_thread_lock=True, quiet=True, css=CSS)
    return demo, url


@pytest.fixture(scope="module")
def server(sample_index_dir: Path):
    demo, url = serve(sample_index_dir)
    yield url
    demo.close()


XSS_DOC = """Hostile paper about IgG4-related disease

Dupilumab xsscanary <script>window.__pwned = 1; alert('script')</script> blocks IL-4Rα in IgG4-related disease.
Rituximab xsscanary <img src=x onerror="window.__pwned = 2; alert('img')"> depletes B cells in IgG4-related disease.
Abatacept xsscanary [click me](javascript:alert('link')) regulates T cells in IgG4-related disease.
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):
    from index.corpus import CorpusIndex

    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.txt").write_text(XSS_DOC)
    settings = load_settings()
    index_dir = folder / "index"
    ingest(CorpusIndex.open(index_dir, settings), [folder / "hostile.txt"])
    demo, url = serve(index_dir)
    yield url
    demo.close()


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def open_page(p, url: str):
    """A desktop-sized page on `url`, and the list that collects any JS dialog (none may ever open)."""
    browser = launch(p)
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    return browser, page, dialogs


def ask(page, question: str, wait_for: str) -> None:
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_selector(wait_for, timeout=120_000)


def test_api_returns_the_answer_as_data(server: str):
    from gradio_client import Client

    data = Client(server, verbose=False).predict("which biologics target Th2?", api_name="/ask")
    assert {"question", "answer", "citations", "retrieved"} <= set(data)
    assert {c["doc_id"] for c in data["citations"]} == {"002_5cb0a75a9d438d34"}
    assert all(c["quote"] and c["end"] > c["start"] for c in data["citations"])


HOSTILE_QUESTIONS = {
    "": "empty", "[1]": "citation marker alone", "🙂🙂": "no words", "q" * 51_200: "limit is 2,000",
    "ما هو مرض IgG4؟": None, "IgG4関連疾患の治療は何ですか": None, "what\x00 dose of\x1b rituximab?": None,
}


def test_api_handles_hostile_questions_clearly(server: str):
    from gradio_client import Client

    client = Client(server, verbose=False)
    for question, error in HOSTILE_QUESTIONS.items():
        data = client.predict(question, api_name="/ask")
        if error:
            assert error in data["error"] and "answer" not in data, (question[:20], data)
        else:
            assert data["answer"] and "error" not in data and "\x00" not in data["question"], (question[:20], data)


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (the test command installs it)")
def test_browser_shows_hostile_questions_as_a_clear_message(server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page, dialogs = open_page(p, server)
        for question, error in [("[1]", "citation marker alone"), ("q" * 51_200, "limit is 2,000"),
                                ("IgG4関連疾患の治療は何ですか", "found nothing")]:
            ask(page, question, f"text={error}")
        assert not dialogs
        browser.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (the test command installs it)")
def test_browser_answer_and_click_through_citation(server: str):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser, page, dialogs = open_page(p, server)
        ask(page, "which biologics target Th2?", "#evidence mark")
        links = page.locator("#chat a[href^='#cite-']")
        assert links.count() >= 2
        link = links.nth(1)
        n = link.get_attribute("href").removeprefix("#cite-")
        link.click()
        highlighted = page.locator(f"#cite-{n} > p mark").inner_text()
        assert highlighted and highlighted in page.locator(f"#cite-{n}").inner_text()
        page.locator(f"#cite-{n} details summary").click()  # the whole cleaned document, span highlighted
        document = page.locator(f"#cite-{n} .doctext")
        assert document.locator("mark").inner_text() == highlighted
        assert len(document.inner_text()) > len(page.locator(f"#cite-{n} > p").inner_text())
        assert "mepolizumab" in page.locator("#evidence").inner_text()
        assert "retrieved #1, score" in page.locator("#evidence").inner_text()
        assert highlighted[:40] in (link.get_attribute("title") or "")  # hovering shows the quote
        # each source carries its study card: the seed letter is a letter ("We read with great interest ...")
        assert "letter" in page.locator("#evidence .study-design").all_inner_texts()
        assert "We read with great interest" in page.locator("#evidence .study-design").first.get_attribute("title")
        page.screenshot(path=str(ARTIFACTS / "answer-desktop.png"), full_page=True)
        page.locator("#copy-answer").click()  # the answer with its reference list, ready to copy
        page.wait_for_selector("#answer-copy >> text=References", timeout=30_000)

        ask(page, "and which of them also blocks IL-13?", "text=Understood as:")
        page.wait_for_selector("text=dupilumab can also inhibit IL-13", timeout=120_000)
        assert "mepolizumab" in page.locator("#chat").inner_text()  # the resolved question names them

        # a yes/no question: a verdict, how each paper quoted leans, and per-quote lean badges beside the design
        ask(page, "does dupilumab let patients stop steroids?", "text=papers quoted")
        assert page.locator("#evidence .lean").count() >= 2 and page.locator("#evidence .study-design").count() >= 2
        page.screenshot(path=str(ARTIFACTS / "answer-yesno.png"), full_page=True)

        ask(page, "x" * 3000, "text=limit is 2,000")
        assert dialogs == []
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(ARTIFACTS / "answer-mobile.png"), full_page=True)
        browser.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (the test command installs it)")
def test_hostile_document_renders_inert(hostile_server: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser, page, dialogs = open_page(p, hostile_server)
        ask(page, "Which xsscanary drugs act in IgG4-related disease?", "#evidence mark")
        page.wait_for_timeout(1000)
        evidence = page.locator("#evidence").inner_text()
        chat = page.locator("#chat").inner_text()
        assert "<script>" in evidence or "<img" in evidence or "javascript:" in evidence  # shown as text
        assert "xsscanary" in chat
        assert dialogs == []
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#chat script, #evidence script, #chat img[src='x'], #evidence img[src='x']").count() == 0
        assert page.locator("a[href^='javascript:']").count() == 0
        ask(page, "<img src=x onerror=\"window.__pwned=3\"> xsscanary?", "text=xsscanary?")
        page.wait_for_timeout(1000)
        assert page.evaluate("window.__pwned") is None and dialogs == []
        page.screenshot(path=str(ARTIFACTS / "hostile-document.png"), full_page=True)
        browser.close()


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed (the test command installs it)")
def test_upload_then_ask_then_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Files dropped into the page are ingested with per-file results and answerable without a restart."""
    from playwright.sync_api import sync_playwright

    from index.corpus import CorpusIndex

    monkeypatch.setenv("BIOCITE_PATHS__UPLOAD_DIR", str(tmp_path / "uploads"))
    index_dir = tmp_path / "index"
    ingest(CorpusIndex.open(index_dir, load_settings()), [PROJECT_DIR / "data" / "sample" / "seeds"])
    demo, url = serve(index_dir)
    paper = tmp_path / "tofacitinib note.txt"
    paper.write_text("Tofacitinib in IgG4-related disease\n\nTofacitinib, a JAK inhibitor, reduced serum IgG4 in a small "
                     "cohort of patients with IgG4-related disease.")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 not really")
    picture = tmp_path / "figure.pdf"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    try:
        with sync_playwright() as p:
            browser, page, dialogs = open_page(p, url)
            page.get_by_role("tab", name="Corpus").click()
            page.wait_for_selector("text=2 documents")
            page.locator("#upload input[type=file]").set_input_files([str(paper), str(broken), str(picture)])
            page.wait_for_timeout(1500)
            page.click("#add")
            page.wait_for_selector("text=3 documents", timeout=120_000)
            results = page.locator("#results").inner_text()
            assert "added" in results and "PDF is damaged" in results and "its content is a PNG image" in results
            page.screenshot(path=str(ARTIFACTS / "corpus-upload.png"), full_page=True)
            assert "tofacitinib" in page.locator("#documents").inner_text()
            page.get_by_role("tab", name="Chat").click()
            ask(page, "Which JAK inhibitor reduced serum IgG4?", "#evidence mark")
            assert "Tofacitinib, a JAK inhibitor" in page.locator("#evidence").inner_text()

            # the library: filter, pick the paper (its study card opens), delete it after a confirmation naming it
            page.get_by_role("tab", name="Corpus").click()
            page.fill("#doc-filter textarea", "tofacitinib")
            page.wait_for_selector("text=1 matching", timeout=30_000)
            page.locator("#doc-pick label", has_text="Tofacitinib in IgG4-related disease").click()
            page.wait_for_selector("#paper-cards .study-design", timeout=30_000)
            assert "cohort study" in page.locator("#paper-cards").inner_text()  # "a small cohort of patients"
            page.click("#delete")
            page.wait_for_selector("text=Delete this paper from the index?", timeout=30_000)
            assert "Tofacitinib in IgG4-related disease" in page.locator("#delete-message").inner_text()
            assert page.locator("#documents").inner_text().count("tofacitinib") >= 1  # nothing deleted yet
            page.click("#confirm-delete")
            page.wait_for_selector("text=2 documents", timeout=60_000)
            assert "Deleted 1 paper" in page.locator("#delete-message").inner_text()
            assert "tofacitinib" not in page.locator("#documents").inner_text().casefold()
            page.screenshot(path=str(ARTIFACTS / "corpus-library.png"), full_page=True)
            assert dialogs == []
            browser.close()
    finally:
        demo.close()
    stored = list((tmp_path / "uploads").iterdir())
    assert len(stored) == 2 and all(f.parent == tmp_path / "uploads" for f in stored)


def test_study_badges_and_the_library_as_html(sample_index):
    """The evidence panel's study badges and the Corpus tab's filter and paper cards, without a browser."""
    from answer.answerers import make_answerer
    from ui import evidence_html, library, papers_html

    answer = make_answerer(sample_index).answer("does dupilumab let patients stop steroids?")
    panel = evidence_html(answer, sample_index)
    assert panel.count('class="study study-design"') == len(answer.citations) and 'class="lean' in panel
    rows, choices, matched = library(sample_index, "dupilumab case report")
    assert matched == 1 and rows[0][0] == "38990002" and rows[0][2:4] == ["case report", "2024"]
    assert choices == [(choices[0][0], "38990002")] and "case report, 2024" in choices[0][0]
    assert library(sample_index, "no such words anywhere")[2] == 0
    card = papers_html(sample_index, ["38990002"])
    assert "4 participants" in card and "Clin Case Rep Immunol" in card and "Text as indexed" in card

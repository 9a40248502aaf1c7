from __future__ import annotations

from ingest.chunking import chunk_document
from ingest.loaders import load_paths, make_document
from settings import load_settings


def test_every_chunk_is_an_exact_span_of_its_document():
    paths = [str(p) for p in load_settings().paths.sample_corpus]
    n = 0
    for result in load_paths(paths):
        doc = result.document
        for node in chunk_document(doc, chunk_words=160):
            assert doc.text[node.start_char_idx : node.end_char_idx] == node.text
            assert node.metadata["doc_id"] == doc.doc_id == node.ref_doc_id
            n += 1
    assert n > 1000


def test_chunk_size_overlap_and_ids():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(40))
    doc = make_document("d", text, "s.txt", title="T")
    chunks = chunk_document(doc, chunk_words=30, overlap_sentences=1)
    assert [c.node_id for c in chunks[:2]] == ["d#0", "d#1"]
    assert all(len(c.text.split()) <= 30 for c in chunks)
    for a, b in zip(chunks, chunks[1:]):
        assert b.start_char_idx < a.end_char_idx  # one sentence repeated
        assert a.text.endswith(b.text.split(". ")[0] + ".")
    assert chunks[-1].end_char_idx == len(text)


def test_sections_from_structured_abstract_and_pages():
    text = "BACKGROUND: Why we did it.\n\nMETHODS: How we did it.\n\nRESULTS: What we found. It was big."
    doc = make_document("d", text, "s", page_starts=[0, text.index("RESULTS")])
    chunks = chunk_document(doc, chunk_words=5, overlap_sentences=0)
    assert [(c.text, c.metadata["section"], c.metadata["page"]) for c in chunks] == [
        ("Why we did it.", "Background", 1), ("How we did it.", "Methods", 1),
        ("What we found.", "Results", 2), ("It was big.", "Results", 2),
    ]


def test_overlong_sentence_is_cut_at_words():
    doc = make_document("d", "word " * 500 + "end.", "s")
    chunks = chunk_document(doc, chunk_words=100)
    assert len(chunks) == 6 and all(doc.text[c.start_char_idx : c.end_char_idx] == c.text for c in chunks)

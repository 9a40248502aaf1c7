"""CorpusIndex with the deterministic hash embedding: fast, and every behaviour checked on both stores.

Every test runs twice: chunks in FAISS files, and chunks in a real PostgreSQL + pgvector.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from errors import IndexNotFoundError
from index.corpus import CorpusIndex
from ingest.pipeline import ingest


@pytest.fixture(params=["faiss", "pgvector"])
def settings(request, settings):
    if request.param == "pgvector":
        request.getfixturevalue("pg_url")
        settings.store = "pgvector"
    return settings


def write_corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / f"{name}.txt").write_text(text)
    return folder


def all_chunks(index: CorpusIndex) -> list:
    return index.chunks([c for d in index.documents() for c in d.chunk_ids])


DOCS = {
    "dupilumab": "Dupilumab in IgG4-RD\n\nDupilumab blocks IL-4Rα and so inhibits IL-13 signalling. Th2 cells drive fibrosis.",
    "rituximab": "Rituximab in IgG4-RD\n\nRituximab depletes CD20 B cells. Relapse occurred after one year.",
    "thalidomide": "Thalidomide for skin disease\n\nThalidomide induced remission of skin nodules in two men.",
}


def test_ingest_search_and_reload_without_re_embedding(tmp_path, settings, hash_model):
    corpus = write_corpus(tmp_path / "papers", DOCS)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    report = ingest(index, [corpus])
    assert (report.count("added"), report.count("failed")) == (3, 0)
    assert index.stats() == {"documents": 3, "chunks": 3}
    assert index.search("IL-13 signalling", k=1)[0].doc_id == "dupilumab"

    calls = hash_model.calls
    reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    assert hash_model.calls == calls  # loading re-embeds nothing
    assert reopened.stats() == {"documents": 3, "chunks": 3} and len(reopened._store) == 3  # catalog and store
    for mode in ("dense", "bm25", "hybrid"):
        assert reopened.search("CD20 B cells", k=1, mode=mode)[0].doc_id == "rituximab", mode
    doc = reopened.document("dupilumab")
    chunk = reopened.chunks(["dupilumab#0"])[0]
    assert doc.title == "Dupilumab in IgG4-RD" and doc.text[chunk.start_char_idx : chunk.end_char_idx] == chunk.text


def test_incremental_ingest_adds_updates_skips(tmp_path, settings, hash_model):
    corpus = write_corpus(tmp_path / "papers", DOCS)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [corpus])
    before = hash_model.calls
    report = ingest(index, [corpus])
    assert report.count("skipped") == 3 and hash_model.calls == before  # unchanged text is not re-embedded

    (corpus / "rituximab.txt").write_text("Rituximab in IgG4-RD\n\nRituximab depletes plasmablasts quickly.")
    (corpus / "new.txt").write_text("Abatacept\n\nAbatacept regulates T cells as a whole.")
    report = ingest(index, [corpus])
    assert {o.doc_id: o.status for o in report.outcomes} == {
        "dupilumab": "skipped", "new": "added", "rituximab": "updated", "thalidomide": "skipped",
    }
    reopened = CorpusIndex.open(settings.paths.index_dir, settings)
    assert reopened.stats()["documents"] == 4
    assert reopened.search("plasmablasts", k=1, mode="bm25")[0].doc_id == "rituximab"
    assert reopened.search("CD20", k=5, mode="bm25") == []  # the old text is gone


def test_a_searching_process_sees_an_updated_chunks_new_row(tmp_path, settings, hash_model):
    """The FAISS store remembers id -> row between searches; an update gives a chunk id a new row, so the
    remembered one must go with the commit (a stale row scores the old text)."""
    if settings.store != "faiss":
        pytest.skip("the id -> row memory is the FAISS store's")
    corpus = write_corpus(tmp_path / "papers", DOCS)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [corpus])
    index.search("rituximab plasmablasts", k=3)  # remembers the rows of the hits
    (corpus / "rituximab.txt").write_text("Rituximab in IgG4-RD\n\nRituximab depletes plasmablasts quickly.")
    ingest(index, [corpus])
    ids = index.chunk_ids_of("rituximab")
    assert index._store.rows_of("chunks", ids) == index._store.catalog.rows_of("chunks", ids)
    scores = index._store.chunk_terms.scores("plasmablasts", ids)
    assert max(scores.values()) > 0  # the new text, found through the new row


def test_segments_name_search_hits_and_indexes_written_before_names_still_search_and_gain_them(
        tmp_path, settings, hash_model, monkeypatch):
    """Hits are named from their segments, not the catalog; segments of an older index (no names) are named by
    the catalog until a merge writes their names."""
    if settings.store != "faiss":
        pytest.skip("segments are the FAISS store's")
    import index.segments as segments_module

    index = CorpusIndex.open(settings.paths.index_dir, settings)
    with monkeypatch.context() as old_code:  # what the code before names wrote
        old_code.setattr(segments_module, "_write_names", lambda *args: None)
        ingest(index, [write_corpus(tmp_path / "a", {k: DOCS[k] for k in ("dupilumab", "rituximab")})])
    assert index.search("CD20 B cells", k=1)[0].doc_id == "rituximab"  # named by the catalog
    newer = {"thalidomide": DOCS["thalidomide"], "omalizumab": "Omalizumab\n\nOmalizumab binds free IgE."}
    ingest(index, [write_corpus(tmp_path / "b", newer)])  # as many rows as the old segment: merged, all named
    store = index._store
    assert [s.named for s in store.sets["chunks"].segments] == [True]

    reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    monkeypatch.setattr(reopened._store.catalog, "ids_of", lambda *a: pytest.fail("the catalog was asked for names"))
    for mode in ("dense", "bm25", "hybrid"):
        assert reopened.search("CD20 B cells", k=1, mode=mode)[0].doc_id == "rituximab", mode
    assert reopened.search_documents("skin nodules", k=1)[0][0] == "thalidomide"


def test_delete_document(tmp_path, settings, hash_model):
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    assert index.delete("rituximab") and not index.delete("rituximab")
    reopened = CorpusIndex.open(settings.paths.index_dir, settings)
    assert reopened.document("rituximab") is None and reopened.stats() == {"documents": 2, "chunks": 2}
    assert all(h.doc_id != "rituximab" for h in reopened.search("rituximab B cells", k=5))
    assert all(d != "rituximab" for d, _ in reopened.search_documents("rituximab B cells", k=5))
    assert reopened.chunk_ids_by_document(["rituximab", "dupilumab", "rituximab"]) == {  # one statement for all
        "rituximab": [], "dupilumab": ["dupilumab#0"]}
    report = ingest(reopened, [tmp_path / "papers"])  # deleted documents can be re-ingested
    assert report.count("added") == 1 and report.count("skipped") == 2


def test_bad_files_do_not_stop_the_batch(tmp_path, settings, hash_model):
    corpus = write_corpus(tmp_path / "papers", DOCS)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 10)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    report = ingest(index, [corpus, tmp_path / "missing.txt"])
    failed = {Path(o.source).name: o.reason for o in report.outcomes if o.status == "failed"}
    assert set(failed) == {"broken.pdf", "empty.txt", "binary.txt", "missing.txt"}
    assert report.count("added") == 3 and index.stats()["documents"] == 3


def test_crash_mid_ingest_leaves_previous_index_usable(tmp_path, settings, hash_model, monkeypatch):
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "first", DOCS)])
    good = index._catalog.stamp()

    many = {f"extra{i}": f"Paper {i}\n\nFinding number {i} about IL-{i} in IgG4-RD." for i in range(600)}
    settings.ingest.embed_batch = 100
    original = hash_model._get_text_embeddings
    state = {"batches": 0}

    def dying(texts):
        state["batches"] += 1
        if state["batches"] == 3:
            raise MemoryError("killed mid-ingest")
        return original(texts)

    monkeypatch.setattr(hash_model, "_get_text_embeddings", dying)
    with pytest.raises(MemoryError):
        ingest(index, [write_corpus(tmp_path / "second", many)])
    assert CorpusIndex.open(settings.paths.index_dir, settings)._catalog.stamp() == good
    survivor = CorpusIndex.open(settings.paths.index_dir, settings)
    assert survivor.stats() == {"documents": 3, "chunks": 3}
    assert survivor.search("thalidomide remission", k=1)[0].doc_id == "thalidomide"
    if settings.store == "pgvector":
        assert _vector_rows(survivor) > 3  # vectors of the batches written before the crash, listed by no commit
    ingest(survivor, [])  # the next writer sweeps what the crashed one left
    assert len(survivor._store) == 3 and survivor.stats() == {"documents": 3, "chunks": 3}
    if settings.store == "pgvector":
        assert _vector_rows(survivor) == 3
    if settings.store == "faiss":
        listed = {n for n, _, _ in survivor._catalog.segments()}
        assert {p.name for p in (settings.paths.index_dir / "segments").iterdir()} == listed


def _vector_rows(index: CorpusIndex) -> int:
    """Rows in a pgvector index's vector table, committed or not (`len(store)` is the committed count)."""
    from sqlalchemy import text

    with index._store.client.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {index._store._data_table}")).scalar_one()


def test_checkpoints_keep_finished_work(tmp_path, settings, hash_model, monkeypatch):
    settings.ingest.checkpoint_chunks = 100
    settings.ingest.embed_batch = 50
    many = {f"p{i:03d}": f"Paper {i}\n\nFinding number {i} about IL-{i}." for i in range(300)}
    original = hash_model._get_text_embeddings
    state = {"batches": 0}

    def dying(texts):
        state["batches"] += 1
        if state["batches"] == 5:
            raise KeyboardInterrupt
        return original(texts)

    monkeypatch.setattr(hash_model, "_get_text_embeddings", dying)
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    with pytest.raises(KeyboardInterrupt):
        ingest(index, [write_corpus(tmp_path / "many", many)])
    saved = CorpusIndex.open(settings.paths.index_dir, settings).stats()["documents"]
    assert saved >= 100 and saved < 300
    monkeypatch.setattr(hash_model, "_get_text_embeddings", original)
    report = ingest(CorpusIndex.open(settings.paths.index_dir, settings), [tmp_path / "many"])
    assert report.count("skipped") == saved and report.count("added") == 300 - saved


def test_commits_write_only_what_they_add_and_segments_stay_few(tmp_path, settings, hash_model):
    """A checkpoint every 50 chunks: each commit writes a segment of about 50 rows (merges aside), and the
    binary-counter merges keep O(log n) segments; adding one paper afterwards writes a one-row segment."""
    from index.faiss_store import FaissChunkStore

    settings.ingest.checkpoint_chunks = 50
    settings.ingest.embed_batch = 10
    many = {f"p{i:04d}": f"Paper {i}\n\nFinding number {i} about IL-{i}." for i in range(1000)}
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "many", many)])
    assert index.stats() == {"documents": 1000, "chunks": 1000}
    faiss = isinstance(index._store, FaissChunkStore)  # segments are FAISS's; the rest holds on both stores
    segments = index._catalog.segments() if faiss else []
    assert not faiss or len([s for s in segments if s[1] == "chunks"]) <= 1 + (1000 // 50).bit_length()  # <= 6
    before = {n for n, _, _ in segments}
    ingest(index, [write_corpus(tmp_path / "one", {"extra": "One more\n\nMepolizumab lowers eosinophils."})])
    if faiss:
        new = [(n, files) for n, _, files in index._catalog.segments() if n not in before]
        assert new and all(sum(size for size, _ in files.values()) < 50_000 for _, files in new)
    assert len(index._store) == 1001
    assert index.search("mepolizumab eosinophils", k=1)[0].doc_id == "extra"
    assert index.search("Finding number 417", k=1, mode="bm25")[0].doc_id == "p0417"


def test_same_file_name_in_two_folders_are_two_documents(tmp_path, settings, hash_model):
    a = write_corpus(tmp_path / "a", {"notes": "Notes A\n\nAbout dupilumab."})
    b = write_corpus(tmp_path / "b", {"notes": "Notes B\n\nAbout rituximab."})
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [a])
    ingest(index, [b])
    assert index.stats()["documents"] == 2


def test_jsonl_ids_become_document_ids(tmp_path, settings, hash_model):
    f = tmp_path / "corpus.jsonl"
    f.write_text("\n".join(json.dumps({"_id": f"pmid{i}", "title": f"T{i}", "text": f"Text about topic {i}."}) for i in range(5)))
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [f])
    assert sorted(d.doc_id for d in index.documents()) == [f"pmid{i}" for i in range(5)]


def test_missing_index_is_a_clear_error(tmp_path, settings):
    with pytest.raises(IndexNotFoundError, match="python app.py ingest"):
        CorpusIndex.open(tmp_path / "nowhere", settings, must_exist=True)


def test_reader_sees_a_newer_generation(tmp_path, settings, hash_model):
    reader = CorpusIndex.open(settings.paths.index_dir, settings)
    writer = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(writer, [write_corpus(tmp_path / "papers", DOCS)])
    assert reader.search("thalidomide", k=1)[0].doc_id == "thalidomide"


def test_a_document_read_before_a_commit_is_read_again_after_it(tmp_path, settings, hash_model):
    """`document` keeps the records it read until a commit is seen: this process's own, or another's at a search."""
    reader = CorpusIndex.open(settings.paths.index_dir, settings)
    writer = CorpusIndex.open(settings.paths.index_dir, settings)
    f = tmp_path / "corpus.jsonl"
    f.write_text(json.dumps({"_id": "x", "text": "First version of the trial report."}) + "\n")
    ingest(writer, [f])
    reader.search("trial", k=1)
    assert reader.document("x").text == writer.document("x").text == "First version of the trial report."
    f.write_text(json.dumps({"_id": "x", "text": "Second version of the trial report."}) + "\n")
    ingest(writer, [f])
    assert writer.document("x").text == "Second version of the trial report."  # its own commit
    assert reader.document("x").text == "First version of the trial report."  # the commit it searches
    reader.search("trial", k=1)
    assert reader.document("x").text == "Second version of the trial report."  # the next one, once seen
    assert reader.document("missing") is None and reader.document("missing") is None


def test_duplicate_id_in_one_batch_keeps_the_later_record(tmp_path, settings, hash_model):
    f = tmp_path / "corpus.jsonl"
    f.write_text(json.dumps({"_id": "x", "text": "First version."}) + "\n" + json.dumps({"_id": "x", "text": "Second version."}))
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    report = ingest(index, [f])
    assert [o.status for o in report.outcomes] == ["skipped", "added"] and "superseded" in report.outcomes[0].reason
    assert index.document("x").text == "Second version." and index.stats()["chunks"] == 1


def test_an_edited_document_re_embeds_only_its_changed_chunks(tmp_path, settings, hash_model):
    settings.ingest.chunk_words = 20
    settings.ingest.chunk_overlap_sentences = 0
    sentences = [f"Sentence {i} reports that drug number {i} lowered serum IgG4 in cohort {i} of the trial." for i in range(12)]
    paper = tmp_path / "papers" / "trial.txt"
    paper.parent.mkdir()
    paper.write_text("A long trial\n\n" + " ".join(sentences))
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    first = ingest(index, [paper.parent])
    chunks = first.chunks_embedded
    assert chunks >= 6 and first.chunks_reused == 0
    old = {n.text: index.store_vectors([n.node_id])[0] for n in all_chunks(index)}

    sentences[-1] = "Sentence 11 was withdrawn after an error in the IgG4 assay was found by the authors."
    paper.write_text("A long trial\n\n" + " ".join(sentences))
    second = ingest(index, [paper.parent])
    assert second.count("updated") == 1
    assert second.chunks_embedded == 1 and second.chunks_reused == chunks - 1
    for node in all_chunks(index):
        if node.text in old:  # unchanged text: the very same vector
            assert (index.store_vectors([node.node_id])[0] == old[node.text]).all()
    assert index.search("withdrawn assay error", k=1, mode="bm25")[0].doc_id == "trial"
    assert f"{chunks - 1} vectors reused" in second.summary()


def test_a_second_index_of_the_same_papers_takes_its_vectors_from_the_cache(tmp_path, settings, hash_model):
    corpus = write_corpus(tmp_path / "papers", DOCS)
    first = CorpusIndex.open(settings.paths.index_dir, settings)
    assert ingest(first, [corpus]).chunks_embedded == 3
    calls = hash_model.calls

    settings.paths.index_dir = tmp_path / "second"
    second = CorpusIndex.open(settings.paths.index_dir, settings)
    report = ingest(second, [corpus])
    assert hash_model.calls == calls and report.chunks_embedded == 0 and report.chunks_reused == 3
    for node in all_chunks(second):
        assert (second.store_vectors([node.node_id]) == first.store_vectors([node.node_id])).all()

    settings.paths.embed_cache = None  # disabled: embeds again
    settings.paths.index_dir = tmp_path / "third"
    assert ingest(CorpusIndex.open(settings.paths.index_dir, settings), [corpus]).chunks_embedded == 3


@pytest.mark.slow
def test_embedding_cache_with_the_real_model(tmp_path, settings):
    from tests.conftest import SEEDS

    first = CorpusIndex.open(tmp_path / "a", settings)
    embedded = ingest(first, [SEEDS]).chunks_embedded
    second = CorpusIndex.open(tmp_path / "b", settings)
    report = ingest(second, [SEEDS])
    assert embedded > 0 and report.chunks_embedded == 0 and report.chunks_reused == embedded
    question = "which biologics target Th2?"
    assert [(h.chunk_id, round(h.score, 6)) for h in second.search(question, k=5)] == [
        (h.chunk_id, round(h.score, 6)) for h in first.search(question, k=5)]


def test_ingest_reports_every_phase_up_to_the_end_of_the_save(tmp_path, settings, hash_model):
    calls = []
    papers = {f"p{i}": f"Paper {i}\n\nFinding {i} about IL-{i}." for i in range(60)}
    ingest(CorpusIndex.open(settings.paths.index_dir, settings),
        [write_corpus(tmp_path / "p", papers)], progress=lambda phase, done, total: calls.append((phase, done, total)))
    phases = [p for i, (p, _, _) in enumerate(calls) if i == 0 or calls[i - 1][0] != p]
    assert phases == ["Reading", "Embedding", "Saving"]
    assert calls[-1] == ("Saving", 2, 2) and ("Embedding", 60, 60) in calls


def test_ingest_holds_one_batch_of_chunks_at_a_time(tmp_path, settings, hash_model, monkeypatch):
    """Reading spills documents to a temporary file: a million chunks held as nodes were 15 GB of memory."""
    import weakref

    from ingest import pipeline

    live, peak = [0], [0]
    real = pipeline.chunk_node

    def gone():
        live[0] -= 1

    def counted(*args, **kwargs):
        node = real(*args, **kwargs)
        live[0] += 1
        peak[0] = max(peak[0], live[0])
        weakref.finalize(node, gone)
        return node

    monkeypatch.setattr(pipeline, "chunk_node", counted)
    settings.ingest.embed_batch = 8
    papers = {f"p{i}": f"Paper {i}\n\n" + " ".join(f"Finding {i}.{j} about IL-{j}." for j in range(12))
              for i in range(80)}
    settings.ingest.chunk_words = 12
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "p", papers)])
    assert index.stats()["documents"] == 80 and index.stats()["chunks"] > 400
    assert 8 <= peak[0] <= 40, peak[0]  # one batch (plus the last document's chunks), not 400


def test_a_full_disk_while_reading_is_one_clear_error_and_changes_nothing(tmp_path, settings, hash_model, monkeypatch):
    import errno

    from errors import IndexWriteError
    from ingest import pipeline

    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "a", {"one": "One\n\nIL-5 drives eosinophils."})])

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    real = pipeline.pickle.dump
    monkeypatch.setattr(pipeline.pickle, "dump", disk_full)
    with pytest.raises(IndexWriteError, match="No space left on device; nothing read in this run was saved"):
        ingest(index, [write_corpus(tmp_path / "b", {"two": "Two\n\nIL-13 and IgE."})])
    monkeypatch.setattr(pipeline.pickle, "dump", real)
    assert [d.doc_id for d in CorpusIndex.open(settings.paths.index_dir, settings).documents()] == ["one"]


def test_a_kill_during_the_first_commit_does_not_block_the_next_ingest(tmp_path, settings, hash_model):
    """The killed commit's folder is named as the next commit's will be (bench.crash found this)."""
    if settings.store != "faiss":
        pytest.skip("segment folders are the FAISS store's")
    papers = write_corpus(tmp_path / "p", {"one": "One\n\nIL-5 drives eosinophils.", "two": "Two\n\nIL-13 and IgE."})
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    with index.writing():  # what a writer killed mid-commit leaves: a catalog listing nothing, a folder on disk
        pass
    ingest(CorpusIndex.open(tmp_path / "elsewhere", settings), [papers])
    first = sorted((tmp_path / "elsewhere" / "segments").iterdir())[0]
    shutil.copytree(first, settings.paths.index_dir / "segments" / first.name)
    assert ingest(index, [papers]).count("added") == 2
    reopened = CorpusIndex.open(settings.paths.index_dir, settings, must_exist=True)
    assert reopened.stats() == {"documents": 2, "chunks": 2} and reopened.search("IL-13", k=1)[0].doc_id == "two"


def test_llama_index_runs_on_the_index_through_its_vector_store(tmp_path, settings, hash_model):
    """llama-index's own VectorStoreIndex and retriever over our store: nodes come from the catalog."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.vector_stores.types import MetadataFilter, MetadataFilters

    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    view = VectorStoreIndex.from_vector_store(index.vector_store(), embed_model=hash_model)
    hits = view.as_retriever(similarity_top_k=2).retrieve("Which drug inhibits IL-13 signalling?")
    assert hits[0].node.node_id == "dupilumab#0" and hits[0].node.text in index.document("dupilumab").text
    only = MetadataFilters(filters=[MetadataFilter(key="doc_id", value="rituximab")])
    filtered = view.as_retriever(similarity_top_k=2, filters=only).retrieve("IL-13 signalling")
    assert [h.node.node_id for h in filtered] == ["rituximab#0"]
    with pytest.raises(NotImplementedError, match="read-only"):
        index.vector_store().add([])


def test_counts_are_kept_by_each_commit_and_equal_a_count(tmp_path, settings, hash_model):
    """`stats` reads the counts the last commit stored (no scan of the documents at a million chunks); they
    equal counting through adds, a replaced paper with another number of chunks, and a delete."""
    settings.ingest.chunk_words = 40
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    ingest(index, [write_corpus(tmp_path / "papers", DOCS)])
    catalog = index._catalog
    assert catalog._stored_counts() == catalog._counted() == {"documents": 3, "chunks": 3}
    long = "Rituximab in IgG4-RD\n\n" + " ".join(f"Finding {i} about CD20 B cells in relapse." for i in range(40))
    ingest(index, [write_corpus(tmp_path / "papers", {"rituximab": long})])
    assert index.stats()["chunks"] > 3 and catalog._stored_counts() == catalog._counted()
    assert index.delete("dupilumab")
    assert catalog._stored_counts() == catalog._counted() and index.stats()["documents"] == 2

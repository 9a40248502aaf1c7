"""One paper, one document: which indexed document a newly read one is, and the two merged into one.

A paper arrives more than once: its PDF through a reference-manager export and its PubMed page, or two exports.
`SamePaper` matches by DOI, then PMID, then normalised title, over the index's documents and those read earlier
in the same run. A title match needs one side's title from a reference manager (`metadata_from`): titles guessed
from files ("Microsoft Word - draft.docx", "Case report") would merge different papers, and a merge of two
papers loses one. Two DOIs or PMIDs that differ are two papers, whatever their titles say.

`merge_paper` keeps the longer text (a PDF's full text over an abstract) unless the new copy comes from the same
file (then it is simply the newer version), with the metadata that belongs to that text (source, sections,
pages); the bibliographic fields come from the curated copy first, then from the newer one.
JSONL corpora keep their ids as given and are never matched (BEIR ids are the ground truth of evaluations).
"""

from __future__ import annotations

import re
from typing import Protocol

from llama_index.core import Document

from ingest.library import BIBLIOGRAPHIC, normalise_doi

PAPER_KEYS = (*BIBLIOGRAPHIC, "metadata_from", "citation_key", "publication_types", "mesh", "entry_type", "article_type")  # travel with the paper, not with one copy's text
MIN_TITLE_WORDS = 4  # shorter titles ("Case report", "Editorial") name many papers


class StoredCopy(Protocol):
    """An earlier copy: a `DocumentRecord` from the index, or a `Pending` read earlier in this run."""

    doc_id: str
    title: str
    source: str
    text: str
    metadata: dict


def paper_keys(title: str, metadata: dict) -> dict[str, str]:
    """The identifiers one paper has whatever file it came from: DOI, PMID, normalised title."""
    words = re.findall(r"[^\W_]+", title.casefold())
    return {k: v for k, v in (("doi", normalise_doi(str(metadata.get("doi", "")))),
                              ("pmid", str(metadata.get("pmid", "")).strip()),
                              ("title", " ".join(words) if len(words) >= MIN_TITLE_WORDS else "")) if v}


class SamePaper:
    """The papers an ingest run knows: the index's documents (read once, on first use) and the run's own."""

    def __init__(self, index) -> None:  # noqa: ANN001 (a CorpusIndex; ingest imports no index type at run time)
        self._index = index
        self._by_key: dict[tuple[str, str], str] | None = None
        self._keys: dict[str, tuple[dict[str, str], bool]] = {}  # doc id -> (its keys, curated metadata)

    def match(self, doc: Document) -> tuple[str, str] | None:
        """(doc id, what matched, e.g. "DOI 10.1/x") of the document `doc` is a copy of, or None."""
        if doc.metadata.get("format") == "jsonl":
            return None
        keys, curated = paper_keys(str(doc.metadata.get("title", "")), doc.metadata), _curated(doc.metadata)
        for kind in ("doi", "pmid", "title"):
            doc_id = self._known().get((kind, keys.get(kind, "")))
            if doc_id is None:
                continue
            theirs, their_curated = self._keys[doc_id]
            if any(keys.get(k) and theirs.get(k) and keys[k] != theirs[k] for k in ("doi", "pmid")):
                continue  # another paper that shares a title, or a PMID typed into the wrong record
            if kind == "title" and not (curated or their_curated):
                continue
            return doc_id, f"{'the same title' if kind == 'title' else kind.upper() + ' ' + keys[kind]}"
        return None

    def remember(self, doc: Document) -> None:
        if doc.metadata.get("format") != "jsonl":
            self._add(doc.doc_id, str(doc.metadata.get("title", "")), doc.metadata)

    def _known(self) -> dict[tuple[str, str], str]:
        if self._by_key is None:
            self._by_key = {}
            for doc_id, title, metadata in self._index.identities():
                if metadata.get("format") != "jsonl":
                    self._add(doc_id, title, metadata)
        return self._by_key

    def _add(self, doc_id: str, title: str, metadata: dict) -> None:
        keys = paper_keys(title, metadata)
        self._keys[doc_id] = (keys, _curated(metadata))
        known = self._known()
        for kind, value in keys.items():
            known.setdefault((kind, value), doc_id)


def merge_paper(prior: StoredCopy, doc: Document) -> Document:
    """`doc` and an earlier copy of the same paper as one document, under the earlier copy's id."""
    prior_meta = {**prior.metadata, "title": prior.title, "source": prior.source}
    same_file = _file(prior_meta) == _file(doc.metadata)
    keep_new = same_file or len(doc.text) >= len(prior.text)
    text, text_meta = (doc.text, doc.metadata) if keep_new else (prior.text, prior_meta)
    paper: dict[str, object] = {}
    for meta in sorted((prior_meta, doc.metadata), key=_curated):  # stable: the curated copy last, else the newer
        paper.update({k: meta[k] for k in PAPER_KEYS if meta.get(k)})
    metadata = {**{k: v for k, v in text_meta.items() if k not in PAPER_KEYS}, **paper, "doc_id": prior.doc_id}
    return Document(text=text, id_=prior.doc_id, metadata=metadata)


def _curated(metadata: dict) -> bool:
    return bool(metadata.get("metadata_from"))


def _file(metadata: dict) -> str:
    return str(metadata.get("path") or metadata.get("source", "")).split("#")[0]

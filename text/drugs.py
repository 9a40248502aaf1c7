"""Drug names from a maintained dictionary, so any drug a user names is recognised, not only the ones we listed.

The INN stems in `biomedical_concepts.json` (-mab, -cept, -nib ...) find biologics and kinase inhibitors, but
not "hydroxychloroquine", "methotrexate" or a brand name such as "Dupixent". The dictionary of PyPI
`drug-named-entity-recognition` (Fast Data Science, MIT; built from DrugBank open data (CC0), MeSH, MedlinePlus,
the NHS and Wikipedia, already stripped of common words) maps names and brand names to their generic name; the
entries kept here are the one-word names of medicines with a DrugBank, MedlinePlus or NHS record (not MeSH-only
classes and proteins such as "Indicators and Reagents" or "Interleukin-8"). It ships as a 4-second pickle, so the one-word part is cached as JSON on first use, keyed by
the package version; nothing of it is committed here.
"""

from __future__ import annotations

import bz2
import functools
import importlib.metadata
import importlib.resources
import json
import os
import pickle
import re
import tempfile
from pathlib import Path

PACKAGE = "drug-named-entity-recognition"
MIN_LENGTH = 5  # shorter dictionary entries ("gold", "iron", "dhea") are more often words or abbreviations
_WORD = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)?\b")


def _cache_file(version: str) -> Path:
    root = Path(os.environ.get("BIOCITE_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "biocite")
    return root / f"drug-names-{version}.json"


@functools.lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """{one-word name or brand, lower case: generic name}. Empty (and recognition falls back to the stems) when
    the package is missing."""
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return {}
    cache = _cache_file(version)
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    from drug_named_entity_recognition.util import stopwords

    blob = (importlib.resources.files("drug_named_entity_recognition") / "drug_ner_dictionary.pkl.bz2").read_bytes()
    data = pickle.loads(bz2.decompress(blob))  # noqa: S301 (an installed package's own data)
    # a medicine, not a MeSH class or protein ("Indicators and Reagents", "Interleukin-8"): DrugBank, MedlinePlus or NHS
    drugs = {c for c, d in data["drug_canonical_to_data"].items() if {"drugbank_id", "medline_plus_id", "nhs_url"} & d.keys()}
    names = {v: c[0] for v, c in data["drug_variant_to_canonical"].items()
             if c and c[0] in drugs and _WORD.fullmatch(v) and len(v) >= MIN_LENGTH and v not in stopwords}
    try:  # atomic: a half-written cache would only be re-read as broken and rebuilt, but never read half
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache.parent, delete=False, suffix=".tmp", encoding="utf-8") as f:
            json.dump(names, f)
        os.replace(f.name, cache)
    except OSError:
        pass  # a read-only home: the names stay in memory for this process
    return names


def generic_names() -> set[str]:
    """Every generic name the dictionary knows (what a misspelt drug name is compared with)."""
    return set(_names().values())


def generic_name(word: str) -> str | None:
    """"Dupixent" -> "dupilumab", "prednisolone" -> "prednisolone"; None for a word that names no drug."""
    return _names().get(word.lower())


def find_drugs(text: str) -> list[tuple[int, int, str]]:
    """(start, end, generic name) of every dictionary drug name in `text`, in order. A name that is neither the
    generic nor a spelling of it is a brand or a synonym, and counts only when capitalised as brands are written:
    "Dupixent" is dupilumab, but "luminal" in "luminal surface" is not phenobarbital (brand Luminal)."""
    names = _names()
    found = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        generic = names.get(word.lower())
        if generic and (word[0].isupper() or _spelling_of(word.lower(), generic)):
            found.append((m.start(), m.end(), generic))
    return found


def _spelling_of(variant: str, generic: str) -> bool:
    """"epirubicine" and "esomeprazol" are spellings of their generic; "luminal" is not one of "phenobarbital"."""
    return variant == generic or variant[:5] == generic[:5]

"""The topic question sets are consistent with their corpora (each set's own checks, `evals/topic_sets.py`): every
cited paper exists, every evidence string is verbatim in a cited paper, every refusal's topic is absent."""

from __future__ import annotations

import importlib.util
import json

import pytest

from evals.topic_sets import check_cases, validate
from settings import PROJECT_DIR

EVALS = PROJECT_DIR / "evals"


def _absent(name: str) -> dict[str, list[str]]:
    spec = importlib.util.spec_from_file_location(f"validate_{name}", EVALS / name / "validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ABSENT


@pytest.mark.parametrize("name, prefix", [("malaria", "malaria"), ("hiv", "hiv"), ("influenza", "influenza"),
                                          ("tuberculosis", "tb")])
def test_full_text_sets_check(name, prefix, capsys):
    assert validate(EVALS / name, prefix, _absent(name)) == 0, capsys.readouterr().out


def test_the_pubmed_set_checks(capsys):
    spec = importlib.util.spec_from_file_location("pubmed_build", EVALS / "pubmed_short" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    manifest = json.loads(build.MANIFEST.read_text(encoding="utf-8"))
    docs = {d["_id"]: d for d in map(json.loads, build.CORPUS.read_text(encoding="utf-8").splitlines())}
    assert sorted(docs, key=build.sort_key) == sorted(build.manifest_ids(manifest), key=build.sort_key)
    assert build.check(manifest, docs) == 0, capsys.readouterr().out


def test_the_checks_catch_a_misquoted_evidence_and_a_present_refusal_topic():
    docs = {"a": "Dupilumab blocks IL-4 and IL-13 signalling."}
    good = {"id": "x-list-01", "type": "list", "question": "which cytokines?", "must_cite": ["a"], "expect": "answered",
            "evidence": ["Dupilumab blocks IL-4 and IL-13 signalling."], "answer": ["IL-4, IL-13"],
            "expect_entities": ["IL-4", "IL-13"]}
    refusal = {"id": "x-refuse-01", "type": "refuse", "question": "and rituximab?", "expect": "no_evidence",
               "absent": "rituximab"}
    assert check_cases([json.dumps(good), json.dumps(refusal)], docs, "x", {"x-refuse-01": ["rituximab"]})[0] == []
    bad = dict(good, evidence=["Dupilumab blocks IL-5."])
    errors, _ = check_cases([json.dumps(bad), json.dumps(refusal)], docs, "x", {"x-refuse-01": ["dupilumab"]})
    assert any("evidence not found verbatim" in e for e in errors) and any("'dupilumab' occurs" in e for e in errors)

"""Train the study-design model (`text.study_design`) from PubMedQA abstracts weakly labelled by their MeSH tags.

    python -m train.study_design --prepare ../shared/data/pubmedqa/ori_pqal.json   # once: writes the training data
    python -m train.study_design [--limit N] [--out DIR]                            # trains, prints data, seed, figures

Why weak labels: the labelled set (`evals/study_cards/`, 197 documents) is for measuring, not training, and is too
small to learn from anyway. PubMedQA's 1,000 expert-annotated abstracts (PQA-L, MIT licence) carry the MeSH headings
MEDLINE's indexers gave them; the check tags among them ("Cross-Sectional Studies", "Case-Control Studies",
"Follow-Up Studies", "Random Allocation", "Animals", ...) name a design, mapped by `text.study.MESH_DESIGNS`
(the same table the cards use for a MEDLINE record's MeSH headings). Abstracts with no such tag are left out, and so
is every PubMedQA abstract of `evals/study_cards/`. Designs with fewer than `MIN_CLASS` abstracts are left out too.

The model is scikit-learn's TF-IDF (sublinear tf, words of letters) and multinomial logistic regression, written as
plain JSON (`models/study_design/model.json`) that `text.study_design` applies without scikit-learn; training checks
that both give the same probabilities. Printed: the data, the seed, a 5-fold cross-validated accuracy on the weak
labels, and design accuracy on the labelled set's dev and test splits with the model and without it (rules alone).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
from collections import Counter
from pathlib import Path

from text.study import HEAD_CHARS, MESH_DESIGNS, design_of_mesh
from text.study_design import TOKEN, DesignModel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "train" / "data" / "study_design.jsonl.gz"
OUT = ROOT / "models" / "study_design"
EVAL_MANIFEST = ROOT / "evals" / "study_cards" / "manifest.jsonl"
SEED = 13
C = 10.0  # inverse regularisation and word pairs: cross-validated on the weak labels (words alone 0.609, C=30 0.626)
NGRAMS = 2
MIN_DF = 2
MIN_CLASS = 10
MIN_PROBABILITY = 0.5


def held_out_pmids() -> set[str]:
    """The PubMedQA abstracts of the labelled set: never trained on."""
    rows = [json.loads(line) for line in EVAL_MANIFEST.read_text().splitlines() if line.strip()]
    return {r["doc_id"] for r in rows if r["source"] == "pubmedqa"}


def prepare(ori_pqal: Path, out: Path = DATA) -> Counter:
    """Write one row per weakly labelled abstract: pmid, design, the MeSH tag that decided, the design-describing
    tags it has, and its text as `data/sample/pubmedqa/convert_pubmedqa.py` writes it (sections, then conclusion)."""
    records = json.loads(ori_pqal.read_text(encoding="utf-8"))
    skip = held_out_pmids()
    design_tags = {t for _, tags in MESH_DESIGNS for t in tags} | {"humans"}
    rows, tally = [], Counter()
    for pmid, rec in records.items():
        if pmid in skip:
            tally["held out (evals/study_cards)"] += 1
            continue
        meshes = rec["MESHES"] if isinstance(rec["MESHES"], list) else ast.literal_eval(rec["MESHES"])
        design, tag = design_of_mesh(meshes)
        if design == "unknown":
            tally["no design tag"] += 1
            continue
        sections = [f"{label.upper()}: {text}" for label, text in zip(rec["LABELS"], rec["CONTEXTS"])]
        text = "\n\n".join([*sections, f"CONCLUSIONS: {rec['LONG_ANSWER']}"])
        rows.append({"pmid": pmid, "design": design, "tag": tag,
                     "mesh": sorted(m for m in meshes if m.lower() in design_tags), "text": text})
        tally[design] += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return tally


def examples(limit: int | None = None) -> tuple[list[str], list[str]]:
    rows = [json.loads(line) for line in gzip.open(DATA, "rt", encoding="utf-8")]
    counts = Counter(r["design"] for r in rows)
    rows = [r for r in rows if counts[r["design"]] >= MIN_CLASS]
    if limit:
        rows = rows[:limit]
    # the model reads what a card reads: the title (none here) and the opening
    return [f"\n{r['text'][:HEAD_CHARS]}" for r in rows], [r["design"] for r in rows]


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(lowercase=True, token_pattern=TOKEN.pattern, ngram_range=(1, NGRAMS), min_df=MIN_DF,
                        sublinear_tf=True),
        LogisticRegression(C=C, max_iter=5000, class_weight="balanced", random_state=SEED),
    )


def as_json(pipe) -> dict:
    """The fitted pipeline as `text.study_design.DesignModel` reads it."""
    vec, clf = pipe.steps[0][1], pipe.steps[1][1]
    coef = clf.coef_ if len(clf.classes_) > 2 else [[-c for c in clf.coef_[0]], list(clf.coef_[0])]
    intercept = clf.intercept_ if len(clf.classes_) > 2 else [-clf.intercept_[0], clf.intercept_[0]]
    terms = {term: [round(float(vec.idf_[i]), 6), *(round(float(row[i]), 6) for row in coef)]
             for term, i in sorted(vec.vocabulary_.items())}
    return {"classes": [str(c) for c in clf.classes_], "intercept": [round(float(b), 6) for b in intercept],
            "min_probability": MIN_PROBABILITY, "ngrams": NGRAMS, "terms": terms}


def train(limit: int | None = None, out: Path = OUT, measure: bool = True) -> dict:
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from threadpoolctl import threadpool_limits

    texts, labels = examples(limit)
    folds = min(5, min(Counter(labels).values()))
    with threadpool_limits(1):  # a small problem: BLAS threads only contend (20 s instead of 3 on 2 busy cores)
        cv = cross_val_predict(_pipeline(), texts, labels, cv=StratifiedKFold(folds, shuffle=True, random_state=SEED))
        pipe = _pipeline().fit(texts, labels)
    model = as_json(pipe)
    reread = DesignModel(model)
    gap = max(abs(reread.probabilities(t)[c] - p) for t, row in zip(texts[:200], pipe.predict_proba(texts[:200]))
              for c, p in zip(pipe.classes_, row))
    assert gap < 1e-4, f"text.study_design differs from scikit-learn by {gap}"
    report = {"data": str(DATA.relative_to(ROOT)), "examples": dict(Counter(labels)), "seed": SEED, "C": C,
              "ngrams": NGRAMS, "min_df": MIN_DF, "vocabulary": len(model["terms"]), "folds": folds,
              "cv_accuracy_weak_labels": round(sum(a == b for a, b in zip(cv, labels)) / len(labels), 4),
              "max_probability_gap_vs_sklearn": gap}
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.json").write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    if measure:
        report["study_cards_design"] = _measure(DesignModel(model))
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def _measure(model: DesignModel) -> dict:
    """Design accuracy on the labelled set's splits with this model and with the rules alone."""
    from evals.study_cards.measure import measure

    out = {}
    for name, used in (("rules alone", None), ("with the model", model)):
        figures = measure(model=used)
        out[name] = {split: figures[split]["design"]["share"] for split in ("dev", "test")}
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m train.study_design", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prepare", metavar="ORI_PQAL_JSON", type=Path, help="write the training data from PubMedQA")
    parser.add_argument("--limit", type=int, help="train on the first N examples only (a quick check)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for model.json and training.json")
    parser.add_argument("--no-measure", action="store_true", help="skip the labelled set's figures")
    args = parser.parse_args(argv)
    if args.prepare:
        print(json.dumps(prepare(args.prepare), indent=1))
        return
    print(json.dumps(train(args.limit, args.out, not args.no_measure), indent=1))


if __name__ == "__main__":
    main()

"""Train the study-design model (`text.study_design`) from documents labelled by reading, plus MeSH weak labels.

    python -m train.study_design --prepare ../shared/data/pubmedqa/ori_pqal.json   # once: writes the weak labels
    python -m train.study_design [--limit N] [--out DIR]                            # trains, prints data, seed, figures

Two sources, neither of them the labelled set that measures the cards (`evals/study_cards/`, 197 documents):
- `train/data/study_labels/`: 1,340 documents (PubMedQA and SciFact abstracts, openings of eLife and PLOS full texts)
  labelled by design with the measuring set's schema by people reading them (its README has how, and the
  licences). These teach every design the set measures, reviews, commentaries, models and laboratory work included.
- weak labels: PubMedQA's other abstracts (PQA-L, MIT licence) carry the MeSH headings MEDLINE's indexers gave them;
  the check tags among them ("Cross-Sectional Studies", "Case-Control Studies", "Follow-Up Studies", "Random
  Allocation", "Animals", ...) name a design, mapped by `text.study.MESH_DESIGNS` (the same table the cards use for
  a MEDLINE record's MeSH headings). An abstract labelled by reading is not also taken weakly.
Designs with fewer than `MIN_CLASS` examples are left out: the rules' explicit wording places those.

The model reads what a card gives it (`text.study.model_input`): the title, the opening and the rules' signs as
words of their own, so it learns how far each rule is to be trusted. The labelled documents' 5-fold
cross-validated accuracy is printed for the model alone and for the cards' order (explicit wording first, then the
model at `MIN_PROBABILITY`, then the rules' weak signs), beside the rules alone.

The model is scikit-learn's TF-IDF (sublinear tf, words of letters) and multinomial logistic regression, written as
plain JSON (`models/study_design/model.json`) that `text.study_design` applies without scikit-learn; training checks
that both give the same probabilities. Printed: the data, the seed, the cross-validated accuracies above, and design
accuracy on the measuring set's dev and test splits with the model and without it (rules alone).
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
from collections import Counter
from pathlib import Path

from text.participants import ParticipantModel, candidates, count_participants, participants_in
from text.study import HEAD_CHARS, MESH_DESIGNS, design_of_mesh, model_input, study_card
from text.study_design import TOKEN, DesignModel

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "train" / "data" / "study_design.jsonl.gz"
LABELLED = ROOT / "train" / "data" / "study_labels"
OUT = ROOT / "models" / "study_design"
EVAL_MANIFEST = ROOT / "evals" / "study_cards" / "manifest.jsonl"
SEED = 13
# inverse regularisation: with 460 documents labelled by reading C=30 was no better than 10; with 897, cross-validated
# cards 70.5 % at C=10 and 73.8 % at C=30 (C=3: 66.4 %, C=100: 73.7 %), at a bar of 0.2; with 1,335 a tie (75.1-75.2 %)
C = 30.0
# words alone, not words and word pairs, once 1,335 documents were labelled: cross-validated cards 75.9 % against
# 75.1 % (word triples 74.9 %, pairs seen in one document 72.9 %), dev 81.0 % either way, and a model a quarter the size
NGRAMS = 1
MIN_DF = 2
MIN_CLASS = 5
# below this the cards fall back to the rules' weak signs: chosen by cross-validation on the documents labelled by
# reading, with the cards' order, and on evals/study_cards' dev split. 1,335 documents, words alone: 0.1: 76.0 % /
# 81.0 %, 0.2: 75.9 / 81.0, 0.3: 75.2 / 81.0 (a tie at 0.1-0.2). 897, with pairs: 0: 73.9 / 79.7, 0.1: 73.9 / 79.7,
# 0.2: 73.8 / 81.0, 0.3: 72.7 / 79.7. With 460 documents 0.3 had been best (cards 70.8 %, dev 79.7 %).
MIN_PROBABILITY = 0.2
# the participant ranking (`text.participants`): 5-fold cross-validated on the 637 documents whose label states a
# number (`train_participants` with these two constants changed), C = 0.1 / 0.3 / 1 / 3 gave 68.9 / 69.1 / 68.5 /
# 67.5 % at a bar of 0.1 (the rules: 65.0 %); the bar trades counts found for numbers invented where the label has
# none: 0: 70.8 % / 98 % invented, 0.1: 69.1 / 14.5 (the rules: 15.2), 0.2: 66.3 / 10.1, 0.3: 64.2 / 8.0
PARTICIPANTS_C = 0.3
PARTICIPANTS_MIN_PROBABILITY = 0.1


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


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def labelled_rows() -> list[dict]:
    """The documents labelled by reading, each with its label: `id`, `source`, `title`, `text`, `chars`, `design`."""
    docs = {r["id"]: r for r in _jsonl(LABELLED / "docs.jsonl")}
    labels = _jsonl(LABELLED / "labels.jsonl")
    return [{**docs[lab["id"]], **lab} for lab in labels]


def _reads(row: dict, counter: ParticipantModel | None) -> str:
    """What a card gives the model for this document (a full text's opening stands for it: `chars` is its length)."""
    length = row.get("chars") or len(row["text"])
    head = row["text"][:HEAD_CHARS]
    return model_input(row.get("title", ""), head, length, count_participants(head, counter))


def examples(limit: int | None = None, counter: ParticipantModel | None = None
             ) -> tuple[list[str], list[str], list[dict]]:
    """(texts, designs, the rows labelled by reading among them: those come first); `counter` counts the
    participants the texts' "signal-people" reads, as the cards will."""
    read = labelled_rows()
    seen = {r["id"].split(":", 1)[1] for r in read if r["source"] == "pubmedqa"}
    weak = [r for r in map(json.loads, gzip.open(DATA, "rt", encoding="utf-8")) if r["pmid"] not in seen]
    texts = [_reads(r, counter) for r in read] + [_reads({"text": r["text"]}, counter) for r in weak]
    labels = [r["design"] for r in read] + [r["design"] for r in weak]
    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_CLASS][: limit or None]
    return [texts[i] for i in keep], [labels[i] for i in keep], [read[i] for i in keep if i < len(read)]


def _ranking_examples(rows: list[dict]) -> tuple[list[dict], list[int], list[int], list[list[int]]]:
    """Every candidate count of every labelled opening: features, whether it is the label's number, the document it
    belongs to, and per document its candidates' values."""
    features, right, group, values = [], [], [], []
    for k, row in enumerate(rows):
        head = row["text"][:HEAD_CHARS]
        found = candidates(head, participants_in(head))
        values.append([value for value, _ in found])
        for value, feats in found:
            features.append(feats)
            right.append(int(value == row["participants"]))
            group.append(k)
    return features, right, group, values


def _ranking_json(vec, clf) -> dict:
    weights = {name: round(float(w), 5) for name, w in zip(vec.feature_names_, clf.coef_[0]) if abs(w) >= 1e-4}
    return {"intercept": round(float(clf.intercept_[0]), 5), "min_probability": PARTICIPANTS_MIN_PROBABILITY,
            "weights": dict(sorted(weights.items()))}


def _picked(values: list[list[int]], probability: list[float]) -> list[int | None]:
    """Each document's count at the shipped bar: its likeliest candidate's value, or None."""
    picks, at = [], 0
    for vals in values:
        probs = probability[at : at + len(vals)]
        at += len(vals)
        best = max(range(len(vals)), key=probs.__getitem__, default=None)
        picks.append(vals[best] if best is not None and probs[best] >= PARTICIPANTS_MIN_PROBABILITY else None)
    return picks


def _counted(rows: list[dict], picks: list[int | None]) -> dict:
    """Counts right where the label states one, and numbers given where it states none."""
    stated = [(row["participants"], pick) for row, pick in zip(rows, picks) if row["participants"] is not None]
    unstated = [pick for row, pick in zip(rows, picks) if row["participants"] is None]
    return {"right": round(sum(label == pick for label, pick in stated) / max(1, len(stated)), 4),
            "invented": round(sum(pick is not None for pick in unstated) / max(1, len(unstated)), 4)}


def train_participants(out: Path, limit: int | None = None) -> tuple[ParticipantModel, dict]:
    """Fit the participant ranking on every document labelled by reading; report its 5-fold cross-validated
    accuracy (folds by document) beside the rules'."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    rows = labelled_rows()[: limit or None]
    features, right, group, values = _ranking_examples(rows)
    vec = DictVectorizer()
    x = vec.fit_transform(features)
    held_out = [0.0] * len(right)
    for train_at, test_at in GroupKFold(5).split(x, right, group):
        fold = LogisticRegression(C=PARTICIPANTS_C, max_iter=5000).fit(x[train_at], [right[i] for i in train_at])
        for i, p in zip(test_at, fold.predict_proba(x[test_at])[:, 1]):
            held_out[i] = float(p)
    clf = LogisticRegression(C=PARTICIPANTS_C, max_iter=5000).fit(x, right)
    model = _ranking_json(vec, clf)
    reread = ParticipantModel(model)
    gap = max(abs(reread.probability(f) - p) for f, p in zip(features[:500], clf.predict_proba(x[:500])[:, 1]))
    assert gap < 1e-3, f"text.participants differs from scikit-learn by {gap}"
    report = {"documents": len(rows), "stated": sum(row["participants"] is not None for row in rows),
              "C": PARTICIPANTS_C, "min_probability": PARTICIPANTS_MIN_PROBABILITY, "features": len(model["weights"]),
              "in_sample_ranking": _counted(rows, _picked(values, clf.predict_proba(x)[:, 1].tolist())),
              "cv_ranking": _counted(rows, _picked(values, held_out)),
              "rules": _counted(rows, [participants_in(row["text"][:HEAD_CHARS]) for row in rows])}
    out.mkdir(parents=True, exist_ok=True)
    (out / "participants.json").write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    return reread, report


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
    from sklearn.model_selection import StratifiedKFold
    from threadpoolctl import threadpool_limits

    # first: the design model reads the cards' count. The ranking is fitted on every labelled document, so in the
    # design's cross-validation below a held-out document's "signal-people" comes from a ranking that saw its label
    # (a count of ten or more, or not: the design figures moved 75.9 -> 76.1 % when the ranking came in)
    counter, participants_report = train_participants(out, limit)
    texts, labels, read = examples(limit, counter)
    n_read = len(read)
    read_labels = labels[:n_read]
    folds = max(2, min(5, min(Counter(read_labels).values())))  # a small --limit may hold a class once
    hits: Counter = Counter()
    with threadpool_limits(1):  # a small problem: BLAS threads only contend
        # folds over the documents labelled by reading; the weak labels are always in training
        for train_at, test_at in StratifiedKFold(folds, shuffle=True, random_state=SEED).split(texts[:n_read], read_labels):
            fold = _pipeline().fit([texts[i] for i in train_at] + texts[n_read:],
                                   [labels[i] for i in train_at] + labels[n_read:])
            hits += _cross_validated([read[i] for i in test_at], fold, counter)
        pipe = _pipeline().fit(texts, labels)
    model = as_json(pipe)
    reread = DesignModel(model)
    gap = max(abs(reread.probabilities(t)[c] - p) for t, row in zip(texts[:200], pipe.predict_proba(texts[:200]))
              for c, p in zip(pipe.classes_, row))
    assert gap < 1e-4, f"text.study_design differs from scikit-learn by {gap}"
    report = {"data": [str((LABELLED / "labels.jsonl").relative_to(ROOT)), str(DATA.relative_to(ROOT))],
              "examples": dict(Counter(labels)), "labelled_by_reading": n_read, "seed": SEED, "C": C,
              "ngrams": NGRAMS, "min_df": MIN_DF, "min_probability": MIN_PROBABILITY, "vocabulary": len(model["terms"]),
              "folds": folds, "cv_labelled_documents": {k: round(hits[k] / n_read, 4) for k in ("model alone", "cards", "rules alone")},
              "max_probability_gap_vs_sklearn": gap, "participants": participants_report}
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.json").write_text(json.dumps(model, separators=(",", ":")) + "\n", encoding="utf-8")
    if measure:
        report["study_cards"] = _measure(DesignModel(model), counter)
    (out / "training.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return report


def _cross_validated(rows: list[dict], fold, counter: ParticipantModel | None) -> Counter:
    """How many of these held-out documents the fold's model gets right alone, inside the cards (`study_card` with
    it: explicit wording first, then the model, then the rules' weak signs) and how many the rules alone get right."""
    model = DesignModel(as_json(fold))
    hits: Counter = Counter()
    for row in rows:
        length = row.get("chars") or len(row["text"])
        padded = row["text"] + " " * max(0, length - len(row["text"]))  # a full text's length, for the rules
        alone, _ = model.classify(_reads(row, counter))
        hits["model alone"] += alone == row["design"]
        hits["cards"] += study_card(padded, {"title": row.get("title", "")}, model, counter).design == row["design"]
        hits["rules alone"] += study_card(padded, {"title": row.get("title", "")}, None, None).design == row["design"]
    return hits


def _measure(model: DesignModel, counter: ParticipantModel | None) -> dict:
    """Design and participant accuracy on the labelled set's splits with these models and with the rules alone."""
    from evals.study_cards.measure import measure

    out = {}
    for name, used, counted_by in (("rules alone", None, None), ("with the models", model, counter)):
        figures = measure(model=used, counter=counted_by)
        out[name] = {split: {field: figures[split][field]["share"] for field in
                             ("design", "participants", "participants_invented")} for split in ("dev", "test")}
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

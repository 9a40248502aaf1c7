"""The reader (answer/reader.py): the shipped weights on every backend, the swaps, and the training command.

Fast tests check the tokenisation and span arithmetic. Slow tests load the shipped reader for real: it must
tell a sentence that answers from one that is only on the topic, read the span inside the answering sentence,
give the same relevance on OpenVINO as on torch fp32 within the agreement bar, and be swappable for a
CrossEncoder folder, a Hugging Face QA folder, or nothing. The training command runs a few steps on a handful
of examples and writes a folder the loader accepts (the full training stays out of CI: `python -m train.reader`).
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import numpy as np
import pytest

from answer.reader import (
    AGREEMENT,
    MAX_QUESTION_TOKENS,
    Variant,
    best_span,
    bundled_reader_path,
    calibration_pairs,
    choose_variant,
    encode_pairs,
    load_reader,
    pick_reader_variant,
    reader_kind,
    restates,
    span_probability,
    stems,
)
from errors import ModelLoadError

# (question, sentence that answers it, sentence on the same topic that does not), written for these tests
PAIRS = [
    ("How is the vaccine given?", "The vaccine is injected intramuscularly in two doses four weeks apart.",
     "Vaccines against malaria have been pursued for more than fifty years."),
    ("How many patients were enrolled?", "Fifteen patients were enrolled between 2015 and 2018.",
     "Patients with IgG4-related disease often have raised serum IgG4."),
    ("Which receptor does dupilumab block?", "Dupilumab blocks the interleukin-4 receptor alpha subunit.",
     "Dupilumab was well tolerated and no patient stopped treatment."),
    ("What causes sickle cell disease?", "Sickle cell disease is caused by a point mutation in the beta-globin gene.",
     "Sickle cell disease affects millions of people worldwide."),
    ("Where do mosquitoes deposit sporozoites?", "Mosquitoes deposit sporozoites into the skin of the host while probing.",
     "Sporozoites were imaged with a spinning-disk confocal microscope."),
    ("What was the median follow-up?", "The median follow-up was 26 months (range 6-60).",
     "Follow-up visits were scheduled every three months."),
]


def _tokenizer():
    import tokenizers

    from index.embedding import default_model_path

    return tokenizers.Tokenizer.from_file(str(default_model_path() / "tokenizer.json"))


def test_pairs_map_tokens_back_to_the_unit_and_cut_long_questions():
    tok = _tokenizer()
    text = "Dupilumab blocks IL-4Rα."
    enc = encode_pairs(tok, "which receptor? " * 40, [text, "Short."])
    assert enc.input_ids.shape[0] == 2 and enc.attention_mask[1].sum() < enc.attention_mask[0].sum()
    question_tokens = int((enc.token_type_ids[0] == 0).sum()) - 2  # less [CLS] and the first [SEP]
    assert question_tokens <= MAX_QUESTION_TOKENS
    pieces = [text[a:b] for a, b in filter(None, enc.offsets[0])]
    assert "".join(pieces) == text.replace(" ", "")  # every character of the unit, each once, in order
    assert all(o is None for o, t in zip(enc.offsets[0], enc.token_type_ids[0]) if t == 0)  # no offset in the question


def test_best_span_stays_inside_the_unit_and_its_probability_is_a_probability():
    offsets = [None, None, (0, 3), (4, 9), (10, 15), None]
    start = np.array([9.0, 9.0, 0.0, 5.0, 1.0, 9.0])
    end = np.array([9.0, 9.0, 0.0, 1.0, 6.0, 9.0])
    span, score = best_span(start, end, offsets)
    assert span == (4, 15) and score == 11.0  # the question's tokens and [SEP] score higher and are not eligible
    p = span_probability(start, end, offsets, span)
    assert 0.0 < p <= 1.0


def test_a_span_that_restates_the_question_gives_way_to_the_next_best():
    text = "in the micronemes, an apical organelle of merozoites"
    offsets = [None, (0, 2), (3, 6), (7, 17), (19, 21), (22, 28), (29, 38), (39, 41), (42, 52), None]
    start = np.array([0, 0, 1, 4, 0, 0, 6, 0, 0, 0], dtype=float)  # the appositive scores best ...
    end = np.array([0, 0, 0, 7, 0, 0, 0, 0, 5, 0], dtype=float)
    question = "In which merozoite organelle is PfMA found?"
    assert best_span(start, end, offsets)[0] == (29, 52)
    assert best_span(start, end, offsets, text, question)[0] == (7, 17)  # ... but says what was asked about
    assert restates(stems(question), "apical organelle of merozoites")
    assert not restates(stems("In what century did it begin?"), "7th century")  # a number is new information
    assert not restates(stems("Which cruise line celebrated in Southampton?"), "P&O Cruises")


@pytest.mark.slow
def test_the_shipped_reader_tells_answering_sentences_from_topical_ones():
    reader = load_reader("bundled", "torch", "float32")
    assert reader_kind(bundled_reader_path()) == "bundled"
    wins = 0
    for question, answer, topical in PAIRS:
        good, other = reader.read(question, [answer, topical])
        wins += good.relevance > other.relevance
        assert good.span and answer[good.span[0] : good.span[1]].strip()
    assert wins >= len(PAIRS) - 1  # measured: all of them


@pytest.mark.slow
def test_the_shipped_reader_reads_a_span_inside_the_answer():
    reader = load_reader("bundled", "torch", "float32")
    (reading,) = reader.read("How many patients were enrolled?", ["Fifteen patients were enrolled between 2015 and 2018."])
    assert "Fifteen" in "Fifteen patients were enrolled between 2015 and 2018."[reading.span[0] : reading.span[1]]


@pytest.fixture(scope="module")
def reader_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh model cache for this module's variant tests and its auto choice, with the run's converted OpenVINO
    graphs and no choice (`seeded_model_cache`): where the default cache has none, they are exported, and int8
    calibrated, here once (each test did it again in its own folder: ~40 s on AMD EPYC AVX-512, more on AVX2). A
    choice is cached with the variants it chose among, so a test choosing among others measures anew."""
    from tests.conftest import seeded_model_cache

    return seeded_model_cache(tmp_path_factory.mktemp("reader-cache"), "reader-*-openvino-*")


@pytest.mark.slow
@pytest.mark.parametrize("backend, precision", [("openvino", "float32"), ("openvino", "bfloat16"), ("openvino", "int8")])
def test_openvino_variants_agree_with_torch_fp32(backend, precision, reader_cache):
    reference = load_reader("bundled", "torch", "float32")
    try:
        variant = load_reader("bundled", backend, precision, cache_dir=reader_cache)
    except ModelLoadError as exc:  # bf16 without bf16 kernels on this CPU: the auto choice skips it the same way
        pytest.skip(f"{backend} {precision} does not run here: {exc}")
    def relevances(reader, pairs) -> np.ndarray:  # read question by question, as the answerer and the choice do
        by_question: dict[str, list[str]] = {}
        for q, t in pairs:
            by_question.setdefault(q, []).append(t)
        return np.array([r.relevance for q, texts in by_question.items() for r in reader.read(q, texts)])

    # The auto choice holds each variant to AGREEMENT at the 95th percentile of the 96 shipped calibration pairs.
    calibration = calibration_pairs(bundled_reader_path())
    gap = float(np.percentile(np.abs(relevances(variant, calibration) - relevances(reference, calibration)), 95))
    if gap > AGREEMENT:  # too far from fp32 on this CPU (reader run 4's int8 on AMD EPYC AVX-512: 0.041): never chosen
        allowed = [Variant("torch", "float32"), Variant(backend, precision)]
        assert choose_variant(bundled_reader_path(), allowed, reader_cache) == Variant("torch", "float32")
        return
    # A variant within the bar: on these 12 pairs every gap stays under 2.5x that bar (measured worst: int8 0.073,
    # reader run 3), and no answering sentence falls below its topical one that fp32 ranked under it.
    pairs = [(q, t) for q, a, b in PAIRS for t in (a, b)]  # answering, topical, answering, ...
    ref, got = relevances(reference, pairs), relevances(variant, pairs)
    assert np.abs(ref - got).max() <= 2.5 * AGREEMENT, np.abs(ref - got).round(3)
    assert ((got[0::2] > got[1::2]) == (ref[0::2] > ref[1::2])).all()


@pytest.mark.slow
def test_the_auto_choice_measures_once_and_caches_its_choice(reader_cache):
    reader = load_reader("bundled", "auto", "auto", cache_dir=reader_cache)
    choices = list(reader_cache.glob("reader-choice-*.json"))
    assert len(choices) == 1
    record = json.loads(choices[0].read_text())
    assert len(record["allowed"]) > 2  # measured among every variant, not the two the int8 test may choose between
    assert record["choice"]["backend"] == reader.variant.backend and record["measured"]
    assert all(r["relevance_gap_p95"] <= AGREEMENT for k, r in record["measured"].items() if k == str(reader.variant))


def test_a_reduced_precision_is_chosen_only_when_it_is_well_faster_and_agrees():
    torch32, ov32, bf16, int8 = (Variant("torch", "float32"), Variant("openvino", "float32"),
                                 Variant("openvino", "bfloat16"), Variant("openvino", "int8"))
    # an AVX2-only AMD EPYC: OpenVINO "bf16" runs in fp32 there, a hair faster by noise; int8 slower
    assert pick_reader_variant({torch32: (49.2, 0), ov32: (70.3, 0), bf16: (70.8, 0), int8: (60.0, 0.03)}) == ov32
    # AMD EPYC with AVX-512 bf16: bf16 1.5 times as fast and within the bar; int8 faster still but too far from fp32
    assert pick_reader_variant({torch32: (46.3, 0), ov32: (69.1, 0), bf16: (104.3, 0.005),
                                int8: (119.0, AGREEMENT + 0.001)}) == bf16
    assert pick_reader_variant({int8: (119.0, 0.01)}) == int8  # no fp32 allowed: nothing to be faster than
    assert pick_reader_variant({int8: (119.0, 0.5)}) is None


def test_none_turns_the_reader_off_and_a_bad_folder_is_a_clear_error(tmp_path):
    assert load_reader("none") is None
    with pytest.raises(ModelLoadError, match="no reader model"):
        load_reader(str(tmp_path))
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["BertForMaskedLM"]}))
    with pytest.raises(ModelLoadError, match="neither"):
        load_reader(str(tmp_path))


def test_the_answerer_and_the_model_preparation_load_the_reader_with_the_pinning_setting(settings, hash_model,
                                                                                         monkeypatch):
    """Both places that load the reader pass `embedding.cpu_pinning` on (the loader's own test checks the rest)."""
    import answer.extractive
    import answer.preparation
    import answer.reader
    from answer.extractive import ExtractiveAnswerer
    from answer.preparation import ModelPreparation
    from index.corpus import CorpusIndex

    asked = []
    monkeypatch.setattr(answer.extractive, "load_reader", lambda *args: asked.append(args[4]))
    # the preparation imports it late, and loads the chosen variant (not a reference standing in)
    monkeypatch.setattr(answer.reader, "resolved_reader", lambda *args: asked.append(args[4]))
    # the embedder is another test's: loading it here would leave an unpinned model in this worker's cache
    monkeypatch.setattr(answer.preparation, "resolved_model", lambda *_args: hash_model)
    settings.answer.reader = "bundled"
    settings.embedding.cpu_pinning = False
    index = CorpusIndex.open(settings.paths.index_dir, settings)
    assert ExtractiveAnswerer(index).reader is None
    preparation = ModelPreparation(index)
    preparation._run()
    assert preparation.error is None and asked == [False, False]


def _tiny_bert(folder: Path, head: str) -> Path:
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForQuestionAnswering, BertForSequenceClassification

    from index.embedding import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=256, num_labels=2 if head == "qa" else 1)
    model = BertForQuestionAnswering(config) if head == "qa" else BertForSequenceClassification(config)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("head, kind", [("qa", "qa"), ("classifier", "cross-encoder")])
def test_a_cross_encoder_or_qa_folder_swaps_in(head, kind, tmp_path):
    folder = _tiny_bert(tmp_path / head, head)
    reader = load_reader(str(folder))
    assert reader.kind == kind
    readings = reader.read("How many patients were enrolled?", ["Fifteen patients were enrolled.", "We thank the nurses."])
    assert len(readings) == 2 and all(0.0 <= r.relevance <= 1.0 for r in readings)
    assert (readings[0].span is not None) == (kind == "qa")  # only a QA model marks a span
    with pytest.raises(ModelLoadError, match="torch fp32 only"):
        load_reader(str(folder), "openvino", "auto")


@pytest.mark.slow
def test_training_runs_a_few_steps_and_writes_a_reader_the_loader_accepts(tmp_path):
    from train.reader import main

    examples = tmp_path / "examples.jsonl.gz"
    rows = []
    for split in ("train", "dev"):
        for i, (question, answer, topical) in enumerate(PAIRS):
            group = f"test:{split}{i}"
            rows.append({"source": "pubmedqa", "group": group, "split": split, "question": question, "text": answer,
                         "label": 1.0, "yesno": "yes" if i % 2 else "no", "span": [0, 7], "qtype": "t"})
            rows.append({"source": "pubmedqa", "group": group, "split": split, "question": question, "text": topical,
                         "label": 0.0, "yesno": None, "span": None, "qtype": "t"})
    with gzip.open(examples, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    out = tmp_path / "reader"
    assert main(["--examples", str(examples), "--out", str(out), "--steps", "2", "--batch", "4", "--no-baseline",
                 "--mix", "pubmedqa=100", "--eval-questions", "0"]) == 0
    card = json.loads((out / "reader.json").read_text())
    assert card["steps"] == 2 and "dev/pubmedqa" in card["figures"]
    reader = load_reader(str(out), "torch", "float32")
    assert len(reader.read("a question?", ["a sentence.", "another one."])) == 2
    # --measure prints a reader's figures on the held-out sample and trains nothing
    assert main(["--examples", str(examples), "--measure", str(out), "--eval-questions", "2"]) == 0
    assert json.loads((out / "reader.json").read_text())["steps"] == 2


def test_sibling_negatives_are_other_units_of_the_same_article_in_the_questions_words_never_its_answer():
    from train.reader import sibling_negatives

    def ex(question, text, label, span=None, group="squad:emetine"):
        return {"source": "squad", "group": group, "split": "train", "question": question, "text": text,
                "label": label, "yesno": None, "span": span, "qtype": "t"}

    asked = "how does emetine stop parasite protein synthesis?"
    answer = "Emetine blocks translocation on the ribosome."
    examples = [ex(asked, answer, 1.0, span=[7, 13]),
                ex(asked, "The drug was described long ago.", 0.0),  # the question's own candidate: never reused
                ex("who described emetine?", "Humans taking emetine for long also stop their own protein synthesis.", 1.0),
                ex("who described it?", "Emetine blocks human cells too.", 1.0),  # holds the answer word "blocks"
                ex("what else?", "Unrelated weather report.", 1.0),
                ex("other article?", "Emetine protein synthesis parasite stop.", 1.0, group="squad:other")]
    train = [examples[0]]
    siblings = sibling_negatives(examples, train, 1, random.Random(0))
    assert [s["text"] for s in siblings] == ["Humans taking emetine for long also stop their own protein synthesis."]
    assert siblings[0]["label"] == 0.0 and siblings[0]["source"] == "squad-sibling" and siblings[0]["question"] == asked
    assert sibling_negatives([{**e, "source": "boolq"} for e in examples], [{**examples[0], "source": "boolq"}], 1,
                             random.Random(0)) == []  # only the sources whose other units reliably do not answer


def test_a_mix_key_draws_one_kind_of_question_and_no_pair_twice():
    from train.reader import training_set

    def ex(question, source="squad"):
        return {"source": source, "group": question, "split": "train", "question": question, "text": "t", "label": 1.0}

    how = [ex("How does emetine stop protein synthesis?"), ex("why do vaccines fail in endemic areas?")]
    other = [ex("How many var genes are there?"), ex("What is basigin?"), ex("How long does it last?")]
    examples = how + other + [ex("Why is the sky blue?", source="selqa"), {**ex("How does it work?"), "split": "dev"}]
    drawn = training_set(examples, {"squad.howwhy": 10}, random.Random(0))
    assert sorted(e["question"] for e in drawn) == sorted(e["question"] for e in how)  # not "how many/long", not dev
    both = training_set(examples, {"squad.howwhy": 1, "squad": 10}, random.Random(0))
    assert len(both) == 5 and len({id(e) for e in both}) == 5  # the source's draw skips the pair the kind took
    labelled = [{**ex("Does emetine stop protein synthesis?"), "yesno": "yes"}, {**ex("Is it safe?"), "yesno": "no"}]
    verdicts = training_set(examples + labelled, {"squad.verdict": 10}, random.Random(0))
    assert sorted(e["question"] for e in verdicts) == sorted(e["question"] for e in labelled)  # only yes/no pairs


def test_fulltext_questions_become_positives_with_spans_and_same_paper_negatives_without_the_answer(tmp_path):
    """`python -m train.prepare --fulltext DIR`: the evidence units are positives (span on the answer, verdict on a
    yes/no question); the negatives are other units of the same paper, never one holding the answer; papers are
    split whole between train and dev."""
    from train.prepare import fulltext

    docs = tmp_path / "docs"
    docs.mkdir()
    paper = ("Monocytes carry bacteria\n\nAbstract\n\nMonocytes carry bacteria to lymph nodes. We studied markers.\n\n"
             "Results\n\nThe transferred monocytes up-regulated CD11c and CD103 in lymph nodes. Mice were housed in "
             "cages. Monocyte markers changed in lymph nodes over time. Deficient monocytes still carried bacteria.")
    for name in ("p1", "p2", "p3", "p4"):
        (docs / f"{name}.txt").write_text(paper)
    rows = [{"id": "q1", "doc_id": "p1", "type": "list", "question": "which markers do monocytes gain in the nodes?",
             "evidence": ["The transferred monocytes up-regulated CD11c and CD103 in lymph nodes."], "answer": "CD11c and CD103"},
            {"id": "q2", "doc_id": "p2", "type": "yesno", "question": "can deficient monocytes still move bacteria?",
             "evidence": ["Deficient monocytes still carried bacteria."], "answer": "yes"}]
    (tmp_path / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    out = list(fulltext(tmp_path, random.Random(0)))
    pos = [e for e in out if e["label"] == 1.0]
    assert [(e["text"][e["span"][0]:e["span"][1]] if e["span"] else e["yesno"]) for e in pos] == ["CD11c and CD103", "yes"]
    negatives = [e for e in out if e["label"] == 0.0]
    assert negatives and all("CD11c and CD103" not in e["text"] for e in negatives if e["question"] == rows[0]["question"])
    assert all(e["text"] in paper and e["source"] == "fulltext" for e in out)
    splits = {e["group"]: e["split"] for e in out}
    assert set(splits.values()) <= {"train", "dev"} and len({e["split"] for e in out if e["group"] == "fulltext:p1"}) == 1
    # a later batch (its own docs/ and questions) adds its papers after the first set's, which stay as they were
    batch = tmp_path / "batch2"
    (batch / "docs").mkdir(parents=True)
    (batch / "docs" / "b1.txt").write_text(paper)
    (batch / "questions.jsonl").write_text(json.dumps(rows[0] | {"id": "b-q1", "doc_id": "b1"}))
    again = list(fulltext(tmp_path, random.Random(0)))
    assert again[: len(out)] == out and {e["group"] for e in again[len(out):]} == {"fulltext:b1"}
    assert [e["split"] for e in again if e["group"] == "fulltext:b1"][0] == "dev"  # one paper in four, at least one


def test_the_fulltext_training_questions_are_verbatim_and_their_examples_rebuild_byte_for_byte():
    """`train/data/fulltext_qa` (questions written for this project on 16 CC BY eLife papers): every evidence
    sentence and answer is the papers' own text, and `fulltext_examples.jsonl.gz` is what `train.prepare` makes
    of them (`python -m train.prepare --fulltext train/data/fulltext_qa --out train/data/fulltext_examples.jsonl.gz`)."""
    import subprocess
    import sys

    from train.prepare import SEED, fulltext

    folder = Path(__file__).resolve().parents[2] / "train" / "data"
    # the first set and each later batch (batch*/), a paper in one folder only
    proc = subprocess.run([sys.executable, str(folder / "fulltext_qa" / "validate.py")], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("OK"), proc.stdout[-2000:] + proc.stderr[-2000:]
    assert proc.stdout.count("60 questions, 5 documents") == 5, proc.stdout  # batch2 ... batch6 were read
    with gzip.open(folder / "fulltext_examples.jsonl.gz", "rt", encoding="utf-8") as f:
        shipped = [json.loads(line) for line in f]
    assert shipped == list(fulltext(folder / "fulltext_qa", random.Random(SEED)))


def test_a_readers_scale_moves_its_scores_onto_the_reference_and_keeps_their_order():
    """`reader.json` "scale" (`python -m train.reader_scale`): relevance and verdict confidence are mapped through
    matched quantiles; which unit scores higher, and which verdict is surer, never changes."""
    from answer.reader import Reader, Reading

    reader = Reader("r", "bundled", Variant("torch", "float32"), None, None,
                    scale={"relevance": [[0.0, 0.2, 1.0], [0.0, 0.3, 1.0]], "verdict": [[0.0, 0.6, 1.0], [0.0, 0.75, 1.0]]})
    low, mid, high = (reader._on_scale(Reading(r, yes=y, no=n)) for r, y, n in ((0.1, 0.5, 0.2), (0.2, 0.1, 0.6), (0.9, 0.9, 0.05)))
    assert (low.relevance, mid.relevance) == pytest.approx((0.15, 0.3)) and low.relevance < mid.relevance < high.relevance
    assert mid.no == pytest.approx(0.75) and mid.no > mid.yes and low.yes > low.no  # the surer verdict stays surer
    assert Reader("r", "bundled", Variant("torch", "float32"), None, None)._on_scale(Reading(0.42)).relevance == 0.42



def test_reader_scale_writes_a_map_from_the_new_readers_quantiles_onto_the_references(tmp_path, monkeypatch):
    """`python -m train.reader_scale NEW --reference REF`: the map it writes takes the new reader's scores to the
    reference's at the same quantile (the median to the median), not the other way round, and keeps the card."""
    import answer.reader
    import train.reader_scale as reader_scale
    from answer.reader import Reader, Reading

    new = tmp_path / "new"
    new.mkdir()
    (new / "reader.json").write_text(json.dumps({"format": 1, "seed": 13}))
    rng = np.random.default_rng(0)
    outputs = {"new": {"relevance": list(rng.uniform(0.0, 0.5, 2000)), "verdict": list(rng.uniform(0.4, 0.8, 2000))},
               "ref": {"relevance": list(rng.uniform(0.2, 1.0, 2000)), "verdict": list(rng.uniform(0.6, 1.0, 2000))}}

    class Named:
        def __init__(self, name):
            self.name, self.scale = name, {"old": "dropped"}

    monkeypatch.setattr(answer.reader, "load_reader", lambda path: Named("new" if path == str(new) else "ref"))
    monkeypatch.setattr(reader_scale, "readings", lambda reader, sets: outputs[reader.name])
    assert reader_scale.main([str(new), "--reference", "somewhere/ref"]) == 0
    meta = json.loads((new / "reader.json").read_text())
    assert meta["seed"] == 13 and meta["scale_from"]["units"] == 2000
    scaled = Reader("r", "bundled", Variant("torch", "float32"), None, None, scale=meta["scale"])._on_scale(
        Reading(float(np.median(outputs["new"]["relevance"])), yes=float(np.median(outputs["new"]["verdict"]))))
    assert scaled.relevance == pytest.approx(np.median(outputs["ref"]["relevance"]), abs=0.02)
    assert scaled.yes == pytest.approx(np.median(outputs["ref"]["verdict"]), abs=0.02)

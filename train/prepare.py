"""Training examples for the reader, from public sets whose licences allow it.

    python -m train.prepare --medquad DIR --pubmedqa ori_pqal.json [--squad DIR] [--out train/data/reader_examples.jsonl.gz]

Each example is one (question, evidence unit) pair, a unit being what the answerer quotes: one sentence or two
adjacent sentences, cut by the project's own sentence splitter and kept only when `text.evidence` would let it be
quoted. Labels:
- `label`: does the unit state the answer (1), partly or probably (0.5-0.8), or not (0)?
- `yesno`: for a yes/no question, the verdict the unit states ("yes", "no", "maybe"), else null.
- `span`: [start, end) of the answer inside the unit's text, where the source marks one, else null.

Sources (see `models/reader/README.md` for licences and counts):
- MedQuAD (CC BY 4.0): consumer-health questions on 10,000+ NIH pages. A question's own answer gives positives;
  answers to the *other* questions of the same page (what causes X vs. how X is treated) give hard negatives,
  and sentences naming another disease, from the same kind of answer, give negatives that teach "about which
  disease". Answers that are only lists of links are skipped.
- PubMedQA PQA-L (MIT): a research question and its abstract's labelled sections. The conclusion states the
  answer (1, with the yes/no/maybe verdict), results sentences partly (0.5), background, objectives and
  methods do not (0): what separates "the aim was to compare CRP" from "CRP <= 0.8 mg/dL told them apart".
- SQuAD (CC BY-SA 4.0), when given: the sentence holding the marked answer (1, with its span), the other
  sentences of the paragraph (0).

Splits are by article and by topic, so the dev figures are out of sample twice over: `dev` holds one article
in ten (MedQuAD page, PubMed abstract, Wikipedia article) of the training topics; `topic` holds whole topics
never trained on: MedQuAD's cancer (CancerGov) and neurology (NINDS) collections, and PubMedQA abstracts
indexed under neoplasms. The PubMedQA abstracts that `evals/questions.jsonl` cites are forced into `dev`.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import hashlib
import json
import random
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

from text.evidence import is_evidence
from text.sentences import split_sentences

SEED = 13
OUT = Path(__file__).parent / "data" / "reader_examples.jsonl.gz"
TOPIC_COLLECTIONS = ("1_CancerGov_QA", "6_NINDS_QA")  # MedQuAD collections held out as unseen topics
TOPIC_MESH = re.compile(r"neoplasm|cancer|carcinoma|tumor|tumour|lymphoma|leukemia|melanoma|sarcoma", re.I)
EVAL_DOCS = Path(__file__).parent.parent / "evals" / "questions.jsonl"


def split_of(group: str, topic: bool = False, forced_dev: bool = False) -> str:
    if topic:
        return "topic"
    if forced_dev:
        return "dev"
    return "dev" if int(hashlib.sha1(group.encode()).hexdigest(), 16) % 10 == 0 else "train"


def units(text: str) -> list[tuple[str, int, int]]:
    """(unit text, start, end) of every quotable sentence and adjacent same-paragraph pair, as the answerer cuts them."""
    # a question ("How might wandering spleen be treated?") heads an answer, it never is one
    # (the evidence rule the shipped pairs were built with, so they rebuild byte for byte: no 3-4 word sentences)
    spans = [(a, b) for a, b in split_sentences(text)
             if is_evidence(text[a:b], short_sentences=False) and not text[a:b].endswith("?")]
    out = [(text[a:b], a, b) for a, b in spans]
    for (a, b), (c, d) in zip(spans, spans[1:]):
        gap = text[b:c]
        if not gap.strip() and "\n" not in gap:
            out.append((text[a:d], a, d))
    return out


def example(source: str, group: str, split: str, question: str, text: str, label: float, *, yesno: str | None = None,
            span: tuple[int, int] | None = None, qtype: str = "") -> dict[str, object]:
    return {"source": source, "group": group, "split": split, "qtype": qtype, "question": question, "text": text,
            "label": label, "yesno": yesno, "span": list(span) if span else None}


# --- MedQuAD -------------------------------------------------------------------------------------------------------
_TEMPLATE = re.compile(r"\s*\((?:are|is)\)\s*")


def _user_question(question: str, rng: random.Random) -> str:
    """"What is (are) Aarskog-Scott syndrome ?" -> "What is Aarskog-Scott syndrome?", sometimes typed lower-case or
    without its question mark, as users do."""
    q = _TEMPLATE.sub(" ", question).replace(" ?", "?").strip()
    q = " ".join(q.split())
    if rng.random() < 0.2:
        q = q[:1].lower() + q[1:]
    if rng.random() < 0.15:
        q = q.rstrip("?")
    return q


# "Is X inherited?": the verdict of the answer's first sentence, read by its wording (a weak label, most are plain)
_NOT_INHERITED = re.compile(r"\b(?:not|rarely|never)\s+(?:usually\s+|typically\s+|generally\s+|thought\s+to\s+be\s+)?"
                            r"(?:inherited|hereditary|passed down)\b|\b(?:is|are) sporadic\b|\boccurs? sporadically\b", re.I)
_INHERITED = re.compile(r"\binherited in an?\b|\b(?:is|are) inherited\b|\b(?:is|are) passed down\b", re.I)


def _inheritance_verdict(sentence: str) -> str | None:
    if _NOT_INHERITED.search(sentence):
        return "no"
    return "yes" if _INHERITED.search(sentence) else None


def _answer_sentences(answer: str) -> list[tuple[str, int, int]]:
    text = re.sub(r"[ \t]+", " ", answer.replace("\r", "")).strip()
    if re.match(r"(?:These resources|This resource|Summary|See also)\b", text) or text.count(" - ") > 4:
        return []
    return [u for u in units(text) if u[0].count(" - ") < 2]


def medquad(folder: Path, rng: random.Random) -> Iterator[dict[str, object]]:
    pages = []
    for path in sorted(folder.glob("*/*.xml")):
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        focus = (root.findtext("Focus") or "").strip()
        names = [focus] + [s.text.strip() for s in root.iter("Synonym") if s.text and len(s.text.strip()) > 3]
        pairs = []
        for pair in root.iter("QAPair"):
            q, a = pair.find("Question"), pair.find("Answer")
            if q is None or a is None or not (a.text or "").strip() or not (q.text or "").strip():
                continue
            sentences = _answer_sentences(a.text)
            if sentences:
                pairs.append((q.text.strip(), q.get("qtype", ""), sentences))
        if pairs and focus:
            collection = path.parent.name
            pages.append((f"medquad:{collection}/{path.stem}", collection, names, pairs))
    by_qtype: dict[str, list[tuple[list[str], tuple[str, int, int]]]] = {}
    for _, _, names, pairs in pages:
        for _, qtype, sentences in pairs:
            by_qtype.setdefault(qtype, []).extend((names, s) for s in sentences if s[0].count(". ") == 0)
    for group, collection, names, pairs in pages:
        split = split_of(group, topic=collection in TOPIC_COLLECTIONS)
        for question, qtype, sentences in pairs:
            q = _user_question(question, rng)
            singles = [s for s in sentences if s[0].count(". ") == 0 or len(s[0]) < 60]
            for i, (text, *_) in enumerate(singles[:3]):
                verdict = _inheritance_verdict(text) if qtype == "inheritance" and i == 0 else None
                yield example("medquad", group, split, q, text, 1.0, yesno=verdict, qtype=qtype)
            for text, *_ in rng.sample(singles[3:], min(2, len(singles[3:]))):
                yield example("medquad", group, split, q, text, 0.8, qtype=qtype)
            pair_units = [s for s in sentences if s not in singles]
            if pair_units:
                yield example("medquad", group, split, q, pair_units[0][0], 1.0, qtype=qtype)
            # other questions of the same page: a different aspect of the same disease
            if qtype != "information":
                others = [s for oq, ot, ss in pairs if ot not in (qtype, "information") for s in ss]
                for text, *_ in rng.sample(others, min(4, len(others))):
                    yield example("medquad", group, split, q, text, 0.0, qtype=qtype)
            # the same aspect of another disease, named in the sentence
            pool = by_qtype.get(qtype, [])
            lowered = [n.lower() for n in names]
            for _ in range(6):
                other_names, (text, *_) = pool[rng.randrange(len(pool))]
                low = text.lower()
                if any(n.lower() in low for n in other_names) and not any(n in low for n in lowered):
                    yield example("medquad", group, split, q, text, 0.0, qtype=qtype)
                    break


# --- PubMedQA -------------------------------------------------------------------------------------------------------
def _section_label(label: str) -> float:
    return 0.5 if re.search(r"RESULT|FINDING", label, re.I) else 0.0


def pubmedqa(path: Path, rng: random.Random) -> Iterator[dict[str, object]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    cited = set()
    if EVAL_DOCS.exists():
        for line in EVAL_DOCS.read_text(encoding="utf-8").splitlines():
            if line.strip():
                cited.update(json.loads(line).get("must_cite") or [])
    for pmid, item in sorted(data.items()):
        group = f"pubmedqa:{pmid}"
        topic = any(TOPIC_MESH.search(m) for m in item.get("MESHES", []))
        split = split_of(group, topic=topic, forced_dev=pmid in cited)
        q = item["QUESTION"].strip()
        verdict = item.get("final_decision")
        for text, *_ in units(" ".join(item["LONG_ANSWER"].split())):
            yield example("pubmedqa", group, split, q, text, 1.0, yesno=verdict, qtype="conclusion")
        for context, label in zip(item["CONTEXTS"], item["LABELS"]):
            section = _section_label(label)
            candidates = units(" ".join(context.split()))
            if section == 0.0:  # keep the negatives from dominating: at most four per section
                candidates = rng.sample(candidates, min(4, len(candidates)))
            for text, *_ in candidates:
                yield example("pubmedqa", group, split, q, text, section, qtype=label.lower())


# --- SQuAD, cpgQA, SelQA: span and answer-sentence data ------------------------------------------------------------
class _SquadPage(HTMLParser):
    """A SQuAD explorer article page: paragraphs (`<pre>`), their questions and answers (text only)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[dict] = []
        self._mode, self._buf = "", ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        cls = dict(attrs).get("class") or ""
        mode = {"pre": "context"}.get(tag) or ("question" if tag == "strong" and "question" in cls else "") or \
            ("answer" if tag == "span" and cls == "answer" else "")
        if mode:
            self._mode, self._buf = mode, ""

    def handle_endtag(self, tag: str) -> None:
        if self._mode == "context" and tag == "pre":
            self.paragraphs.append({"context": self._buf, "qas": []})
        elif self._mode == "question" and tag == "strong":
            self.paragraphs[-1]["qas"].append({"question": self._buf.strip(), "answers": []})
        elif self._mode == "answer" and tag == "span":
            self.paragraphs[-1]["qas"][-1]["answers"].append(self._buf.strip())
        else:
            return
        self._mode = ""

    def handle_data(self, data: str) -> None:
        if self._mode:
            self._buf += data


def _span_examples(source: str, group: str, split: str, question: str, context: str, answers: list[tuple[int, int]],
                   rng: random.Random, negatives: int = 2) -> Iterator[dict[str, object]]:
    """The units holding a marked answer are positives with its span; `negatives` other units of the passage are not."""
    others = []
    for text, a, b in units(context):
        inside = next(((s - a, e - a) for s, e in answers if a <= s and e <= b), None)
        if inside:
            yield example(source, group, split, question, text, 1.0, span=inside, qtype="span")
        elif not any(a < e and s < b for s, e in answers):
            others.append(text)
    for text in rng.sample(others, min(negatives, len(others))):
        yield example(source, group, split, question, text, 0.0, qtype="span")


def squad(folder: Path, rng: random.Random, max_questions: int) -> Iterator[dict[str, object]]:
    """SQuAD v1.1 explorer pages (`v1.1-train/*.html`) and the unanswerable questions of v2.0 dev (`v2.0-dev/`).
    The pages give answer text, not offsets: a question whose answer occurs more than once in its paragraph is
    left out rather than guessed."""
    questions = []
    for path in sorted((folder / "v1.1-train").glob("*.html")):
        if path.name == "index.html":
            continue
        page = _SquadPage()
        page.feed(path.read_text(encoding="utf-8"))
        group = f"squad:{path.stem}"
        for paragraph in page.paragraphs:
            context = paragraph["context"]
            for qa in paragraph["qas"]:
                answer = qa["answers"][0] if qa["answers"] else ""
                if answer and context.count(answer) == 1:
                    start = context.index(answer)
                    questions.append((group, qa["question"], context, [(start, start + len(answer))]))
    rng.shuffle(questions)
    for group, question, context, answers in questions[:max_questions]:
        yield from _span_examples("squad", group, split_of(group), question, context, answers, rng)
    for path in sorted((folder / "v2.0-dev").glob("*.html")):
        if path.name == "index.html":
            continue
        page = _SquadPage()
        page.feed(path.read_text(encoding="utf-8"))
        group = f"squad2:{path.stem}"
        for paragraph in page.paragraphs:
            for qa in paragraph["qas"]:
                if not qa["answers"]:  # written to look answerable from this paragraph, and not answered by it
                    yield from _span_examples("squad2-unanswerable", group, split_of(group), qa["question"],
                                              paragraph["context"], [], rng)


def cpgqa(path: Path, rng: random.Random) -> Iterator[dict[str, object]]:
    """cpgQA: questions on a clinical practice guideline (opioid therapy), SQuAD-style spans."""
    for entry in json.loads(path.read_text(encoding="utf-8"))["data"]:
        paragraphs = entry["paragraphs"]
        context = paragraphs["context"]
        group = f"cpgqa:{hashlib.sha1(context.encode()).hexdigest()[:12]}"
        for qa in paragraphs["qas"]:
            answers = []
            for a in qa["answers"]:
                start = context.lower().find(a["text"].lower(), max(0, a["answer_start"] - 5))
                if start >= 0:
                    answers.append((start, start + len(a["text"])))
            if answers:
                yield from _span_examples("cpgqa", group, split_of(group), qa["question"].strip(), context, answers, rng, 3)


def selqa(paths: list[Path], rng: random.Random) -> Iterator[dict[str, object]]:
    """SelQA answer-sentence selection: each candidate sentence labelled as answering the question or not."""
    for path in paths:
        for item in json.loads(path.read_text(encoding="utf-8")):
            group = f"selqa:{item['article']}"
            split = split_of(group)
            answers = set(item["answers"])
            negatives = [i for i in range(len(item["candidates"])) if i not in answers]
            for i in sorted(answers) + rng.sample(negatives, min(3, len(negatives))):
                text = " ".join(item["candidates"][i].split())
                if is_evidence(text, short_sentences=False):
                    yield example("selqa", group, split, item["question"].strip(), text, 1.0 if i in answers else 0.0,
                                  qtype="sentence")


# --- BoolQ: yes/no verdicts ----------------------------------------------------------------------------------------
def _boolq_question(question: str) -> str:
    q = question.strip()
    return q[:1].upper() + q[1:] + ("" if q.endswith("?") else "?")


def boolq(folder: Path, eraser: Path | None, rng: random.Random) -> Iterator[dict[str, object]]:
    """BoolQ questions with their verdicts. With the ERASER rationales, the unit is the evidence human annotators
    marked (one to a few sentences); otherwise a short passage (at most 120 words) whole."""
    seen = set()
    if eraser:
        for path in sorted(eraser.glob("*_data.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                evidence = item["evidences"]
                evidence = ast.literal_eval(evidence) if isinstance(evidence, str) else evidence
                texts = [" ".join(e["text"].split()) for e in evidence]
                text = " ".join(texts)
                if not texts or len(text.split()) > 120:
                    continue
                question = _boolq_question(item["query"])
                seen.add(item["query"].strip().lower())
                group = f"boolq:{item['docids']}"
                verdict = "yes" if str(item["classification"]).lower() == "true" else "no"
                yield example("boolq", group, split_of(group), question, text, 1.0, yesno=verdict, qtype="yesno")
    for line in (folder / "combined.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["question"].strip().lower() in seen or "label" not in item:
            continue
        title, _, passage = item["passage"].partition(" -- ")
        if len(passage.split()) > 120:
            continue
        group = f"boolq:{title}"
        verdict = "yes" if str(item["label"]).lower() == "true" else "no"
        yield example("boolq", group, split_of(group), _boolq_question(item["question"]), " ".join(passage.split()), 1.0,
                      yesno=verdict, qtype="yesno")


_WORDS = re.compile(r"[a-z0-9]{4,}")
FULLTEXT_DEV_SHARE = 4  # one paper in four (by a hash of its id) is dev: questions on unseen papers


def fulltext_folders(folder: Path) -> list[Path]:
    """The question set and its later batches (`batch*/`, each with its own docs/ and questions.jsonl), in order."""
    return [folder, *sorted(p for p in folder.glob("batch*") if p.is_dir())]


def fulltext_dev_papers(names) -> set[str]:
    """The papers of one fulltext folder held out as dev: one in FULLTEXT_DEV_SHARE (at least one), by a hash of the id."""
    ranked = sorted(names, key=lambda d: hashlib.sha1(d.encode()).hexdigest())
    return set(ranked[: max(1, len(ranked) // FULLTEXT_DEV_SHARE)])


def fulltext(folder: Path, rng: random.Random, hard: int = 2, random_negatives: int = 2) -> Iterator[dict[str, object]]:
    """Questions written for this project on full-text papers (`train/data/fulltext_qa` and its `batch*/`
    folders), in a user's words: the units inside a question's evidence are positives (with the answer's span where
    it is a name or number, the verdict on a yes/no question); `hard` units of the same paper sharing the most of the
    question's words and `random_negatives` others are not (never a unit holding the answer's words). The register
    a user's papers are in: results deep in a long paper, abstracts and digests that restate the question without
    answering it. Each folder holds out one paper in FULLTEXT_DEV_SHARE (by a hash of its id) as dev."""
    for part in fulltext_folders(folder):
        yield from _fulltext_folder(part, rng, hard, random_negatives)


def _fulltext_folder(folder: Path, rng: random.Random, hard: int, random_negatives: int) -> Iterator[dict[str, object]]:
    docs = {p.stem: p.read_text(encoding="utf-8") for p in sorted((folder / "docs").glob("*.txt"))}
    dev = fulltext_dev_papers(docs)
    cut = {d: units(t) for d, t in docs.items()}
    for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        q = json.loads(line)
        doc, text = q["doc_id"], docs[q["doc_id"]]
        group, split = f"fulltext:{doc}", "dev" if q["doc_id"] in dev else "train"
        where = [(text.index(e), text.index(e) + len(e)) for e in q["evidence"] if e in text]
        answer = str(q.get("answer", "")) if q["type"] in ("list", "factoid", "number") else ""
        verdict = q["answer"] if q["type"] == "yesno" and q.get("answer") in ("yes", "no") else None
        others = []
        for unit, a, b in cut[doc]:
            if any(s - 1 <= a and b <= e + 1 for s, e in where):  # a sentence (or pair) of the evidence
                at = unit.find(answer) if answer else -1
                yield example("fulltext", group, split, q["question"], unit, 1.0, yesno=verdict,
                              span=(at, at + len(answer)) if at >= 0 else None, qtype=q["type"])
            elif not any(a < e and s < b for s, e in where) and not (answer and answer.lower() in unit.lower()):
                others.append(unit)
        asked = set(_WORDS.findall(q["question"].lower()))
        rng.shuffle(others)
        by_words = sorted(others, key=lambda u: -len(asked & set(_WORDS.findall(u.lower()))))
        picked = by_words[:hard] + rng.sample(by_words[hard:], min(random_negatives, max(0, len(by_words) - hard)))
        for unit in picked:
            yield example("fulltext", group, split, q["question"], unit, 0.0, qtype=q["type"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--medquad", type=Path, help="MedQuAD checkout (folders of XML files)")
    parser.add_argument("--pubmedqa", type=Path, help="PubMedQA ori_pqal.json")
    parser.add_argument("--squad", type=Path, help="SQuAD explorer pages (folders v1.1-train/, v2.0-dev/)")
    parser.add_argument("--squad-questions", type=int, default=30_000)
    parser.add_argument("--cpgqa", type=Path, help="cpgQA-v1.0.json")
    parser.add_argument("--selqa", type=Path, nargs="*", default=[], help="SelQA answer-sentence-selection JSON files")
    parser.add_argument("--boolq", type=Path, help="BoolQ folder (combined.jsonl)")
    parser.add_argument("--boolq-eraser", type=Path, help="BoolQ ERASER rationales folder (*_data.jsonl)")
    parser.add_argument("--fulltext", type=Path, help="questions written on full-text papers (train/data/fulltext_qa)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    rng = random.Random(SEED)
    counts: dict[tuple[str, str], int] = {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as out:
        streams = []
        if args.medquad:
            streams.append(medquad(args.medquad, rng))
        if args.pubmedqa:
            streams.append(pubmedqa(args.pubmedqa, rng))
        if args.squad:
            streams.append(squad(args.squad, rng, args.squad_questions))
        if args.cpgqa:
            streams.append(cpgqa(args.cpgqa, rng))
        if args.selqa:
            streams.append(selqa(args.selqa, rng))
        if args.boolq:
            streams.append(boolq(args.boolq, args.boolq_eraser, rng))
        if args.fulltext:
            streams.append(fulltext(args.fulltext, rng))
        for stream in streams:
            for ex in stream:
                out.write(json.dumps(ex, ensure_ascii=False) + "\n")
                key = (str(ex["source"]), str(ex["split"]))
                counts[key] = counts.get(key, 0) + 1
    tmp.replace(args.out)
    print(f"seed {SEED}; wrote {sum(counts.values()):,} examples to {args.out}")
    for (source, split), n in sorted(counts.items()):
        print(f"  {source:10s} {split:6s} {n:8,}")


if __name__ == "__main__":
    main()

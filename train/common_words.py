"""Build the word lists of `text/data/`: the words a general reader knows, and the everyday words that are medicine's.

    python -m train.common_words --squad DIR   # DIR: SQuAD explorer pages (v1.1-train/*.html)
    python -m train.common_words --biomedical  # from train/data/reader_examples.jsonl.gz

`common_words.txt.gz`: every lower-cased word of three letters or more that occurs at least twice in the 18,896
Wikipedia paragraphs of SQuAD v1.1 train (CC BY-SA 4.0): 41,144 words. Only the words are kept, no text. The
answerer uses the list to tell a specific term the papers do not cover ("knowlesi", "pyrethroid") from an everyday
word a user chose ("kids", "hamper").

`biomedical_words.txt.gz`: the words of that list that are medicine's rather than everyday English ("pregnancy",
"diabetes", "meningitis", "urine"): in the reader's training sentences, at least `--ratio` times as frequent in
consumer-health answers (MedQuAD, cpgQA) *and* in research abstracts (PubMedQA) as in Wikipedia (SQuAD, SelQA,
BoolQ), and in at least `--min-per-10k` of each kind's sentences. Requiring both medical kinds keeps out the
boilerplate of one ("causes", "exact" in MedQuAD; "findings" in abstracts). A question naming such a word that no
paper contains is asking about something the papers do not cover ("Which TB drugs are safe in pregnancy?").
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
from pathlib import Path

TEXT_DATA = Path(__file__).parent.parent / "text" / "data"
OUT = TEXT_DATA / "common_words.txt.gz"
BIOMEDICAL_OUT = TEXT_DATA / "biomedical_words.txt.gz"
EXAMPLES = Path(__file__).parent / "data" / "reader_examples.jsonl.gz"
KINDS = {"medquad": "consumer", "cpgqa": "consumer", "pubmedqa": "research",
         "squad": "general", "squad2-unanswerable": "general", "selqa": "general", "boolq": "general"}


def _write(path: Path, words: list[str]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as f:  # mtime 0: the same words give the same bytes
        f.write(("\n".join(words) + "\n").encode())


def common_words(squad: Path, min_count: int) -> list[str]:
    from train.prepare import _SquadPage

    counts: collections.Counter[str] = collections.Counter()
    for path in sorted((squad / "v1.1-train").glob("*.html")):
        page = _SquadPage()
        page.feed(path.read_text(encoding="utf-8"))
        for paragraph in page.paragraphs:
            counts.update(w.lower() for w in re.findall(r"[A-Za-z]+", paragraph["context"]))
    return sorted(w for w, n in counts.items() if n >= min_count and len(w) >= 3)


def biomedical_words(examples: Path, ratio: float, min_per_10k: float) -> list[str]:
    """The common words (4+ letters) far more frequent in both kinds of medical text than in Wikipedia."""
    from text.common_words import _words

    counts = {kind: collections.Counter() for kind in set(KINDS.values())}
    sentences: collections.Counter[str] = collections.Counter()
    seen = set()
    with gzip.open(examples, "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            kind = KINDS.get(row["source"])
            if kind is None or (row["source"], row["text"]) in seen:
                continue  # one sentence is paired with many questions: count it once
            seen.add((row["source"], row["text"]))
            counts[kind].update(set(re.findall(r"[a-z]+", row["text"].lower())))
            sentences[kind] += 1

    def per_10k(kind: str, word: str) -> float:
        return counts[kind][word] / sentences[kind] * 1e4

    common = _words()
    return sorted(
        w for w in counts["consumer"] if w in common and len(w) >= 4 and all(
            per_10k(kind, w) >= min_per_10k and per_10k(kind, w) >= ratio * (per_10k("general", w) + 0.05)
            for kind in ("consumer", "research")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, help="SQuAD explorer pages: rebuild common_words.txt.gz")
    parser.add_argument("--min-count", type=int, default=2)
    parser.add_argument("--biomedical", action="store_true", help="rebuild biomedical_words.txt.gz")
    parser.add_argument("--examples", type=Path, default=EXAMPLES)
    parser.add_argument("--ratio", type=float, default=4.0)
    parser.add_argument("--min-per-10k", type=float, default=1.0)
    args = parser.parse_args(argv)
    if not args.squad and not args.biomedical:
        parser.error("give --squad DIR, --biomedical or both")
    if args.squad:
        words = common_words(args.squad, args.min_count)
        _write(OUT, words)
        print(f"{len(words):,} words -> {OUT}")
    if args.biomedical:
        words = biomedical_words(args.examples, args.ratio, args.min_per_10k)
        _write(BIOMEDICAL_OUT, words)
        print(f"{len(words):,} words -> {BIOMEDICAL_OUT}")


if __name__ == "__main__":
    main()

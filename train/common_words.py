"""Build `text/data/common_words.txt.gz`: the words a general reader knows.

    python -m train.common_words --squad DIR   # DIR: SQuAD explorer pages (v1.1-train/*.html)

Every lower-cased word of three letters or more that occurs at least twice in the 18,896 Wikipedia paragraphs of
SQuAD v1.1 train (CC BY-SA 4.0): 41,144 words. Only the words are kept, no text. The answerer uses the list to
tell a specific term the papers do not cover ("knowlesi", "pyrethroid") from an everyday word a user chose.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import re
from pathlib import Path

from train.prepare import _SquadPage

OUT = Path(__file__).parent.parent / "text" / "data" / "common_words.txt.gz"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", type=Path, required=True)
    parser.add_argument("--min-count", type=int, default=2)
    args = parser.parse_args(argv)
    counts: collections.Counter[str] = collections.Counter()
    for path in sorted((args.squad / "v1.1-train").glob("*.html")):
        page = _SquadPage()
        page.feed(path.read_text(encoding="utf-8"))
        for paragraph in page.paragraphs:
            counts.update(w.lower() for w in re.findall(r"[A-Za-z]+", paragraph["context"]))
    words = sorted(w for w, n in counts.items() if n >= args.min_count and len(w) >= 3)
    with gzip.GzipFile(OUT, "wb", mtime=0) as f:  # mtime 0: the same words give the same bytes
        f.write(("\n".join(words) + "\n").encode())
    print(f"{len(words):,} words (of {len(counts):,}) -> {OUT}")


if __name__ == "__main__":
    main()

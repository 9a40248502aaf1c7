"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set (batch2).

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python train/data/fulltext_qa/batch2/convert.py

Each article is read from the fetched bare git snapshot at the commit recorded in README.md
(`git show COMMIT:PATH`), so the output can be rebuilt byte for byte.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVALS = HERE.parents[3] / "evals"

_spec = importlib.util.spec_from_file_location("malaria_convert", EVALS / "malaria" / "convert.py")
malaria_convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(malaria_convert)

ELIFE = malaria_convert.ELIFE

# document id -> (source, path inside the repository)
ARTICLES = {
    "cardio_sec24a_pcsk9_cholesterol_2013": (ELIFE, "elife00444.xml"),
    "onco_braf_inhibitors_jnk_apoptosis_2013": (ELIFE, "elife00969.xml"),
    "infect_dengue_mast_cells_vascular_leakage_2013": (ELIFE, "elife00481.xml"),
    "rheum_prevotella_copri_arthritis_2013": (ELIFE, "elife01202.xml"),
    "neuro_nrsf_epileptogenesis_2014": (ELIFE, "elife01267.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

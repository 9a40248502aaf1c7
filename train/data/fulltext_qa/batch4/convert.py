"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set (batch4).

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python train/data/fulltext_qa/batch4/convert.py

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
    "infect_meningococcal_fhr3_factor_h_2014": (ELIFE, "elife04008.xml"),
    "neuro_huntington_gpr52_2015": (ELIFE, "elife05449.xml"),
    "genetics_fshd_dux4_nmd_2015": (ELIFE, "elife04996.xml"),
    "endo_type1_diabetes_bet_inhibitor_2014": (ELIFE, "elife04631.xml"),
    "onco_apical_extrusion_tumor_2015": (ELIFE, "elife04069.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

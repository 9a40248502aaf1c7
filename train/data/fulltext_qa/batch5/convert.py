"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set (batch 5).

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this batch's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python train/data/fulltext_qa/batch5/convert.py

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
    "endo_cacna1h_hypertension_aldosteronism_2015": (ELIFE, "elife06315.xml"),
    "epi_ebola_drc_outbreaks_2015": (ELIFE, "elife09015.xml"),
    "onco_egfr_lung_cancer_sox2_foxo6_2015": (ELIFE, "elife06132.xml"),
    "neuro_pain_signal_eae_relapse_2015": (ELIFE, "elife08733.xml"),
    "metab_pdz_rhogef_obesity_diabetes_2015": (ELIFE, "elife06011.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

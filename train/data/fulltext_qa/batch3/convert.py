"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set (batch3).

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python train/data/fulltext_qa/batch3/convert.py

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
    "psych_autism_adhd_family_alcohol_use_disorder_2014": (ELIFE, "elife02917.xml"),
    "onco_flt3_aml_myelosuppression_2014": (ELIFE, "elife03445.xml"),
    "endo_beta_cell_dedifferentiation_tgfb_inhibitor_2014": (ELIFE, "elife02809.xml"),
    "neuro_nt3_cochlear_synapse_regeneration_2014": (ELIFE, "elife03564.xml"),
    "genetics_facial_gestalt_syndrome_diagnosis_2014": (ELIFE, "elife02020.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

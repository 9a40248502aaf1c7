"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set (batch6).

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python train/data/fulltext_qa/batch6/convert.py

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
    "infect_hsv2_glycoprotein_d_deleted_vaccine_2015": (ELIFE, "elife06054.xml"),
    "onco_spop_prostate_cancer_genomic_instability_2015": (ELIFE, "elife09207.xml"),
    "neuro_blindsight_geniculo_extrastriate_2015": (ELIFE, "elife08935.xml"),
    "genetics_aicardi_goutieres_hypomethylation_2015": (ELIFE, "elife08007.xml"),
    "endo_galectin8_rankl_bone_loss_2015": (ELIFE, "elife05914.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

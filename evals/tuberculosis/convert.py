"""JATS XML (eLife, PLOS) to the plain-text layout of evals/tuberculosis/docs.

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python evals/tuberculosis/convert.py

Each article is read from the fetched bare git snapshot at the commit recorded in README.md
(`git show COMMIT:PATH`), so the output can be rebuilt byte for byte.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_spec = importlib.util.spec_from_file_location("malaria_convert", HERE.parent / "malaria" / "convert.py")
malaria_convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(malaria_convert)

ELIFE, PLOS = malaria_convert.ELIFE, malaria_convert.PLOS

# document id -> (source, path inside the repository)
ARTICLES = {
    "tb_ccr2_monocytes_t_cell_priming_2013": (ELIFE, "elife01086.xml"),
    "tb_diagnostics_impact_cost_model_2014": (ELIFE, "elife02565.xml"),
    "tb_wgs_transmission_malawi_2015": (ELIFE, "elife05166.xml"),
    "tb_wgs_malawi_insight_2015": (ELIFE, "elife06782.xml"),
    "tb_card_open_complex_2015": (ELIFE, "elife08505.xml"),
    "tb_mycolic_acid_cd1b_t_cells_2015": (ELIFE, "elife08525.xml"),
    "tb_mdr_treatment_meta_analysis_2012": (PLOS, "allofplos/starter_corpus/journal.pmed.1001300.xml"),
    "tb_elispot_children_latent_active_2012": (PLOS, "allofplos/starter_corpus/journal.pone.0046041.xml"),
    "tb_parb_partition_assembly_2012": (PLOS, "allofplos/starter_corpus/journal.pone.0052690.xml"),
    "tb_macrophage_transcriptional_profiles_2012": (PLOS, "allofplos/starter_corpus/journal.ppat.1002769.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""JATS XML (eLife) to the plain-text layout of evals/influenza/docs.

Reuses the converter of evals/malaria (imported from its file, not copied, so both sets share one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python evals/influenza/convert.py

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

ELIFE = malaria_convert.ELIFE

# document id -> (source, path inside the repository)
ARTICLES = {
    "influenza_np_epistasis_2013": (ELIFE, "elife00631.xml"),
    "influenza_stability_valleys_insight_2013": (ELIFE, "elife00842.xml"),
    "influenza_ha_membrane_fusion_2013": (ELIFE, "elife00333.xml"),
    "influenza_vaccination_genomics_2013": (ELIFE, "elife00299.xml"),
    "influenza_vaccine_response_insight_2013": (ELIFE, "elife00899.xml"),
    "influenza_antigenic_dynamics_2014": (ELIFE, "elife01914.xml"),
    "influenza_ha_mutational_tolerance_2014": (ELIFE, "elife03300.xml"),
    "influenza_predicting_evolution_trees_2014": (ELIFE, "elife03568.xml"),
    "influenza_genealogy_prediction_insight_2014": (ELIFE, "elife05060.xml"),
    "influenza_pandemic_risk_assessment_2014": (ELIFE, "elife03883.xml"),
    "influenza_autophagy_memory_cd8_2014": (ELIFE, "elife03706.xml"),
    "influenza_cd28_helper_t_cells_2014": (ELIFE, "elife03180.xml"),
    "influenza_postinfluenza_pneumonia_nos3_2014": (ELIFE, "elife03711.xml"),
    "influenza_b_phylodynamics_2015": (ELIFE, "elife05055.xml"),
    "influenza_tgfb_tfh_2015": (ELIFE, "elife04851.xml"),
    "influenza_antigen_presentation_tfh_2015": (ELIFE, "elife06994.xml"),
    "influenza_traveller_screening_2015": (ELIFE, "elife05564.xml"),
    "influenza_h3n2_mutation_load_2015": (ELIFE, "elife07361.xml"),
    "influenza_lamprey_vlrb_2015": (ELIFE, "elife07467.xml"),
    "influenza_ferret_transmission_2015": (ELIFE, "elife07969.xml"),
    "influenza_pp32_april_replication_2015": (ELIFE, "elife08939.xml"),
    "influenza_gain_of_function_europe_2015": (ELIFE, "elife13035.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0

if __name__ == "__main__":
    sys.exit(main())

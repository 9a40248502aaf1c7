"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set.

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python train/data/fulltext_qa/convert.py

Each article is read from the fetched bare git snapshot at the commit recorded in README.md
(`git show COMMIT:PATH`), so the output can be rebuilt byte for byte.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EVALS = HERE.parents[2] / "evals"

_spec = importlib.util.spec_from_file_location("malaria_convert", EVALS / "malaria" / "convert.py")
malaria_convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(malaria_convert)

ELIFE = malaria_convert.ELIFE

# document id -> (source, path inside the repository)
ARTICLES = {
    "cancer_doxorubicin_creb3l1_2012": (ELIFE, "elife00090.xml"),
    "aging_fgf21_lifespan_mice_2012": (ELIFE, "elife00065.xml"),
    "pharm_metformin_complex_i_tumors_2014": (ELIFE, "elife02242.xml"),
    "metab_obesity_catecholamine_resistance_pde3b_2013": (ELIFE, "elife01119.xml"),
    "cardio_nrg1_zebrafish_heart_regeneration_2015": (ELIFE, "elife05871.xml"),
    "immuno_tlr13_bacterial_23s_rrna_2012": (ELIFE, "elife00102.xml"),
    "neuro_enteric_mechanosensory_food_intake_2014": (ELIFE, "elife04402.xml"),
    "genetics_connexin26_kid_syndrome_co2_2014": (ELIFE, "elife04249.xml"),
    "bacterio_enteric_fever_metabolomics_2014": (ELIFE, "elife03100.xml"),
    "viro_fmdv_shrna_transgenic_pigs_2015": (ELIFE, "elife06951.xml"),
    "physio_lens_lipid_turnover_2015": (ELIFE, "elife06003.xml"),
    "immuno_dendritic_cells_fk506_autoimmunity_2013": (ELIFE, "elife00105.xml"),
    "neuro_infant_pain_fmri_2015": (ELIFE, "elife06356.xml"),
    "pharm_human_myobundles_drug_responses_2015": (ELIFE, "elife04885.xml"),
    "genetics_cas9_genome_editing_human_cells_2013": (ELIFE, "elife00471.xml"),
    "viro_hbv_hdv_ntcp_receptor_2012": (ELIFE, "elife00049.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

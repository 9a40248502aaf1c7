"""JATS XML (eLife) to the plain-text layout of evals/tuberculosis/docs, for the fulltext_qa reader training set.

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list and each later batch's, and writes docs/*.txt and sources.json
here and in each batch folder (batch2/ ... batch6/):

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

# later batches (2026-12-05): folder -> its articles, written into that folder's docs/ and sources.json
BATCHES = {
    "batch2": {
        "cardio_sec24a_pcsk9_cholesterol_2013": (ELIFE, "elife00444.xml"),
        "onco_braf_inhibitors_jnk_apoptosis_2013": (ELIFE, "elife00969.xml"),
        "infect_dengue_mast_cells_vascular_leakage_2013": (ELIFE, "elife00481.xml"),
        "rheum_prevotella_copri_arthritis_2013": (ELIFE, "elife01202.xml"),
        "neuro_nrsf_epileptogenesis_2014": (ELIFE, "elife01267.xml"),
    },
    "batch3": {
        "psych_autism_adhd_family_alcohol_use_disorder_2014": (ELIFE, "elife02917.xml"),
        "onco_flt3_aml_myelosuppression_2014": (ELIFE, "elife03445.xml"),
        "endo_beta_cell_dedifferentiation_tgfb_inhibitor_2014": (ELIFE, "elife02809.xml"),
        "neuro_nt3_cochlear_synapse_regeneration_2014": (ELIFE, "elife03564.xml"),
        "genetics_facial_gestalt_syndrome_diagnosis_2014": (ELIFE, "elife02020.xml"),
    },
    "batch4": {
        "infect_meningococcal_fhr3_factor_h_2014": (ELIFE, "elife04008.xml"),
        "neuro_huntington_gpr52_2015": (ELIFE, "elife05449.xml"),
        "genetics_fshd_dux4_nmd_2015": (ELIFE, "elife04996.xml"),
        "endo_type1_diabetes_bet_inhibitor_2014": (ELIFE, "elife04631.xml"),
        "onco_apical_extrusion_tumor_2015": (ELIFE, "elife04069.xml"),
    },
    "batch5": {
        "endo_cacna1h_hypertension_aldosteronism_2015": (ELIFE, "elife06315.xml"),
        "epi_ebola_drc_outbreaks_2015": (ELIFE, "elife09015.xml"),
        "onco_egfr_lung_cancer_sox2_foxo6_2015": (ELIFE, "elife06132.xml"),
        "neuro_pain_signal_eae_relapse_2015": (ELIFE, "elife08733.xml"),
        "metab_pdz_rhogef_obesity_diabetes_2015": (ELIFE, "elife06011.xml"),
    },
    "batch6": {
        "infect_hsv2_glycoprotein_d_deleted_vaccine_2015": (ELIFE, "elife06054.xml"),
        "onco_spop_prostate_cancer_genomic_instability_2015": (ELIFE, "elife09207.xml"),
        "neuro_blindsight_geniculo_extrastriate_2015": (ELIFE, "elife08935.xml"),
        "genetics_aicardi_goutieres_hypomethylation_2015": (ELIFE, "elife08007.xml"),
        "endo_galectin8_rankl_bone_loss_2015": (ELIFE, "elife05914.xml"),
    },
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    for folder, articles in BATCHES.items():
        malaria_convert.write_set(articles, HERE / folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())

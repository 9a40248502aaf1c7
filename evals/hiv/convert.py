"""JATS XML (eLife, PLOS) to the plain-text layout of evals/hiv/docs.

Reuses the converter of evals/malaria (imported from its file, not copied, so every set shares one
rendering) with this set's article list, and writes docs/*.txt and sources.json here:

    .venv/bin/python evals/hiv/convert.py

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
    "hiv_genome_to_genome_2013": (ELIFE, "elife01123.xml"),
    "hiv_aff4_ptefb_tat_structure_2013": (ELIFE, "elife00327.xml"),
    "hiv_super_elongation_insight_2013": (ELIFE, "elife00577.xml"),
    "hiv_basic_research_epicenter_2013": (ELIFE, "elife00639.xml"),
    "hiv_nef_ap2_cd4_2014": (ELIFE, "elife01754.xml"),
    "hiv_escrt3_spirals_budding_2014": (ELIFE, "elife02184.xml"),
    "hiv_vpu_bst2_ap1_2014": (ELIFE, "elife02362.xml"),
    "hiv_aff4_tar_recognition_2014": (ELIFE, "elife02375.xml"),
    "hiv_rev_rre_assembly_2014": (ELIFE, "elife03656.xml"),
    "hiv_dna_progression_spartac_2014": (ELIFE, "elife03821.xml"),
    "hiv_post_entry_capsid_2014": (ELIFE, "elife04114.xml"),
    "hiv_rev_remodeling_2014": (ELIFE, "elife04120.xml"),
    "hiv_crm1_dimer_export_2014": (ELIFE, "elife04121.xml"),
    "hiv_reservoir_biomarker_insight_2014": (ELIFE, "elife04742.xml"),
    "hiv_angiomotin_budding_2015": (ELIFE, "elife03778.xml"),
    "hiv_tenofovir_gel_mucosa_2015": (ELIFE, "elife04525.xml"),
    "hiv_rev_insight_2015": (ELIFE, "elife05169.xml"),
    "hiv_molecular_tweezer_semen_2015": (ELIFE, "elife05397.xml"),
    "hiv_rt_maturation_2015": (ELIFE, "elife06359.xml"),
    "hiv_gp120_sign_r1_macrophages_2015": (ELIFE, "elife06467.xml"),
    "hiv_cell_to_cell_infection_2015": (ELIFE, "elife08150.xml"),
    "hiv_tat_rnapii_epigenetics_2015": (ELIFE, "elife08955.xml"),
    "hiv_decade_art_seroconversion_2015": (ELIFE, "elife09115.xml"),
    "hiv_intrapatient_evolution_2015": (ELIFE, "elife11282.xml"),
    "hiv_two_sides_of_tat_insight_2016": (ELIFE, "elife12686.xml"),
    "hiv_dendritic_cell_sialyllactose_2012": (PLOS, "allofplos/starter_corpus/journal.pbio.1001315.xml"),
    "hiv_viral_load_monitoring_2012": (PLOS, "allofplos/starter_corpus/journal.pone.0047391.xml"),
    "hiv_art_life_expectancy_south_africa_2013": (PLOS, "allofplos/starter_corpus/journal.pmed.1001418.xml"),
}


def main() -> int:
    malaria_convert.write_set(ARTICLES, HERE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

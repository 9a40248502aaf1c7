"""Two small reference-manager exports in Zotero's "Export with files" layout, written for the library tests.

`Zotero BibTeX/` holds a .bib and `files/<n>/<name>.pdf`; `Zotero RIS/` a .ris and its own tree. One paper is in
both (the DOI written two ways) and is also the sample corpus's PubMed page (pubmed_dupilumab_case.txt, the same
DOI), so three copies must make one document. The .bib also holds the bad entries a real export can have.
"""

from __future__ import annotations

from pathlib import Path

from tests.ingest.pdf_fixture import write_pdf

DOI = "10.9999/ccri.2024.0702"  # the sample PubMed page's DOI
PMID = "38990002"  # and its PMID, which neither export carries
TITLE = "Dupilumab for relapsing IgG4-related sialadenitis with allergic features: a case series of four patients"
FULL_TEXT = [  # the BibTeX export's PDF: longer than the PubMed abstract, so its text is the one kept
    "Dupilumab for relapsing IgG4-related sialadenitis: full text of the case series.",
    "Introduction",
    "IgG4-related sialadenitis often relapses when glucocorticoids are tapered, and patients with allergic",
    "features such as asthma or atopic dermatitis may have a type 2 immune response that drives the disease.",
    "Methods",
    "Four patients received dupilumab 300 mg subcutaneously every two weeks after a 600 mg loading dose.",
    "Submandibular gland swelling was measured by ultrasound at baseline and after 12 and 24 weeks.",
    "Results",
    "Gland swelling decreased in three of the four patients within 12 weeks of the loading dose.",
    "Prednisolone could be tapered to 5 mg per day or less in those three patients.",
    "Serum IgG4 fell by a median of 45 percent and eosinophil counts rose transiently in two patients.",
    "One patient with retroperitoneal fibrosis did not respond and was switched to rituximab.",
    "Discussion",
    "Blocking interleukin-4 and interleukin-13 signalling may help IgG4-related disease with allergic features.",
    "Controlled trials with longer follow-up are needed before dupilumab can be recommended for this disease.",
    "The response in three of four patients is encouraging but the series is small and uncontrolled.",
]

BIBTEX = r"""% Exported by Zotero
@article{hartmann2024,
  title = {Dupilumab for relapsing {IgG4}-related sialadenitis with allergic features: a case series of four patients},
  author = {Hartmann, Lena and Nakamura, Yuki and Quinn, Ben},
  journal = {Clin Case Rep Immunol},
  year = {2024},
  doi = {10.9999/ccri.2024.0702},
  file = {Full Text PDF:files/12/Hartmann et al. - 2024 - Dupilumab.pdf:application/pdf},
}

@article{okazaki2021,
  title = {Iguratimod for glucocorticoid-sparing maintenance in {IgG4}-related disease: a pilot study},
  author = {Okazaki, Kenji and M{\"u}ller, Eva},
  journal = {Mod Rheumatol},
  year = {2021},
  note = {PMID: 33333333},
  abstract = {Twenty patients with IgG4-related disease in remission received iguratimod 25 mg twice daily. Relapse at one year occurred in 3 of 20 patients, and the prednisolone dose fell from 7.5 to 2.5 mg per day.},
}

@article{noabstract2020,
  title = {A letter with no abstract and no attached file},
  author = {Nobody, Ann},
  year = {2020},
}

@article{missing2019,
  title = {A paper whose attached file is gone},
  year = {2019},
  file = {files/99/gone.pdf},
}

@article{broken2018,
  title = {An entry the export cut short
"""

RIS = """TY  - JOUR
ID  - hartmann2024
TI  - Dupilumab for relapsing IgG4-related sialadenitis with allergic features: a case series of four patients
AU  - Hartmann, Lena
AU  - Nakamura, Yuki
AU  - Quinn, Ben
PY  - 2024
JO  - Clin Case Rep Immunol
DO  - https://doi.org/10.9999/CCRI.2024.0702
L1  - files/3/Hartmann - snapshot.pdf
ER  -

TY  - JOUR
ID  - tanaka2023
TI  - Abatacept in glucocorticoid-dependent IgG4-related disease: an open-label trial
AU  - Tanaka, Hiro
AU  - Smith, John A.
PY  - 2023
JO  - Arthritis Res Ther
AN  - 36666666
L1  - files/7/Tanaka 2023.pdf
ER  -
""".replace("ER  -\n", "ER  - \n")  # as reference managers write it (a trailing space the source cannot keep)


def write_exports(folder: Path) -> tuple[Path, Path]:
    """The two export folders (BibTeX, RIS) under `folder`; returns their export files."""
    bib_dir, ris_dir = folder / "Zotero BibTeX", folder / "Zotero RIS"
    for d in (bib_dir / "files" / "12", ris_dir / "files" / "3", ris_dir / "files" / "7"):
        d.mkdir(parents=True)
    write_pdf(bib_dir / "files/12/Hartmann et al. - 2024 - Dupilumab.pdf", [FULL_TEXT],
              title="Microsoft Word - draft_v3.docx")  # what PDF metadata often says: the export's title must win
    write_pdf(ris_dir / "files/3/Hartmann - snapshot.pdf", [FULL_TEXT[:4]])
    write_pdf(ris_dir / "files/7/Tanaka 2023.pdf", [[
        "Abatacept in glucocorticoid-dependent IgG4-related disease.",
        "Ten patients received abatacept 125 mg weekly; seven were in remission at week 24.",
        "Abatacept regulates T cell co-stimulation and allowed prednisolone tapering in most patients.",
    ]])
    bib, ris = bib_dir / "Zotero BibTeX.bib", ris_dir / "Zotero RIS.ris"
    bib.write_text(BIBTEX, encoding="utf-8")
    ris.write_text(RIS, encoding="utf-8")
    return bib, ris

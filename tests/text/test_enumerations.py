"""Coordinated items in a sentence (text/enumerations.py), on sentences from real papers."""

from text.enumerations import enumeration_around, enumerations


def _texts(sentence: str) -> list[list[str]]:
    return [[i.text for i in e] for e in enumerations(sentence)]


def test_items_are_cut_at_function_words_and_everyday_words_outside_the_list():
    assert _texts("Var genes fall into four types termed UpsA, UpsB, UpsC, and UpsE (Lavstsen et al., 2003).") == \
        [["UpsA", "UpsB", "UpsC", "UpsE"]]
    assert _texts("Fever, headache and pruritus were also reported more often.") == [["Fever", "headache", "pruritus"]]
    assert _texts("diseases such as malaria and dengue virtually ensures that it will be tried") == [["malaria", "dengue"]]
    # capitalised words are names, kept whole; a dash ends the item
    assert _texts("four territories—South Africa, Eritrea, Ethiopia and Cape Verde—had reduced malaria") == \
        [["South Africa", "Eritrea", "Ethiopia", "Cape Verde"]]
    assert _texts("GAPs lack both the p52 and p36 genes (van Schaijk et al., 2008)") == [["p52", "p36"]]
    assert _texts("The parasite was imaged in the skin.") == []


def test_the_readers_span_sets_the_length_of_the_items_and_a_span_elsewhere_finds_none():
    s = "the impact of standard vaccination and vitamin A supplementation on malaria infection is unclear"
    i = s.index("standard")
    assert [x.text for x in enumeration_around(s, i, i + len("standard vaccination"))] == \
        ["standard vaccination", "vitamin A"]
    assert enumeration_around(s, s.index("malaria"), s.index("malaria") + 7) is None


def test_a_span_over_the_whole_enumeration_says_where_its_outer_items_begin_and_end():
    # eLife, malaria_vitamin_a_children_2015: without the span the outer items were cut to "A supplements", "routine"
    s = ("Some researchers have suggested that vitamin A supplements and routine childhood vaccinations for other "
         "diseases may also provide some protection against malaria.")
    i, j = s.index("vitamin"), s.index(" for other")
    assert [x.text for x in enumeration_around(s, i, j)] == ["vitamin A supplements", "routine childhood vaccinations"]


def test_an_adverb_singling_the_items_out_is_not_part_of_the_first_even_in_the_readers_span():
    # SciFact abstract 1974176 (pubmed-list-11): the span began at "particularly", and the line said "Particularly blueberries"
    s = "greater consumption of specific whole fruits, particularly blueberries, grapes, and apples, is associated"
    i = s.index("particularly")
    assert [x.text for x in enumeration_around(s, i, s.index(" is associated"))] == ["blueberries", "grapes", "apples"]


def test_a_suspended_hyphen_joins_the_halves_of_one_compound_not_items():
    sentence = "Surveys of low- and middle-income countries covered Burkina Faso, Mozambique, Rwanda and Senegal."
    assert [[i.text for i in e] for e in enumerations(sentence)] == [["Burkina Faso", "Mozambique", "Rwanda", "Senegal"]]
    assert enumerations("Both pre- and post-treatment samples were taken.") == []
    assert enumerations("We grew Gram-positive and -negative bacteria.") == []
    assert enumerations("Parasites were killed rapidly and efficiently by the drug.") == []
    assert [[i.text for i in e] for e in enumerations("It binds FcRL3 and FcRL5 differentially.")] == [["FcRL3", "FcRL5"]]
    # eLife, malaria_vitamin_a_children_2015: the line named "Low [3] and middle-income countries [3]"
    assert enumerations("household surveys conducted in low and middle-income countries.") == []
    assert enumerations("Patients received first and second-line drugs.") == []
    assert _texts("Patients had fever and arthralgia.") == [["fever", "arthralgia"]]


def test_a_verb_or_preposition_after_a_comma_begins_a_clause_not_an_item():
    # eLife, malaria_vitamin_a_children_2015: the line named "murine models [1] and suggest childhood immunization [1]"
    s = ("Recent studies, partly based on murine models, suggest childhood immunization and vitamin A supplements may "
         "confer protection against malaria infection")
    assert _texts(s) == [["immunization", "vitamin A"]]  # cut to the inner items' length: no span to say more
    i, j = s.index("childhood"), s.index(" may")
    assert [x.text for x in enumeration_around(s, i, j)] == ["childhood immunization", "vitamin A supplements"]
    # eLife, tb_card_open_complex_2015: "Tth CarD structures [3], despite high sequence [3] and ..."
    s = "very different from the one in our Tth CarD structures, despite high sequence and structural similarity"
    assert all("Tth CarD structures" not in [i.text for i in e] for e in enumerations(s))


def test_a_comma_after_the_item_that_follows_and_continues_the_list():
    # data/sample/pages/pmc_rituximab_trial.txt: read as two lists, "pancreas" ... "salivary", "lacrimal glands" and
    # "retroperitoneum and kidneys"
    s = ("IgG4-related disease is an immune-mediated fibroinflammatory condition that can involve almost any organ, "
         "most often the pancreas, bile ducts, salivary and lacrimal glands, retroperitoneum and kidneys.")
    assert _texts(s) == [["pancreas", "bile ducts", "salivary and lacrimal glands", "retroperitoneum", "kidneys"]]
    # data/sample/pages/classification_criteria_2019.txt: the eight domains, two of them written with "and"
    s = ("Eight weighted domains are scored: histopathology, immunostaining, serum IgG4 concentration, bilateral "
         "lacrimal, parotid, sublingual and submandibular glands, chest, pancreas and biliary tree, kidney, and "
         "retroperitoneum.")
    assert _texts(s)[0][-5:] == ["sublingual and submandibular glands", "chest", "pancreas and biliary tree", "kidney",
                                 "retroperitoneum"]
    # not when what comes before "and" is more than a modifier (eLife, malaria_gap_vaccine_b9_slarp_2014: two lists
    # read "respectively"), nor when the item would be long
    assert _texts("digested with BsiWI, BssHII and NcoI, XmaI, respectively") == [["BsiWI", "BssHII", "NcoI"]]
    assert ["reduced circulating insulin", "IGF-1 concentrations"] in [e[-2:] for e in _texts(
        "mice show small size, reduced circulating insulin and IGF-1 concentrations, increased adiponectin and infertility")]
    # a comma list only: two items joined by "and", then another list, stay two lists
    assert _texts("Patients received rituximab and glucocorticoids, methotrexate or azathioprine.") == \
        [["rituximab", "glucocorticoids"], ["methotrexate", "azathioprine"]]
    # a clause after the comma is no item of the list
    assert _texts("We measured IL-4, IL-5 and IL-13, and found that they rose.") == [["IL-4", "IL-5", "IL-13"]]
    assert _texts("It was given in Mali, Burkina Faso and Ghana, where malaria is endemic.") == \
        [["Mali", "Burkina Faso", "Ghana"]]


def test_a_list_in_parentheses_needs_no_and_but_references_statistics_and_panels_are_not_lists():
    antigens = ("ELISPOT assays used recombinant M. tuberculosis antigens (ESAT-6, CFP-10, TB 10.3, AlaDH, Ag85B, "
                "PstS1, HspX (16 kDa) protein), provided by Lionex (Braunschweig, Germany).")
    assert [[i.text for i in e] for e in enumerations(antigens)] == [
        ["ESAT-6", "CFP-10", "TB 10.3", "AlaDH", "Ag85B", "PstS1", "HspX (16 kDa) protein"]]
    items = enumeration_around(antigens, antigens.index("AlaDH"), antigens.index("AlaDH") + 5)
    assert items and items[0].text == "ESAT-6" and antigens[items[-1].start:items[-1].end] == "HspX (16 kDa) protein"
    for not_a_list in ("It held (see Methods, Table 2, Figure 3).", "It was significant (p < 0.05, n = 12, two-sided).",
                       "As reported (Smith, 2010; Jones, 2011; Lee, 2012).", "Figure 2 (A, B, C) shows it.",
                       "Two sites (Kenya, Malawi) enrolled patients."):
        assert enumerations(not_a_list) == [], not_a_list


def test_a_list_in_parentheses_ends_at_its_parenthesis_whatever_joins_its_last_item():
    """"(deletions, inversions, and tandem duplications)": the parentheses bound the last item, where the run outside
    them guessed its length from the one-word items before it ("tandem"). Sentences of bundled papers (eLife,
    onco_spop_prostate_cancer_genomic_instability_2015; PubMed abstracts), CC BY."""
    s = ("a less frequent 'high-rearrangement' population primarily driven by intrachromosomal rearrangements "
         "(deletions, inversions, and tandem duplications), rather than balanced interchromosomal rearrangements.")
    assert _texts(s)[-1] == ["deletions", "inversions", "tandem duplications"]
    assert _texts("vital parameters (systolic blood pressure, pulse, and oxygen saturation) at ED presentation") == \
        [["systolic blood pressure", "pulse", "oxygen saturation"]]
    assert _texts("detected in somatic (fat body, muscle and neural tissues) and germ line cells")[0] == \
        ["fat body", "muscle", "neural tissues"]
    # a last item that runs on into the clause is not taken whole: the run outside keeps its guess
    assert _texts("abundance of P. copri (OTU4, OTU12, and OTU934 combined relative abundance).") == \
        [["OTU4", "OTU12", "OTU934"]]
    # nor an item with a bracket it does not close, nor the verb that introduces the members
    assert _texts("tubes (Microvette 300, Sarstedt [Nümbrecht, Germany]) were used") == []
    assert _texts("The Class III family of RTKs (comprising FLT3, KIT, CSF1R, PDGFRα, and PDGFRβ) regulate it.") == \
        [["FLT3", "KIT", "CSF1R", "PDGFRα", "PDGFRβ"]]

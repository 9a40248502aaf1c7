"""Answer quality on another topic (CI gate): the malaria question set over 25 full-text papers (evals/malaria/).

Written blind by a helper before any answer was seen, in users' words, with the passages that state each answer
marked. The floors are one question below what the answerer measured at the commit that set them (bundled reader,
openvino int8 on Intel Xeon; `python -m bench.topics --set malaria` prints the same tables), so one more failure of a
kind fails CI. The IgG4 set's floors are in test_answer_eval.py.
"""

from __future__ import annotations

import re

import pytest

from bench.topics import format_run, run_set

pytestmark = pytest.mark.slow

# measured / floor, counted in questions (77: 14 list, 15 number, 13 factoid, 11 yes/no, 11 mechanism, 10 refuse, 3 two-turn)
# measured at the reader issue's commit: number 10/15, factoid 13/13, yes/no 11/11, mechanism 11/11, refuse 8/10,
# two-turn 3/3, list 0/14 (the list rules name no class these questions ask for); list 4/14 since plural questions
# get the enumerations of their best quotes (answer.direct.list_line)
# and since up to 10 chunks of a paper are read (answer.max_chunks_per_document): number 11/15, refuse 9/10; refuse
# 10/10 since a question asking for a measure no quote names is refused ("case fatality rate of cerebral malaria")
PASS_FLOORS: dict[str, int] = {"list": 3, "number": 10, "factoid": 12, "yesno": 10, "mechanism": 10, "refuse": 9, "followup": 2}
# measured (2026-12-04, reader run 4, 5 quotes from at most 3 papers, AMD EPYC AVX-512): passage quoted 0.72 (0.70
# with 4 quotes from any papers, 0.67 with those and run 3; 0.60 before enumerations were ranked up for plural
# questions), cited papers answer 0.94, entities 0.75, direct line 0.79 (0.75 with reader run 3: this floor fails
# with it), a right direct line 0.53 (0.48 run 3 with 4 quotes; 0.34 before counts and measured values were told
# apart), number stated 1.00, yes/no right 0.91 (0.82 with 4 quotes from any papers; 0.64 with run 2),
# refused 1.00. Each floor is two to three questions below, about 67 questions being answered (one is 1.5 points), so
# another CPU's embedding or reader variant does not trip it; yes/no is one question below (one is 9 points). The
# 5-quote rule itself is tested in tests/answer/test_extractive.py. Since span lines need relevance 0.4 and span
# probability 0.05 (answer.direct.SPAN_LINE_*): direct line 0.82, right 0.52.
# Passage read (the evidence inside a chunk the answerer read; 2026-12-05, fifth session): 0.90; floor three below.
# Since a paper already quoted may add a sentence at 0.6 of the best score (answer.extractive.SAME_PAPER_RELATIVE;
# eighth session): passage quoted 0.76, entities 0.86; floors 0.72 and 0.80, which the 0.8 rule before fails.
GROUNDING_FLOORS: dict[str, float] = {"passage_read": 0.86, "passage_quoted": 0.72, "cited_precision": 0.90, "entities": 0.80,
                                      "direct": 0.76, "direct_right": 0.49, "number": 0.93, "verdict": 0.81,
                                      "refused": 0.90}


@pytest.fixture(scope="module")
def topic_root(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("topics")


@pytest.fixture(scope="module")
def malaria_run(topic_root) -> dict:
    from settings import load_settings

    return run_set("malaria", load_settings(), topic_root, progress=False)


# Near-topic questions (evals/near_topic/: on malaria, in the papers' words, asking for a fact no paper states):
# measured refused 17/41 (dev 13/28, held out 4/13; 10/41 before the asked-attribute check); the floor is one below.
NEAR_TOPIC_FLOOR = 16


def test_near_topic_questions_are_refused(malaria_run, topic_root):
    """Runs on the index malaria_run built (41 questions, 54 s on 2 busy cores)."""
    from bench.near_topic import run, summary
    from settings import load_settings

    rows = run(["malaria"], ["dev", "heldout"], load_settings(), topic_root, progress=False)
    refused, n = summary(rows)["all"]
    print(f"\nnear-topic malaria: refused {refused}/{n}")
    assert refused >= NEAR_TOPIC_FLOOR, [r["id"] for r in rows if not r["refused"]]


def test_a_medical_word_the_papers_never_use_is_refused_by_name(malaria_run, topic_root):
    """The real model and reader on the malaria papers, none of which mentions epilepsy or kidneys."""
    from answer.extractive import ExtractiveAnswerer
    from index.corpus import CorpusIndex
    from settings import load_settings

    answerer = ExtractiveAnswerer(CorpusIndex.open(topic_root / "malaria", load_settings(), must_exist=True))
    for question, word in [("Which antimalarials are safe for people with epilepsy?", "epilepsy"),
                           ("Do malaria parasites damage the kidneys?", "kidneys")]:
        result = answerer.answer(question)
        assert result.status == "no_evidence" and result.missing == [word] and word in result.note, question


def test_malaria_floors_per_type(malaria_run):
    print("\n" + format_run(malaria_run))
    counts = malaria_run["counts"]
    passed = {k: round(malaria_run["pass"][k] * counts[k]) for k in counts}
    print("passed / floor: " + ", ".join(f"{k} {passed.get(k, 0)}/{v}" for k, v in PASS_FLOORS.items()))
    for kind, floor in PASS_FLOORS.items():
        assert passed.get(kind, 0) >= floor, (kind, [r["id"] for r in malaria_run["rows"] if r["type"] == kind and not r["ok"]])


def test_malaria_grounding_floors(malaria_run):
    grounding = malaria_run["grounding"]
    for measure, floor in GROUNDING_FLOORS.items():
        assert grounding[measure] is not None and grounding[measure] >= floor, (measure, grounding[measure], floor)


def test_every_direct_line_is_text_of_its_cited_quote_or_a_verdict(malaria_run):
    """An invariant of the reader's lines: a span line's phrase, and each name of a list line ("Vomiting [1],
    fever [3] and pruritus [1]."), is inside the quote it cites."""
    for row in malaria_run["rows"]:
        line = row["direct_line"]
        if not line or line.split(" [")[0] in ("Yes", "No", "The papers disagree"):
            continue
        quotes = {n: c["quote"].lower() for n, c in enumerate(row["citations"], 1)}
        named = re.findall(r"(?:^|, | and )(.+?) \[(\d+)\]", line.rstrip("."))
        assert named, (row["id"], line)
        for phrase, n in named:
            assert phrase.lower() in quotes[int(n)], (row["id"], line, phrase)


# Short PubMed abstracts (evals/pubmed_short/: 380 SciFact abstracts, 72 questions written blind by a helper, list,
# factoid, number, yes/no and refusal, each answered by one abstract; `dev` clusters chosen on, `heldout` not).
# Measured (2026-12-05, reader run 4, AMD EPYC AVX-512; SciFact's escaped section breaks read as breaks), dev /
# heldout: passage quoted 0.85 / 0.85, cited papers answer 0.91 / 0.92, entities 0.83 / 0.94, direct line 0.85 /
# 0.76, right 0.58 / 0.52, number 0.83 / 0.83, yes/no 1.00 / 1.00, refused 1.00 / 1.00. About 33 answerable
# questions a split (one is 3 points): floors two questions below, one where a measure counts six questions or
# fewer (numbers, yes/no, refusals). Passage quoted 0.91 / 0.94 since a paper already quoted may add a weaker sentence
# (eighth session): floors 0.84 / 0.87.
PUBMED_FLOORS: dict[str, dict[str, float]] = {
    "pubmed-dev": {"passage_quoted": 0.84, "cited_precision": 0.84, "entities": 0.76, "direct": 0.78,
                   "direct_right": 0.51, "number": 0.66, "verdict": 0.66, "refused": 0.66},
    "pubmed-heldout": {"passage_quoted": 0.87, "cited_precision": 0.86, "entities": 0.87, "direct": 0.69,
                       "direct_right": 0.45, "number": 0.66, "verdict": 0.66, "refused": 0.66},
}


@pytest.mark.parametrize("name", sorted(PUBMED_FLOORS))
def test_pubmed_abstract_floors(name, topic_root):
    from settings import load_settings

    result = run_set(name, load_settings(), topic_root, progress=False)  # both splits share one index
    print("\n" + format_run(result))
    grounding = result["grounding"]
    for measure, floor in PUBMED_FLOORS[name].items():
        assert grounding[measure] is not None and grounding[measure] >= floor, (measure, grounding[measure], floor)


def test_where_the_answering_unit_ranks_is_counted_on_the_units_read(malaria_run, topic_root):
    """`python -m bench.ranking` on the index malaria_run built (its first 8 questions, a few seconds): each question's
    answering unit is found among the units read, and the top-k shares grow with k and stay within the share read."""
    from bench.ranking import TOPS
    from bench.ranking import run_set as rank_set
    from settings import load_settings

    result = rank_set("malaria", load_settings(), topic_root, limit=8)
    s = result["summary"]
    # the first 8 are list questions: measured read 5, an answering unit in the final top 5 for 3 (2026-12-05)
    assert s["questions"] == 8 and s["read"] >= 4 / 8, result["rows"]
    for by in ("final", "prior", "reader"):
        shares = [s[f"{by}@{k}"] for k in TOPS]
        assert shares == sorted(shares) and shares[-1] <= s["read"], (by, shares)
    assert s["final@5"] >= 2 / 8, result["rows"]  # on all 64: read 92 %, final top 5 69 %

"""Coordinated items in a sentence: "Fever, headache and pruritus", "CSΔN and TRAP-VAL sporozoites", "UpsA, UpsB,
UpsC, and UpsE".

A list question's answer is usually such an enumeration, and the reader's span usually marks one item of it (or
the whole of it). `enumeration_around` widens a span to the enumeration it sits in, so the answer line names every
member the sentence gives, whatever their class ("blood tests", "genes", "symptoms"), with no vocabulary of its own.

Items are runs of words between separators (a comma, "and", "or", ", and", a dash), cut at function words ("were",
"in", "such as", "including"), so "vector-borne diseases such as malaria and dengue virtually ensures" gives
malaria and dengue: the outer items are no longer than the inner ones (or the span's own), which is how parallel
items are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text.common_words import is_common

# verbs that papers begin a claim with ("murine models, suggest childhood immunization and ..."): what follows is a
# claim, not another item of a list
_CLAIM_VERBS = frozenset("""
suggest suggests suggested indicate indicates indicated demonstrate demonstrates demonstrated reveal reveals revealed
confirm confirms confirmed show shows showed shown remain remains remained appear appears appeared seem seems seemed
""".split())
# words that end an item: verbs, prepositions, determiners and adverbs that begin or join clauses
_STOP = frozenset("""
a an the this that these those its their his her our your which who whom whose what when where while whereas
is are was were be been being has have had do does did can could may might must shall should will would
in on at to from by with without within into onto over under between among through during before after since
until of for as than then also both either neither not no nor but yet so such including include includes
included like versus vs via per each all any some most more less many much several other others only just
very well respectively e.g. i.e. et al although though because if however thus therefore whether
called termed named known designated namely comprising consisting
particularly especially notably mainly mostly chiefly primarily predominantly largely typically
despite unlike besides against toward towards upon across along beyond throughout except excluding regardless
whereby thereby
""".split()) | _CLAIM_VERBS
_TOKEN = re.compile(r"[^\s,;:()\[\]{}—–]+|[,;:()\[\]{}—–]")
_CONJUNCTION = {"and", "or", "and/or"}
_DASHES = "-‐‑"  # a suspended hyphen
_ADVERB = re.compile(r"[a-z]+(?:ally|ively|ously|ently|antly|edly|fully|ingly|ibly|ably)")  # one word, lower case
MAX_ITEM_WORDS = 4


@dataclass
class Item:
    text: str
    start: int  # character offsets into the sentence
    end: int


def _words(sentence: str) -> list[tuple[str, int, int]]:
    out = []
    for m in _TOKEN.finditer(sentence):
        word, start, end = m.group(0), m.start(), m.end()
        while word and word[-1] in ".'\"”’" and not re.fullmatch(r"(?:[A-Za-z]\.)+", word):  # sentence-final dot
            word, end = word[:-1], end - 1
        if word:
            out.append((word, start, end))
    return out


def _is_stop(word: str) -> bool:
    """A function word ends an item; a capital letter alone does not ("vitamin A supplements")."""
    return (word.lower() in _STOP and word != "A") or word in ",;:()[]{}—–"


def _everyday(word: str) -> bool:
    """A lower-case everyday word ("termed", "virtually"); a capitalised word is taken for a name ("Cape Verde")."""
    return word[:1].islower() and is_common(word)


def enumerations(sentence: str, anchor: tuple[int, int] | None = None) -> list[list[Item]]:
    """Every enumeration of two or more items joined by commas and a final "and"/"or" (or by "and"/"or" alone)."""
    words = _words(sentence)
    found, i = [], 0
    while i < len(words):
        # an enumeration is: item (sep item)* where sep is "," | "and" | "or" | ", and" | ", or", ending in a conjunction
        groups, j, joined = [], i, False
        while j < len(words):
            k = _run_end(words, j)
            if k == j:
                break
            groups.append((j, k))
            if k < len(words) and words[k][0] == "," and k + 1 < len(words) and words[k + 1][0].lower() in _CONJUNCTION:
                j, joined = k + 2, True
            elif k < len(words) and words[k][0].lower() in _CONJUNCTION:
                j, joined = k + 1, True
            elif k < len(words) and words[k][0] == ",":
                j = k + 1
            else:
                break
            if joined:  # the item after the conjunction is the last one ...
                k2 = _run_end(words, j)
                if k2 > j:
                    groups.append((j, k2))
                # ... unless a comma list goes on after it and that "and" joined a modifier to the next item's
                # words: "the pancreas, bile ducts, salivary and lacrimal glands, retroperitoneum and kidneys"
                if k2 > j and len(groups) >= 3 and words[j - 2][0] != "," and _shares_its_noun(words, groups[-2], groups[-1]) \
                        and _list_goes_on(words, k2):
                    groups[-2:] = [(groups[-2][0], k2)]
                    j, joined = k2 + 1, False
                    continue
                break
        if joined and len(groups) >= 2:
            items = _items(sentence, words, groups, anchor)
            # "low- and middle-income countries", "Gram-positive and -negative": one compound's halves, not items;
            # "rapidly and efficiently": manners, not things
            if any(item.text[:1] in _DASHES or item.text[-1:] in _DASHES or _ADVERB.fullmatch(item.text) for item in items) \
                    or _shared_compound(items):
                i = groups[-1][0]  # its last half may begin a real enumeration
                continue
            found.append(items)
            i = groups[-1][1]
        else:
            i += 1
    for e in _parenthesised(sentence):
        # bounded by its parentheses, such a list is exact where the run above guessed its outer items' length:
        # "(deletions, inversions, and tandem duplications)", not "... and tandem"
        found = [f for f in found if not (e[0].start <= f[0].start and f[-1].end <= e[-1].end and len(f) <= len(e))]
        if not any(_overlaps(e, f) for f in found):
            found.append(e)
    found.sort(key=lambda e: e[0].start)
    return [e for e in found if len(e) >= 2]


def _run_end(words: list[tuple[str, int, int]], j: int) -> int:
    """Where the run of item words that begins at `j` ends: at a function word, a separator or a conjunction."""
    while j < len(words) and not _is_stop(words[j][0]) and words[j][0].lower() not in _CONJUNCTION:
        j += 1
    return j


def _shares_its_noun(words: list[tuple[str, int, int]], modifier: tuple[int, int], item: tuple[int, int]) -> bool:
    """One lower-case word, then a conjunction, then a short item it modifies with it ("salivary and lacrimal
    glands"): one item of a list, not the list's last two."""
    (a, b), (c, d) = modifier, item
    return b - a == 1 and bool(re.fullmatch(r"[a-z]+", words[a][0])) and 2 <= d - c <= MAX_ITEM_WORDS - 2


def _list_goes_on(words: list[tuple[str, int, int]], k: int) -> bool:
    """After an item ending at `k`: a comma, another item, and then a comma or a conjunction."""
    if k >= len(words) or words[k][0] != ",":
        return False
    end = _run_end(words, k + 1)
    return end > k + 1 and end < len(words) and (words[end][0] == "," or words[end][0].lower() in _CONJUNCTION)


def _shared_compound(items: list[Item]) -> bool:
    """"low and middle-income countries", "first and second-line drugs": one lower-case word, then a compound whose
    first half is lower case too; the word stands for that half ("low-income"), written without the suspended hyphen."""
    first, second = items[0].text, items[-1].text.split()
    return len(items) == 2 and first.isalpha() and first.islower() and bool(re.fullmatch(r"[a-z]+-[a-z]+", second[0]))


PARENTHESISED_ITEMS = 3  # "antigens (ESAT-6, CFP-10, TB 10.3, AlaDH)": a list in parentheses needs no "and"


_REFERENCE = re.compile(r"(?:see|cf|e\.g|i\.e|fig|figure|figs|table|supplementary|video|movie|panel|ref)\b", re.I)


def _parenthesised(sentence: str) -> list[list[Item]]:
    """Lists written in parentheses, with commas alone or "and"/"or" before the last item, as papers name a class's
    members: "recombinant antigens (ESAT-6, CFP-10, TB 10.3, AlaDH, Ag85B)". At least PARENTHESISED_ITEMS items,
    each of one to MAX_ITEM_WORDS words with no function word ("(see Methods, Table 2, ...)" and "(p < 0.05, n = 12,
    ...)" are not lists); a parenthesis inside an item ("HspX (16 kDa) protein") is part of it."""
    out, depth, opened = [], 0, -1
    for i, c in enumerate(sentence):
        if c == "(":
            depth += 1
            if depth == 1:
                opened = i
        elif c == ")" and depth:
            depth -= 1
            if depth == 0:
                items = _comma_items(sentence, opened + 1, i)
                if items:
                    out.append(items)
    return out


def _comma_items(sentence: str, start: int, end: int) -> list[Item] | None:
    """The comma-separated items between `start` and `end`; the last may follow "and"/"or" ("X, Y, and Z",
    "X, Y and Z")."""
    parts, depth, begin = [], 0, start
    for i in range(start, end + 1):
        c = sentence[i] if i < end else ","
        depth += (c == "(") - (c == ")")
        if c == "," and depth == 0:
            parts.append((begin, i))
            begin = i + 1
    if len(parts) >= 2:
        a, b = parts[-1]
        joined = re.match(r"(\s*(?:.*?\s)?)(?:and|or)\s+(?=\S)", sentence[a:b])
        if joined and "(" not in joined.group(0):
            tail = (a + joined.end(), b)
            parts[-1:] = [(a, a + len(joined.group(1)))] if joined.group(1).strip() else []
            # the last item may run on into the clause ("and OTU934 combined relative abundance"): no more than
            # one word longer than the longest other item
            if len(sentence[tail[0]:tail[1]].split()) > 1 + max(len(sentence[x:y].split()) for x, y in parts):
                return None
            parts.append(tail)
    items = []
    for a, b in parts:
        text = sentence[a:b].strip()
        words = text.split()
        if not words or len(words) > MAX_ITEM_WORDS or any(_is_stop(w) or w.lower() in _CONJUNCTION for w in words) \
                or len(text) < 2 or not re.search(r"[A-Za-z]", text) or re.search(r"[=<>≤≥±%;]", text) or _REFERENCE.match(text) \
                or text.count("[") != text.count("]"):
            return None
        lead = a + len(sentence[a:b]) - len(sentence[a:b].lstrip())
        items.append(Item(text, lead, lead + len(text)))
    return items if len(items) >= PARENTHESISED_ITEMS else None


def _overlaps(a: list[Item], b: list[Item]) -> bool:
    return a[0].start < b[-1].end and b[0].start < a[-1].end


def _items(sentence: str, words: list[tuple[str, int, int]], groups: list[tuple[int, int]],
           anchor: tuple[int, int] | None = None) -> list[Item]:
    """Word runs as items. The outer runs may have swallowed words of the clause around the enumeration ("four
    types termed UpsA", "dengue virtually ensures"), so the first item keeps its last words and the last its first,
    as many as the longest inner item has, plus any further ones (up to MAX_ITEM_WORDS) that are not everyday
    lower-case words: "South Africa, Eritrea, Ethiopia and Cape Verde", "CSΔN and TRAP-VAL sporozoites". When the
    reader's span begins inside the first run or ends inside the last, the item begins or ends where the span does:
    "that [vitamin A supplements and routine childhood vaccinations] for other diseases"."""
    core = max([b - a for a, b in groups[1:-1]] or [1])
    # the reader's span, when it is one item ("standard vaccination"), says how long the items are
    fixed: dict[int, tuple[int, int]] = {}
    anchored = [k for k, (_, s, e) in enumerate(words) if anchor and anchor[0] <= s and e <= anchor[1]]
    for n, (a, b) in enumerate(groups):
        if anchored and a <= anchored[0] and anchored[-1] < b:  # the span lies within this one item
            fixed[n] = (anchored[0], anchored[-1] + 1)
            core = max(core, len(anchored))
    out = []
    for n, (a, b) in enumerate(groups):
        if n in fixed:
            a, b = fixed[n]
        elif n == 0 and anchored and a <= anchored[0] < b:  # the span begins inside the first item: there
            a = anchored[0]
        elif n == len(groups) - 1 and anchored and a <= anchored[-1] < b:  # ... or ends inside the last
            b = anchored[-1] + 1
        elif n == 0:
            keep = b - min(core, b - a)
            while keep > a and b - keep < MAX_ITEM_WORDS and not _everyday(words[keep - 1][0]):
                keep -= 1
            a = keep
        elif n == len(groups) - 1:
            keep = a + min(core, b - a)
            while keep < b and keep - a < MAX_ITEM_WORDS and not _everyday(words[keep][0]):
                keep += 1
            b = keep
        else:
            b = min(b, a + MAX_ITEM_WORDS)
        out.append(Item(sentence[words[a][1] : words[b - 1][2]], words[a][1], words[b - 1][2]))
    return out


def enumeration_around(sentence: str, start: int, end: int, spill: int = 3) -> list[Item] | None:
    """The enumeration a span (character offsets) lies in, or covers with no more than `spill` words beyond it on
    either side; None otherwise (a long span about something else is not widened to an "and" inside it)."""
    for items in enumerations(sentence, (start, end)):
        if items[0].start < end and start < items[-1].end:
            before = len(sentence[start : items[0].start].split()) if start < items[0].start else 0
            after = len(sentence[items[-1].end : end].split()) if end > items[-1].end else 0
            if before <= spill and after <= spill:
                return items
    return None

"""The reader: a small transformer, trained in this project, that reads (question, evidence unit) pairs.

For each unit (a sentence or two adjacent sentences of a paper) it says how likely the unit states the
answer (`relevance`), what it says to a yes/no question (`yes`, `no`), and where the answer sits inside it
(`span`, character offsets into the unit). The extractive answerer ranks and gates its evidence with it and
builds the direct first line from its span, so that line is always text inside a cited quote.

`answer.reader` picks it: "bundled" (`models/reader/`, trained by `python -m train.reader`, card in
`models/reader/README.md`), a folder path, or "none" (the rules and weights alone). A folder may hold
- this project's reader (`reader.json` beside a BERT config): all three outputs;
- a sentence-transformers CrossEncoder, or any Hugging Face sequence-classification model with one logit:
  relevance only;
- a Hugging Face extractive QA model (`...ForQuestionAnswering`): the span, and a relevance from how far the
  best span's score rises above the no-answer score (the SQuAD 2.0 convention).

The bundled reader runs on the fastest backend x precision this CPU runs it on within the agreement bar
(`AGREEMENT`), measured once per CPU like the embedder (`index/embedding.py`); other folders run on torch.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from errors import ModelLoadError
from index.embedding import (
    SHORT,
    Variant,
    cpu_key,
    fastest_with_margin,
    file_lock,
    model_fingerprint,
    openvino_config,
    quantize_int8,
    save_ir,
    say,
    shape_groups,
)

READER_FORMAT = "biocite-reader-v1"
VERDICTS = ("yes", "no", "maybe")
MAX_QUESTION_TOKENS = 48
MAX_LENGTH = 192  # question + unit; a two-sentence unit is ~60-120 word pieces
MAX_SPAN_TOKENS = 24
# A faster variant is kept only if its relevance probabilities stay this close to torch fp32 on the bundled
# calibration pairs (95th percentile of the absolute difference). Measured on Intel Xeon (AMX): int8 at a p95 gap
# of 0.036 answered the IgG4, IgG4 held-out and malaria sets exactly as fp32 did (pass rates, quotes, direct lines)
# at half the time per question (0.29 vs 0.52 s), so the bar sits at 0.04.
AGREEMENT = 0.04
VARIANTS = (("torch", "float32"), ("openvino", "float32"), ("openvino", "bfloat16"), ("openvino", "int8"))
INT8_RECIPE = "nncf-static-transformer-v1"


@dataclass
class Reading:
    """What the reader says of one unit for one question."""

    relevance: float  # probability that the unit states the answer
    yes: float = 0.0  # probabilities of its verdict on a yes/no question (0 when the reader has no verdict head)
    no: float = 0.0
    span: tuple[int, int] | None = None  # the answer inside the unit, character offsets into its text
    span_score: float = 0.0  # start + end logit of that span
    span_prob: float = 0.0  # its probability: softmax of the start logits over the unit's tokens times that of the ends


@dataclass
class EncodedPairs:
    """Tokenized (question, unit) pairs, padded to one length, with what maps tokens back to the unit's text."""

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    offsets: list[list[tuple[int, int] | None]]  # per token: its characters in the unit, None outside the unit

    def arrays(self) -> dict[str, np.ndarray]:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask, "token_type_ids": self.token_type_ids}


def encode_pairs(tokenizer, question: str, texts: list[str]) -> EncodedPairs:
    """Tokenize `question` against each text with a `tokenizers.Tokenizer` and the model's own pair template
    ([CLS] q [SEP] t [SEP] for BERT): the question cut to `MAX_QUESTION_TOKENS`, the unit to fill `MAX_LENGTH`."""
    with _TOKENIZER_LOCK:  # a tokenizer.json may carry padding and truncation of its own (MiniLM's: 128, fixed)
        tokenizer.no_padding()
        tokenizer.enable_truncation(MAX_LENGTH, strategy="only_second")
        q = tokenizer.encode(question, add_special_tokens=False)
        if len(q.ids) > MAX_QUESTION_TOKENS:
            question = question[: q.offsets[MAX_QUESTION_TOKENS - 1][1]]
        encodings = tokenizer.encode_batch([(question, t) for t in texts])
    width = max(len(e.ids) for e in encodings)
    n = len(encodings)
    input_ids = np.full((n, width), tokenizer.token_to_id("[PAD]") or 0, dtype=np.int64)
    attention = np.zeros((n, width), dtype=np.int64)
    types = np.zeros((n, width), dtype=np.int64)
    offsets = []
    for i, e in enumerate(encodings):
        input_ids[i, : len(e.ids)] = e.ids
        attention[i, : len(e.ids)] = 1
        types[i, : len(e.ids)] = e.type_ids
        offsets.append([tuple(o) if s == 1 and o[1] > o[0] else None for o, s in zip(e.offsets, e.sequence_ids)])
    return EncodedPairs(input_ids, attention, types, offsets)


_TOKENIZER_LOCK = threading.Lock()  # a Tokenizer's truncation/padding state is shared


def best_span(start: np.ndarray, end: np.ndarray, offsets: list[tuple[int, int] | None], text: str = "",
              question: str = "") -> tuple[tuple[int, int] | None, float]:
    """The highest-scoring span inside the unit (start token <= end token, at most `MAX_SPAN_TOKENS` long), as
    character offsets into the unit, and its score (start + end logit). Given the unit's `text` and the `question`,
    a span that only restates the question (`restates`) is passed over for the next best."""
    inside = [i for i, o in enumerate(offsets) if o is not None and i < len(start)]
    if not inside:
        return None, -math.inf
    asked = stems(question) if question and text else set()
    best, best_score = None, -math.inf
    top_starts = sorted(inside, key=lambda i: -start[i])[:10]
    top_ends = sorted(inside, key=lambda i: -end[i])[:10]
    for s in top_starts:
        for e in top_ends:
            if s <= e < s + MAX_SPAN_TOKENS and start[s] + end[e] > best_score:
                span = (offsets[s][0], offsets[e][1])
                if asked and restates(asked, text[span[0] : span[1]]):
                    continue
                best, best_score = span, float(start[s] + end[e])
    return best, best_score


_CONTENT = re.compile(r"\w[\w&-]*")
_FUNCTION = frozenset("the and for with from that this these those which what who whom whose where when how why its "
                      "their are was were been has have had into onto over than then also not".split())


def stems(text: str) -> set[str]:
    """Content words cut to five letters: "merozoites" and "merozoite" meet, as do "organelle" and "organelles".
    Not `text.tokens.tokenize`: BM25's tokens drop "P&O" and one-letter parts, which are what a span adds."""
    return {w.lower()[:5] for w in _CONTENT.findall(text)
            if w.lower() not in _FUNCTION and (len(w) > 2 or not w.islower())}  # "7th", "P&O", "IL" count


def restates(asked: set[str], span: str) -> bool:
    """Whether a span is mostly the question's own words ("apical organelle of merozoites" for "In which merozoite
    organelle is PfMA found?"): at least two thirds of its content words are the question's. Such a span names
    what was asked about, not the answer ("the micronemes")."""
    words = stems(span)
    return bool(words) and len(words & asked) * 3 >= 2 * len(words)


def span_probability(start: np.ndarray, end: np.ndarray, offsets: list[tuple[int, int] | None],
                     span: tuple[int, int] | None) -> float:
    """P(start) * P(end) of `span`, each a softmax over the unit's tokens only."""
    inside = [i for i, o in enumerate(offsets) if o is not None and i < len(start)]
    if not span or not inside:
        return 0.0
    s = next(i for i in inside if offsets[i][0] == span[0])
    e = next(i for i in reversed(inside) if offsets[i][1] == span[1])
    ps, pe = softmax(np.asarray(start, np.float64)[inside]), softmax(np.asarray(end, np.float64)[inside])
    return float(ps[inside.index(s)] * pe[inside.index(e)])


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def bundled_reader_path() -> Path:
    from settings import PROJECT_DIR

    return PROJECT_DIR / "models" / "reader"


# --- the reader ------------------------------------------------------------------------------------------------------

Outputs = dict[str, np.ndarray]  # relevance [n], verdict [n, 3], start [n, t], end [n, t]; absent heads omitted


class Reader:
    """Reads (question, unit) pairs with one model on one backend: `read` is all the answerer calls."""

    def __init__(self, name: str, kind: str, variant: Variant, tokenizer, run: Callable[[EncodedPairs], Outputs],
                 scale: dict[str, list[list[float]]] | None = None) -> None:
        self.name, self.kind, self.variant = name, kind, variant
        self._tokenizer, self._run = tokenizer, run
        # the answerer's thresholds (answer.direct, answer.extractive) were set on one reader's outputs; a reader
        # trained later ships a monotone map of its relevance and verdict confidence onto that scale (reader.json
        # "scale": {"relevance": [its quantiles, the reference's], "verdict": [...]}; `python -m train.reader_scale`)
        self.scale = scale or {}
        self.provisional = False  # the reference standing in while the choice is measured: not to be kept

    def __str__(self) -> str:
        return f"{self.name} ({self.kind}, {self.variant})"

    def read(self, question: str, texts: list[str]) -> list[Reading]:
        if not texts:
            return []
        encoded = encode_pairs(self._tokenizer, question, texts)
        out = self._run(encoded)
        readings = []
        for i in range(len(texts)):
            reading = Reading(relevance=0.0)
            span_score = -math.inf
            if "start" in out:
                reading.span, span_score = best_span(out["start"][i], out["end"][i], encoded.offsets[i], texts[i], question)
                reading.span_score = float(span_score)
                reading.span_prob = span_probability(out["start"][i], out["end"][i], encoded.offsets[i], reading.span)
            if "relevance" in out:
                reading.relevance = float(sigmoid(out["relevance"][i]))
            elif "start" in out:  # a QA model: the best span against the no-answer span at [CLS]
                null = float(out["start"][i][0] + out["end"][i][0])
                reading.relevance = float(sigmoid(span_score - null)) if reading.span else 0.0
            if "verdict" in out:
                probs = softmax(out["verdict"][i])
                reading.yes, reading.no = float(probs[0]), float(probs[1])
            readings.append(self._on_scale(reading))
        return readings

    def _on_scale(self, reading: Reading) -> Reading:
        if "relevance" in self.scale:
            reading.relevance = float(np.interp(reading.relevance, *self.scale["relevance"]))
        sure = max(reading.yes, reading.no)
        if "verdict" in self.scale and sure > 0:  # both verdicts scaled alike: which is surer does not change
            factor = float(np.interp(sure, *self.scale["verdict"])) / sure
            reading.yes, reading.no = reading.yes * factor, reading.no * factor
        return reading


def load_reader(choice: str, backend: str = "auto", precision: str = "auto", cache_dir: Path | None = None,
                pinning: bool = True) -> Reader | None:
    """The reader `answer.reader` names: "bundled", a folder, or "none" (None). Loaded once per process; `pinning`
    is `embedding.cpu_pinning` (index.embedding.openvino_config)."""
    if choice.strip().lower() in ("none", "off", ""):
        return None
    key = _reader_key(choice, backend, precision, cache_dir, pinning)
    return stand_in() if (stand_in := _stand_ins.get(key)) else _load_reader(*key)


def resolved_reader(choice: str, backend: str = "auto", precision: str = "auto", cache_dir: Path | None = None,
                    pinning: bool = True) -> Reader | None:
    """`load_reader`'s reader with its variant chosen (measured now if need be), even while the reference stands in."""
    if choice.strip().lower() in ("none", "off", ""):
        return None
    return _load_reader(*_reader_key(choice, backend, precision, cache_dir, pinning))


def _reader_key(choice: str, backend: str, precision: str, cache_dir: Path | None, pinning: bool) -> tuple:
    from settings import DEFAULT_MODEL_CACHE

    folder = bundled_reader_path() if choice == "bundled" else Path(choice).expanduser()
    return str(folder.resolve()), backend, precision, str(cache_dir or DEFAULT_MODEL_CACHE), pinning


# While a background thread measures the reader's choice (answer/preparation.py), `load_reader` gives the torch fp32
# reference it is measured against instead of a wait, as the embedder does (index.embedding.reference_meanwhile).
_stand_ins: dict[tuple, Callable[[], Reader]] = {}


@contextlib.contextmanager
def reference_meanwhile(choice: str, backend: str = "auto", precision: str = "auto", cache_dir: Path | None = None,
                        pinning: bool = True) -> Iterator[bool]:
    """Inside the block, `load_reader` gives the bundled reader's torch fp32 reference (loaded at its first use) while
    the block measures and loads the choice. Nothing changes for "none", another model's folder, or a choice already
    made. Yields whether the reference stands in; entering loads nothing."""
    key = _reader_key(choice, backend, precision, cache_dir, pinning)
    path, cache = Path(key[0]), Path(key[3])
    allowed = _allowed(backend, precision) if choice.strip().lower() not in ("none", "off", "") and reader_kind(
        path) == "bundled" else []
    if len(allowed) < 2 or _read_choice(_choice_path(path, cache), sorted(map(str, allowed))):
        yield False
        return
    _stand_ins[key] = functools.partial(_reference_reader, str(path))
    try:
        yield True
    finally:
        _stand_ins.pop(key, None)


@functools.lru_cache(maxsize=2)
def _reference_reader(folder: str) -> Reader:
    reader = _with_scale(_torch_reader(Path(folder), "bundled", "float32"), Path(folder))
    reader.provisional = True
    return reader


def _allowed(backend: str, precision: str) -> list[Variant]:
    return [Variant(b, p) for b, p in VARIANTS if backend in ("auto", b) and precision in ("auto", p)]


def _with_scale(reader: Reader, path: Path) -> Reader:
    reader.scale = json.loads((path / "reader.json").read_text()).get("scale") or {}
    return reader


@functools.lru_cache(maxsize=4)
def _load_reader(folder: str, backend: str, precision: str, cache_dir: str, pinning: bool) -> Reader:
    path = Path(folder)
    kind = reader_kind(path)
    if kind != "bundled":
        if backend == "openvino" or precision not in ("auto", "float32"):
            raise ModelLoadError(f"the reader at {path} is a {kind} model, which runs on torch fp32 only; "
                                 "set answer.reader_backend and answer.reader_precision to auto")
        return _torch_reader(path, kind, "float32")
    allowed = _allowed(backend, precision)
    if not allowed:
        raise ModelLoadError(f"no reader variant runs as backend {backend} with precision {precision}: int8 and bf16 "
                             "run on openvino")
    variant = allowed[0] if len(allowed) == 1 else choose_variant(path, allowed, Path(cache_dir), pinning)
    return _with_scale(_variant_reader(path, variant, Path(cache_dir), pinning), path)


def reader_kind(path: Path) -> str:
    """"bundled" (this project's format), "cross-encoder" or "qa", read from the folder's files."""
    if not (path / "config.json").exists():
        raise ModelLoadError(f"no reader model at {path} (no config.json): set answer.reader to bundled, none, or a "
                             "folder holding a CrossEncoder or a question-answering model")
    if (path / "reader.json").exists():
        meta = json.loads((path / "reader.json").read_text())
        if meta.get("format") != READER_FORMAT:
            raise ModelLoadError(f"the reader at {path} has format {meta.get('format')!r}; this version reads "
                                 f"{READER_FORMAT}: retrain it with `python -m train.reader`")
        if not (path / "model.safetensors").exists():
            raise ModelLoadError(f"the reader at {path} has no model.safetensors; reinstall it or set answer.reader = none")
        return "bundled"
    architectures = " ".join(json.loads((path / "config.json").read_text()).get("architectures") or [])
    if "QuestionAnswering" in architectures:
        return "qa"
    if "SequenceClassification" in architectures or (path / "config_sentence_transformers.json").exists():
        return "cross-encoder"
    raise ModelLoadError(f"the model at {path} is neither this project's reader, a cross-encoder nor a "
                         f"question-answering model (architectures: {architectures or 'none'})")


def _tokenizer(path: Path):
    import tokenizers

    if not (path / "tokenizer.json").exists():
        raise ModelLoadError(f"the reader at {path} has no tokenizer.json (a fast tokenizer is needed)")
    return tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))


def _torch_reader(path: Path, kind: str, precision: str) -> Reader:
    try:
        import torch
        from transformers import AutoModelForQuestionAnswering, AutoModelForSequenceClassification
    except ImportError as exc:
        raise ModelLoadError(f"the torch reader needs torch and transformers ({exc})") from None
    try:
        if kind == "bundled":
            from answer.reader_net import ReaderNet

            net = ReaderNet.load(path)
        elif kind == "qa":
            net = AutoModelForQuestionAnswering.from_pretrained(str(path)).eval()
        else:
            net = AutoModelForSequenceClassification.from_pretrained(str(path)).eval()
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"the reader at {path} could not be loaded ({str(exc).splitlines()[0][:200]})") from None
    if precision == "bfloat16":
        net = net.to(torch.bfloat16)
    lock = threading.Lock()

    @torch.no_grad()
    def run(encoded: EncodedPairs) -> Outputs:
        inputs = {k: torch.from_numpy(v) for k, v in encoded.arrays().items()}
        with lock:
            if kind == "bundled":
                relevance, verdict, start, end = net(**inputs)
                return {"relevance": relevance.float().numpy(), "verdict": verdict.float().numpy(),
                        "start": start.float().numpy(), "end": end.float().numpy()}
            out = net(**inputs)
            if kind == "qa":
                return {"start": out.start_logits.float().numpy(), "end": out.end_logits.float().numpy()}
            logits = out.logits.float().numpy()
            # one logit: relevance; two (not relevant, relevant): their difference is the same log-odds
            return {"relevance": logits[:, 0] if logits.shape[1] == 1 else logits[:, -1] - logits[:, 0]}

    return Reader(path.name, kind, Variant("torch", precision), _tokenizer(path), run)


# --- OpenVINO, and the measured choice -------------------------------------------------------------------------------

def _openvino_folder(path: Path, cache_dir: Path) -> Path:
    import openvino

    version = openvino.__version__.split("-")[0]
    return cache_dir / f"reader-{model_fingerprint(str(path)).replace('/', '--')}-openvino-{version}"


def export_openvino(path: Path, cache_dir: Path, int8: bool) -> Path:
    """The bundled reader as OpenVINO IR (fp32; with `int8`, NNCF static int8 calibrated on the reader's own
    calibration pairs too), exported once into the model cache."""
    folder = _openvino_folder(path, cache_dir)
    wanted = ["fp32.xml"] + (["int8.xml"] if int8 else [])
    if all((folder / f).exists() for f in wanted):
        return folder
    with file_lock(cache_dir / ".reader-export.lock"):
        if all((folder / f).exists() for f in wanted):
            return folder
        import openvino as ov

        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / "fp32.xml").exists():
            import torch

            from answer.reader_net import ReaderNet

            say("Converting the reader to OpenVINO (once)…")
            net = ReaderNet.load(path)
            example = encode_pairs(_tokenizer(path), "what is it?", ["An example sentence.", "A second, longer one."])
            with torch.no_grad():
                graph = ov.convert_model(net, example_input={k: torch.from_numpy(v) for k, v in example.arrays().items()})
            save_ir(ov, graph, folder / "fp32.xml")
        if int8 and not (folder / "int8.xml").exists():
            pairs = calibration_pairs(path)
            say(f"Calibrating the int8 reader on {len(pairs)} bundled pairs (once)…")
            tokenizer = _tokenizer(path)
            batches = [encode_pairs(tokenizer, q, [t]).arrays() for q, t in pairs[::2]]
            save_ir(ov, quantize_int8(ov.Core().read_model(folder / "fp32.xml"), batches), folder / "int8.xml")
    return folder


def _openvino_reader(path: Path, precision: str, cache_dir: Path, pinning: bool) -> Reader:
    try:
        import openvino as ov
    except ImportError as exc:
        raise ModelLoadError(f"OpenVINO is not installed ({exc}); set answer.reader_backend = torch") from None
    try:
        folder = export_openvino(path, cache_dir, int8=precision == "int8")
        core = ov.Core()
        graph = core.read_model(folder / ("int8.xml" if precision == "int8" else "fp32.xml"))
        hint = {"float32": "f32", "bfloat16": "bf16", "int8": "f32"}[precision]
        compiled = core.compile_model(graph, "CPU", openvino_config(hint, pinning))
    except ModelLoadError:
        raise
    except Exception as exc:  # noqa: BLE001 (no kernel for this CPU or cap, a failed conversion: torch still works)
        raise ModelLoadError(f"the reader cannot run on OpenVINO {SHORT[precision]} here ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0][:160] if str(exc) else ''})") from None
    request = compiled.create_infer_request()
    names = [o.get_any_name() for o in compiled.inputs]
    lock = threading.Lock()

    def run(encoded: EncodedPairs) -> Outputs:
        arrays = encoded.arrays()
        n, width = encoded.input_ids.shape
        out = {"relevance": np.zeros(n, np.float32), "verdict": np.zeros((n, len(VERDICTS)), np.float32),
               "start": np.full((n, width), -1e4, np.float32), "end": np.full((n, width), -1e4, np.float32)}
        with lock:
            for rows, target in shape_groups(encoded.attention_mask.sum(axis=1).tolist(), MAX_LENGTH):
                feed = {}
                for name in names:
                    part = arrays[name][rows, :target]
                    feed[name] = np.pad(part, ((0, 0), (0, target - part.shape[1])))
                result = request.infer(feed)
                relevance, verdict, start, end = (np.asarray(result[i]) for i in range(4))
                keep = min(target, width)
                out["relevance"][rows], out["verdict"][rows] = relevance, verdict
                out["start"][rows, :keep], out["end"][rows, :keep] = start[:, :keep], end[:, :keep]
        return out

    return Reader(path.name, "bundled", Variant("openvino", precision), _tokenizer(path), run)


def _variant_reader(path: Path, variant: Variant, cache_dir: Path, pinning: bool = True) -> Reader:
    if variant.backend == "openvino":
        return _openvino_reader(path, variant.precision, cache_dir, pinning)
    return _torch_reader(path, "bundled", variant.precision)


def calibration_pairs(path: Path) -> list[tuple[str, str]]:
    """(question, unit) pairs shipped with the reader: timing, agreement and int8 calibration read these."""
    file = path / "calibration.jsonl"
    if not file.exists():
        return [("What does the drug block?", "The drug blocks the receptor of interleukin 4 and 13.")] * 16
    rows = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["question"], r["text"]) for r in rows]


def choose_variant(path: Path, allowed: list[Variant], cache_dir: Path, pinning: bool = True) -> Variant:
    """The fastest allowed variant whose relevance stays within `AGREEMENT` of torch fp32, measured once per
    reader and CPU and cached beside the embedder's choice."""
    record_path = _choice_path(path, cache_dir)
    key = sorted(map(str, allowed))
    cached = _read_choice(record_path, key)
    if cached:
        return cached
    with file_lock(cache_dir / ".reader-choice.lock"):
        cached = _read_choice(record_path, key)  # measured meanwhile by another thread or process: not again
        if cached:
            return cached
        import statistics
        import time

        pairs = calibration_pairs(path)
        by_question: dict[str, list[str]] = {}
        for q, t in pairs:
            by_question.setdefault(q, []).append(t)
        say(f"Choosing the fastest reader backend for this CPU (once; cached in {cache_dir}): "
            f"{', '.join(map(str, allowed))}, on {len(pairs)} bundled pairs…")
        reference = Variant("torch", "float32")
        readers = {reference: _variant_reader(path, reference, cache_dir, pinning)}
        for variant in allowed:
            if variant != reference:
                try:
                    readers[variant] = _variant_reader(path, variant, cache_dir, pinning)
                except ModelLoadError as exc:
                    say(f"  {variant}: not available ({exc})")
        probs: dict[Variant, np.ndarray] = {}
        rates: dict[Variant, list[float]] = {v: [] for v in readers}
        for reader in readers.values():
            reader.read(*next(iter(by_question.items())))  # warm-up
        for _ in range(3):  # interleaved rounds: a shared machine drifts between minutes
            for variant, reader in readers.items():
                started = time.perf_counter()
                readings = [r for q, texts in by_question.items() for r in reader.read(q, texts)]
                rates[variant].append(len(pairs) / (time.perf_counter() - started))
                probs[variant] = np.array([r.relevance for r in readings])
        results, measured = {}, {}
        for variant in readers:
            gap = float(np.percentile(np.abs(probs[variant] - probs[reference]), 95))
            rate = statistics.median(rates[variant])
            results[str(variant)] = {"pairs_per_second": round(rate, 1), "relevance_gap_p95": round(gap, 4)}
            say(f"  {variant}: {rate:.1f} pairs/s, relevance gap to torch fp32 (95th percentile) {gap:.4f}")
            if variant in allowed:
                measured[variant] = (rate, gap)
        choice = pick_reader_variant(measured) or reference
        tmp = record_path.with_name(f".tmp-{os.getpid()}-{record_path.name}")
        tmp.write_text(json.dumps({"allowed": key, "choice": {"backend": choice.backend, "precision": choice.precision},
                                   "measured": results, "cpu": cpu_key()}, indent=2))
        os.replace(tmp, record_path)
        say(f"Reading with {choice}; delete {record_path} to measure again")
        return choice


def pick_reader_variant(measured: dict[Variant, tuple[float, float]]) -> Variant | None:
    """Of the measured variants (pairs/s, relevance gap p95), the fastest within `AGREEMENT` of torch fp32; a bf16 or
    int8 one only when it is `LOSSY_SPEEDUP` times as fast as the fastest fp32 one, as for the embedder. Without the
    margin a CPU with no bf16 instructions (an AVX2-only AMD EPYC) chose "OpenVINO bf16" by timing noise (70.8
    against fp32's 70.3 pairs/s): OpenVINO computes it in fp32 there, so nothing was lost but the name misled."""
    return fastest_with_margin({v: rate for v, (rate, gap) in measured.items() if gap <= AGREEMENT})


def _choice_path(path: Path, cache_dir: Path) -> Path:
    return cache_dir / f"reader-choice-{model_fingerprint(str(path)).replace('/', '--')}-{cpu_key()}.json"


def _read_choice(path: Path, key: list[str]) -> Variant | None:
    try:
        record = json.loads(path.read_text())
        if record["allowed"] == key:
            return Variant(**record["choice"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None

"""The real MiniLM on every backend: the measured auto choice, the quality bar, the torch bf16 check and its fp32
fallback, and a query path that needs no torch."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import index.embedding as embedding
from errors import ModelLoadError
from index.embedding import Variant
from settings import DEFAULT_MODEL_CACHE, PROJECT_DIR, EmbeddingSettings


def test_settings_decide_which_variants_are_measured(monkeypatch):
    allowed = embedding.allowed_variants
    assert len(allowed(EmbeddingSettings())) == 5
    assert allowed(EmbeddingSettings(backend="openvino")) == [Variant("openvino", p) for p in embedding.PRECISIONS]
    assert allowed(EmbeddingSettings(precision="bfloat16")) == [Variant("torch", "bfloat16"), Variant("openvino", "bfloat16")]
    assert allowed(EmbeddingSettings(dtype="float32", backend="torch")) == [Variant("torch", "float32")]  # the old name
    monkeypatch.setattr(embedding, "cpu_has_fast_bf16", lambda: False)
    assert allowed(EmbeddingSettings(backend="torch")) == [Variant("torch", "float32")]
    with pytest.raises(ModelLoadError, match="OpenVINO"):
        allowed(EmbeddingSettings(backend="torch", precision="int8"))


def test_the_embedders_choice_keeps_a_reduced_precision_only_when_it_is_well_faster_within_the_bar():
    """`pick_variant` on records shaped as `choose_variant` writes them (rates as measured on the machines named)."""
    def record(backend, precision, rate, p5=1.0):
        return {f"{backend} {precision}": {"backend": backend, "precision": precision, "texts_per_second": rate,
                                           "cosine_p5": p5}}

    def pick(*records, floor=0.0):
        chosen = embedding.pick_variant({k: v for r in records for k, v in r.items()}, floor)
        return chosen and (chosen["backend"], chosen["precision"])

    # AVX2-only AMD EPYC: OpenVINO "bf16" runs in fp32 there, a hair faster by timing noise; int8 too little faster
    assert pick(record("torch", "float32", 18.5), record("openvino", "float32", 23.6),
                record("openvino", "bfloat16", 23.9), record("openvino", "int8", 27.0, 0.993)) == ("openvino", "float32")
    # a CPU with fast int8: int8 well faster and within the bar wins; one past the bar never does
    assert pick(record("openvino", "float32", 60.0), record("openvino", "int8", 90.0, 0.993)) == ("openvino", "int8")
    assert pick(record("openvino", "float32", 60.0), record("openvino", "int8", 90.0, 0.95)) == ("openvino", "float32")
    assert pick(record("openvino", "int8", 90.0, 0.993)) == ("openvino", "int8")  # no fp32 allowed
    assert pick(record("openvino", "float32", 60.0), floor=61.0) is None  # behind the reference's pace


@pytest.mark.slow
def test_auto_measures_once_keeps_the_fastest_variant_within_the_bar_and_caches_the_choice(monkeypatch):
    """The session's own choice (the project's model cache, as the app uses it): measured at first use, read after."""
    choice = embedding.resolve_variant(EmbeddingSettings())
    model = embedding.model_fingerprint(str(embedding.default_model_path()))
    record = json.loads((DEFAULT_MODEL_CACHE / f"choice-{model}-{embedding.cpu_key()}.json").read_text())
    measured, unavailable = record["measured"], record.get("unavailable", {})  # (not kept before round 3)
    skipped = record.get("skipped", {})  # int8 not calibrated where it runs slower than fp32 (since 2026-12-07)
    # every allowed variant is timed, said not to run on this CPU (OpenVINO bf16 has no kernel under an AVX2 cap) or
    # skipped with the rates that said so
    assert sorted({*measured, *unavailable, *skipped}) == record["allowed"], record
    assert not set(measured) & (set(unavailable) | set(skipped)), record
    assert "torch fp32" in measured, record  # the reference runs everywhere
    good = {k: r for k, r in measured.items() if r["cosine_p5"] >= embedding.QUALITY_P5}
    full = max(r["texts_per_second"] for k, r in good.items() if k.endswith("fp32"))  # a lossy one must be faster
    good = {k: r for k, r in good.items() if k.endswith("fp32") or r["texts_per_second"] >= embedding.LOSSY_SPEEDUP * full}
    assert str(choice) == max(good, key=lambda k: good[k]["texts_per_second"])
    print(f"\nauto choice on this CPU: {choice}; measured: {measured}")
    # a new process reads the choice: nothing is measured again
    embedding._resolve.cache_clear()
    monkeypatch.setattr(embedding, "measure_variants", lambda *a: pytest.fail("measured again"))
    assert embedding.resolve_variant(EmbeddingSettings()) == choice


@pytest.mark.slow
def test_faster_variants_stay_within_the_quality_bar_on_700_held_out_passages():
    """Issue 17's bar: cosine to torch fp32 >= 0.99 at the 5th percentile, for the auto choice and for int8, on the
    700 bundled abstracts the int8 graph was not calibrated on (it was calibrated on abstracts 700-999).

    Until round 3 this read all 1,000 and then the held-out 700 again; the 300 calibration abstracts could only make
    int8 look better, and reading them cost ~30 s of the AVX2 stand-in's CI run (issue 31). A choice in fp32
    (OpenVINO fp32, chosen under an AVX2 cap) computes what the reference computes in the same precision: its
    64-abstract check at choice time (cosine 1.0000 at the 5th percentile, read from the record) is its proof.

    The torch fp32 vectors of the 700 are shipped (`scripts/build_reference_vectors.py`): embedding them all took ~60 s
    of an AVX2-only CPU's test run. That they are this model's, as torch fp32 computes them on this CPU, is checked
    on 35 of them embedded now (a CPU's fp32 differs from another's by rounding: cosine 1.0000)."""
    from scripts.build_reference_vectors import REFERENCE_VECTORS, held_out_abstracts, texts_digest

    texts = held_out_abstracts()
    assert len(texts) == 700
    shipped = np.load(REFERENCE_VECTORS)
    rebuild = "run `.venv/bin/python scripts/build_reference_vectors.py` and commit tests/fixtures/reference-vectors.npz"
    assert str(shipped["texts"]) == texts_digest(texts), f"the bundled abstracts changed: {rebuild}"
    assert str(shipped["model"]) == embedding.model_fingerprint(str(embedding.default_model_path())), (
        f"the embedding model changed: {rebuild}")
    ref = shipped["vectors"]
    reference = embedding.load_embedding_model(EmbeddingSettings(backend="torch", precision="float32"))
    sample = list(range(0, 700, 20))
    now = embedding.embed_texts(reference, [texts[i] for i in sample])
    assert np.sum(now * ref[sample], axis=1).min() >= 0.9999, f"the shipped reference is not this model's: {rebuild}"
    chosen = embedding.resolve_variant(EmbeddingSettings())
    if chosen.precision == "float32":
        model = embedding.model_fingerprint(str(embedding.default_model_path()))
        record = json.loads((DEFAULT_MODEL_CACHE / f"choice-{model}-{embedding.cpu_key()}.json").read_text())
        assert record["measured"][str(chosen)]["cosine_p5"] >= 0.9999, record
    checked = {}
    for variant in dict.fromkeys([chosen, Variant("openvino", "int8")]):
        if variant.precision == "float32":
            continue
        model = embedding.load_embedding_model(EmbeddingSettings(backend=variant.backend, precision=variant.precision))
        vectors = embedding.embed_texts(model, texts)  # each variant embeds the passages once
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
        checked[str(variant)] = float(np.percentile(np.sum(vectors * ref, axis=1), 5))
    print(f"\ncosine to torch fp32, 5th percentile of {len(texts)} held-out passages: {checked}")
    assert "openvino int8" in checked and all(p5 >= embedding.QUALITY_P5 for p5 in checked.values()), checked


@pytest.mark.slow
def test_openvino_reads_text_exactly_as_sentence_transformers_does():
    """The query path tokenises with `tokenizers` alone: same ids as sentence-transformers on awkward text."""
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(embedding.default_model_path()), device="cpu")
    folder = embedding.export_openvino(str(embedding.default_model_path()), DEFAULT_MODEL_CACHE, int8=False)
    texts = embedding.bundled_abstracts(slice(0, 200)) + [
        "", "IL-4Rα “Th2” ﬁbrosis — naïve ≥135 mg/dL", "x" * 5000, "Ñandú\u2028line\tTab", "🙂 emoji 中文",
    ]
    ours = embedding._tokenizer(folder)(texts)["input_ids"]
    theirs = st.tokenizer(texts, padding=True, truncation=True, max_length=st.max_seq_length, return_tensors="np")
    assert ours.shape == theirs["input_ids"].shape and (ours == theirs["input_ids"]).all()


@pytest.mark.slow
def test_a_query_on_the_openvino_backend_imports_no_torch():
    """One-shot `ask` pays for imports: with a cached OpenVINO graph, a query needs neither torch nor transformers."""
    embedding.export_openvino(str(embedding.default_model_path()), DEFAULT_MODEL_CACHE, int8=False)
    code = (
        "import sys\n"
        "from index.embedding import load_embedding_model, embed_query\n"
        "from settings import EmbeddingSettings\n"
        "m = load_embedding_model(EmbeddingSettings(backend='openvino', precision='float32'))\n"
        "v = embed_query(m, 'Which biologics target Th2?')\n"
        "print(v.shape[0], sorted(x for x in ('torch', 'transformers', 'sentence_transformers') if x in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_DIR, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["384", "[]"], out.stdout


@pytest.mark.slow
def test_without_avx512_the_auto_choice_falls_back_cleanly_and_says_why(tmp_path):
    """oneDNN's instruction-set cap (torch and OpenVINO both use oneDNN) stands in for an AVX2-only CPU: bf16 is
    emulated there by torch (30x slower: dropped after a first look instead of timed for minutes) and OpenVINO's CPU
    plugin has no bf16 kernel for some layers. Asked for bf16, the choice must end on torch fp32, which works
    everywhere, and say why. (The full auto run under the cap is in docs/scale.md: OpenVINO fp32 wins there.)
    Measured in a cache of its own, holding the run's converted graph (`seeded_model_cache`)."""
    from tests.conftest import seeded_model_cache

    seeded_model_cache(tmp_path, "model-*-openvino-*")
    code = (
        "import json\n"
        "from index.embedding import embed_query, load_embedding_model, resolve_variant\n"
        "from settings import EmbeddingSettings\n"
        "s = EmbeddingSettings(precision='bfloat16')\n"
        f"choice = resolve_variant(s, {str(tmp_path)!r})\n"  # its own cache: measured on every run
        f"v = embed_query(load_embedding_model(s, {str(tmp_path)!r}), 'Which biologics target Th2?')\n"
        "print(json.dumps({'choice': str(choice), 'vector': v.tolist()}), flush=True)\n"
        # what is tested is done: no teardown of torch's and OpenVINO's native threads under the ISA cap, which once
        # ended this process with SIGSEGV after it had printed its result (AMD EPYC AVX2, 2026-12-07)
        "import os; os._exit(0)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=PROJECT_DIR, timeout=900)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nwith ONEDNN_MAX_CPU_ISA=AVX2: {result['choice']}\n{out.stderr[-1500:]}")
    assert result["choice"] in ("torch fp32", "openvino bf16"), result["choice"]  # never torch's emulated bf16
    assert "torch bf16" in out.stderr and "not timed further" in out.stderr
    if result["choice"] == "torch fp32":  # the ISA cap on an Intel CPU: OpenVINO's plugin has no bf16 kernels
        assert "openvino bf16: not available" in out.stderr and "none of those runs well here" in out.stderr
    # else a real AVX2-only CPU (AMD EPYC measured): OpenVINO runs "bf16" in fp32 there; the vector check below holds
    reference = embedding.load_embedding_model(EmbeddingSettings(backend="torch", precision="float32"))
    assert float(np.dot(result["vector"], embedding.embed_query(reference, "Which biologics target Th2?"))) > 0.999


@pytest.mark.slow
def test_a_failed_bf16_check_falls_back_to_fp32_with_a_warning(monkeypatch):
    monkeypatch.setattr(embedding, "BF16_MIN_COSINE", 1.001)  # no bf16 model can pass this
    with pytest.warns(RuntimeWarning, match="using float32"):
        model = embedding.load_embedding_model(EmbeddingSettings(backend="torch", precision="bfloat16", batch_size=17))
    assert model.precision == "float32" and embedding.describe(model) == "torch fp32"
    reference = embedding.load_embedding_model(EmbeddingSettings(backend="torch", precision="float32"))
    text = ["IgG4-related disease responds to rituximab."]
    assert np.allclose(embedding.embed_texts(model, text), embedding.embed_texts(reference, text), atol=1e-6)
    # its vectors are filed as fp32 ones: the cache never mixes them with real bf16 vectors
    assert embedding.embedding_identity(model) == embedding.embedding_identity(reference)


def test_recent_queries_are_embedded_once_per_model():
    from tests.hash_embedding import HashEmbedding

    first, second = HashEmbedding(), HashEmbedding()
    a = embedding.embed_query(first, "Which biologics target Th2?")
    assert embedding.embed_query(first, "Which biologics target Th2?") is a and first.calls == 1
    assert not a.flags.writeable  # shared, so nobody may change it
    embedding.embed_query(second, "Which biologics target Th2?")
    assert second.calls == 1  # another model never gets the first one's vector


def test_openvino_shape_groups_cover_every_row_once_in_few_shapes():
    """Rows grouped by padded length, each group a power of two: no row computed twice or dropped, no row padding."""
    lengths = [1, 5, 31, 32, 33, 64, 65, 200, 256, 300, 0, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49]
    groups = embedding.shape_groups(lengths, max_length=256)
    rows = sorted(i for group, _ in groups for i in group)
    assert rows == list(range(len(lengths)))
    for group, target in groups:
        assert len(group) & (len(group) - 1) == 0, "rows a power of two"
        assert target % embedding.SHAPE_STEP == 0 and target <= 256
        assert all(min(lengths[i], 256) <= target < max(lengths[i], 1) + embedding.SHAPE_STEP for i in group)
    for target in {t for _, t in groups}:  # each length's rows in the fewest powers of two: 10 rows = 8 + 2
        sizes = [len(g) for g, t in groups if t == target]
        count = sum(sizes)
        assert sorted(sizes, reverse=True) == [1 << b for b in reversed(range(count.bit_length())) if count >> b & 1]
    step = embedding.QUERY_SHAPE_STEP  # one text alone (a question): padded less
    assert [embedding.shape_groups([n], 256) for n in (0, 8, 9, 20, 300)] == [
        [([0], step)], [([0], 8)], [([0], 16)], [([0], 24)], [([0], 256)]]


def test_openvino_vectors_do_not_depend_on_what_a_text_is_batched_with():
    """The real model through OpenVINO: a batch of mixed lengths (empty, short, long, truncated) gives each text
    the vector it gets alone, so grouping by length changes cost, never results."""
    model = embedding._load(str(embedding.default_model_path()), Variant("openvino", "float32"), 16,
                            str(DEFAULT_MODEL_CACHE))
    texts = embedding.bundled_abstracts(slice(0, 12)) + [
        "", "Th2", "IgG4-related disease responds to rituximab.", "x" * 5000,
        "Dupilumab blocks IL-4Rα, the receptor shared by IL-4 and IL-13, and so both type 2 cytokines.",
    ]
    together = model.encode(texts)
    alone = np.stack([model.encode([t])[0] for t in texts])
    assert together.shape == (len(texts), model.dimension)
    assert float((together * alone).sum(axis=1).min()) > 0.9999


@pytest.mark.slow
def test_cpu_pinning_goes_from_the_setting_to_both_compiled_models(monkeypatch):
    """`BIOCITE_EMBEDDING__CPU_PINNING=false` (several busy processes on the same cores) must reach the embedder's
    and the reader's OpenVINO models, OpenVINO must honour it, and leaving it unset keeps OpenVINO's pinning."""
    import answer.reader as reader_module
    from answer.reader import load_reader
    from settings import load_settings

    monkeypatch.delenv("BIOCITE_EMBEDDING__CPU_PINNING", raising=False)
    assert load_settings().embedding.cpu_pinning is True
    compiled = []
    real = embedding.openvino_config

    def recording(hint: str, pinning: bool) -> dict[str, object]:
        compiled.append(pinning)
        return real(hint, pinning)

    monkeypatch.setattr(embedding, "openvino_config", recording)
    monkeypatch.setattr(reader_module, "openvino_config", recording)
    monkeypatch.setenv("BIOCITE_EMBEDDING__CPU_PINNING", "false")
    settings = load_settings()
    # Empty loader caches, as in a fresh process: a model another test of this worker loaded unpinned would
    # otherwise be reused and never compile here (CI: [False] == [False, False]). The old caches come back after.
    for module, name in ((embedding, "_load"), (reader_module, "_load_reader")):
        cached = getattr(module, name)
        monkeypatch.setattr(module, name, functools.lru_cache(**cached.cache_parameters())(cached.__wrapped__))
    embedding.load_embedding_model(settings.embedding.model_copy(update={"backend": "openvino", "precision": "float32"}))
    load_reader("bundled", "openvino", "float32", DEFAULT_MODEL_CACHE, settings.embedding.cpu_pinning)
    assert compiled == [False, False]
    import openvino as ov

    graph = ov.Core().read_model(embedding.export_openvino(str(embedding.default_model_path()), DEFAULT_MODEL_CACHE,
                                                            int8=False) / "fp32.xml")
    for pinning in (False, True):
        model = ov.Core().compile_model(graph, "CPU", real("f32", pinning))
        assert model.get_property("ENABLE_CPU_PINNING") is pinning


def test_int8_calibration_keeps_stdout_clean_for_json(capfd):
    """The first `ask --json` on a machine calibrates an int8 model; NNCF's progress bars went to stdout ahead of
    the JSON (CI: "Statistics collection …" then JSONDecodeError). Real NNCF on a one-matmul graph: the bars must
    still be drawn, on stderr, and stdout must stay empty."""
    import openvino as ov
    from openvino import opset13 as ops

    x = ops.parameter([1, 16], np.float32, name="x")
    weights = ops.constant(np.random.default_rng(0).standard_normal((16, 8)).astype(np.float32))
    graph = ov.Model([ops.matmul(x, weights, False, False)], [x])
    quantized = embedding.quantize_int8(graph, [{"x": np.full((1, 16), i, np.float32)} for i in range(4)])
    assert "FakeQuantize" in {op.get_type_name() for op in quantized.get_ops()}
    out, err = capfd.readouterr()
    assert out == ""
    assert "Statistics collection" in err


def test_what_needs_no_measuring_loads_at_once_and_a_missing_model_fails_in_seconds(tmp_path):
    """`python app.py` serves before measuring a new CPU's variants, but a missing model still fails before serving."""
    from index.embedding import load_without_measuring

    with pytest.raises(ModelLoadError, match="could not be loaded"):
        load_without_measuring(EmbeddingSettings(model_path=tmp_path / "nowhere"), tmp_path / "cache")
    fixed = load_without_measuring(EmbeddingSettings(backend="torch", precision="float32"), tmp_path / "cache")
    assert fixed is not None and str(fixed.variant) == "torch fp32"
    assert load_without_measuring(EmbeddingSettings(), tmp_path / "cache") is None  # auto on an unmeasured CPU
    assert not list((tmp_path / "cache").glob("choice-*.json"))  # nothing was measured


def test_a_variant_far_behind_after_one_round_keeps_its_vectors_but_is_timed_no_more(monkeypatch):
    """The quality check needs every variant's vectors; only the timing rounds are spared."""
    import time

    calls: dict[str, int] = {}

    class Fake:
        def __init__(self, name: str, seconds: float) -> None:
            self.name, self.seconds = name, seconds

        def encode(self, texts: list[str]) -> np.ndarray:
            calls[self.name] = calls.get(self.name, 0) + 1
            time.sleep(self.seconds)
            return np.ones((len(texts), 4), dtype="float32")

    fast, close, far = Variant("openvino", "int8"), Variant("openvino", "float32"), Variant("torch", "float32")
    monkeypatch.setattr(embedding, "say", lambda message: None)
    measured = embedding.measure_variants({far: Fake("far", 0.05), fast: Fake("fast", 0.01),
                                           close: Fake("close", 0.012)}, ["a text"] * 8, rounds=3)
    assert calls == {"far": 3, "fast": 5, "close": 5}  # warm-up twice, then 1 round (far) or 3 rounds
    assert all(len(vectors) == 8 for _, vectors in measured.values())


def test_an_allowed_variant_at_under_half_of_torch_fp32_is_never_chosen(monkeypatch, tmp_path):
    """Asked for bf16 where bf16 is emulated (torch at a fifth of fp32's rate, OpenVINO without bf16 kernels), the
    choice falls back on torch fp32, which runs everywhere, instead of keeping the only allowed variant left."""
    reference, emulated = Variant("torch", "float32"), Variant("torch", "bfloat16")
    vectors = np.ones((4, 3), dtype="float32") / np.sqrt(3)
    monkeypatch.setattr(embedding, "_load", lambda source, variant, *a: variant)
    monkeypatch.setattr(embedding, "bundled_abstracts", lambda part: ["a text"] * 4)
    monkeypatch.setattr(embedding, "model_fingerprint", lambda source: "fake-model")
    monkeypatch.setattr(embedding, "say", lambda message: None)
    rates = {reference: 27.0, emulated: 5.5}
    monkeypatch.setattr(embedding, "measure_variants", lambda models, texts: {v: (rates[v], vectors) for v in models})
    assert embedding.choose_variant("fake", [emulated], 32, tmp_path) == reference
    rates[emulated] = 20.0  # slower than fp32 but within half of it: the allowed variant is kept
    assert embedding.choose_variant("fake", [emulated], 32, tmp_path / "again") == emulated


def test_a_reduced_precision_is_chosen_only_when_it_is_clearly_faster_than_fp32(monkeypatch, tmp_path):
    """int8 and bf16 give up some vector quality: a lead within timing noise (int8 at 14.0 texts/s against OpenVINO
    fp32's 12.6, measured under the AVX2 cap while the other test worker ran) does not buy it; 2.5x does."""
    reference, fp32, int8 = Variant("torch", "float32"), Variant("openvino", "float32"), Variant("openvino", "int8")
    vectors = np.ones((4, 3), dtype="float32") / np.sqrt(3)
    monkeypatch.setattr(embedding, "_load", lambda source, variant, *a: variant)
    monkeypatch.setattr(embedding, "bundled_abstracts", lambda part: ["a text"] * 4)
    monkeypatch.setattr(embedding, "model_fingerprint", lambda source: "fake-model")
    monkeypatch.setattr(embedding, "say", lambda message: None)
    monkeypatch.setattr(embedding, "int8_may_pay", lambda *a: (True, "the probe keeps up"))
    rates = {reference: 10.8, fp32: 12.6, int8: 14.0}
    monkeypatch.setattr(embedding, "measure_variants", lambda models, texts: {v: (rates[v], vectors) for v in models})
    assert embedding.choose_variant("fake", [reference, fp32, int8], 32, tmp_path / "close") == fp32
    rates[int8] = 31.5  # as on AMD EPYC with AVX-512 VNNI (72.7 against 29.5)
    assert embedding.choose_variant("fake", [reference, fp32, int8], 32, tmp_path / "clear") == int8
    rates[int8] = 14.0  # asked for int8 alone: nothing to weigh it against, it is kept
    assert embedding.choose_variant("fake", [int8], 32, tmp_path / "alone") == int8


def test_int8_is_calibrated_only_where_a_rough_int8_graph_keeps_up_with_fp32(monkeypatch, tmp_path):
    """`int8_may_pay` times a roughly calibrated int8 graph against fp32 first: where it is slower (an AVX2-only AMD
    EPYC: 0.74x) the 300-abstract calibration is not spent and the record says why; where it keeps up, int8 is
    loaded, calibrated and measured as before."""
    reference, fp32, int8 = Variant("torch", "float32"), Variant("openvino", "float32"), Variant("openvino", "int8")
    vectors = np.ones((4, 3), dtype="float32") / np.sqrt(3)
    loaded = []
    monkeypatch.setattr(embedding, "_load", lambda source, variant, *a: loaded.append(variant) or variant)
    monkeypatch.setattr(embedding, "bundled_abstracts", lambda part: ["a text"] * 4)
    monkeypatch.setattr(embedding, "model_fingerprint", lambda source: "fake-model")
    monkeypatch.setattr(embedding, "say", lambda message: None)
    rates = {reference: 10.8, fp32: 12.6, int8: 31.5}
    monkeypatch.setattr(embedding, "measure_variants", lambda models, texts: {v: (rates[v], vectors) for v in models})
    monkeypatch.setattr(embedding, "int8_may_pay", lambda *a: (False, "int8 2.9 texts/s, OpenVINO fp32 3.9"))
    assert embedding.choose_variant("fake", [reference, fp32, int8], 32, tmp_path / "slow") == fp32
    assert int8 not in loaded
    record = json.loads(next((tmp_path / "slow").glob("choice-*.json")).read_text())
    assert record["skipped"] == {"openvino int8": "int8 2.9 texts/s, OpenVINO fp32 3.9"}
    assert "openvino int8" not in record["measured"]
    monkeypatch.setattr(embedding, "int8_may_pay", lambda *a: (True, "int8 31.5, fp32 12.6"))
    assert embedding.choose_variant("fake", [reference, fp32, int8], 32, tmp_path / "fast") == int8
    assert int8 in loaded


@pytest.mark.slow
def test_the_int8_probe_times_the_real_model_and_keeps_nothing(tmp_path):
    """The real path: both graphs run on this CPU and report their rates; the rough graph is never saved where the
    calibrated one would be found."""
    import re

    source = str(embedding.default_model_path())
    folder = embedding.export_openvino(source, DEFAULT_MODEL_CACHE, int8=False)
    cached = (folder / "int8.xml").exists()
    pays, why = embedding.int8_may_pay(source, DEFAULT_MODEL_CACHE)
    rates = [float(x) for x in re.findall(r"(\d+\.\d) ", why)]
    assert isinstance(pays, bool) and len(rates) == 2 and all(r > 0 for r in rates), why
    assert pays == (rates[0] >= rates[1]) or rates[0] == rates[1]  # (the message rounds to 0.1)
    assert (folder / "int8.xml").exists() == cached


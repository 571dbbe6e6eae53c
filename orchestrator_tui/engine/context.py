"""Everything one run needs, in one place: the request resolved against the settings, the
budget pool, the attempt records and the way events go out."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..heuristics.tokens import estimate_tokens
from ..providers.base import CallParams, Provider
from ..types import ModelConfig
from .events import Attempt, Escalated, Event, Note
from .request import Request
from .run_budget import BudgetPool

if TYPE_CHECKING:
    from .core import Engine

MAX_ERROR_CHARS = 300


class RunContext:
    def __init__(
        self,
        engine: Engine,
        request: Request,
        emit: Callable[[Event], object],
        budget: BudgetPool | None = None,
    ):
        settings = engine.settings
        self.engine = engine
        self.request = request
        self.registry = engine.registry
        self.settings = settings
        self.emit = emit
        self.policy = engine.policy
        self.timeouts = settings.timeouts
        self.limiter = engine.limiter
        self.detector = engine.detector
        self.analyzer = engine.analyzer
        self.max_tokens = request.max_tokens or settings.max_tokens
        self.threshold = (
            request.threshold
            if request.threshold is not None
            else settings.chain_thresholds.get(
                request.chain or settings.default_chain, settings.threshold
            )
        )
        temperature = settings.temperature if request.temperature is None else request.temperature
        messages = request.messages()
        self.params = CallParams(
            messages, request.system, self.max_tokens, temperature, stream=request.stream
        )
        self.input_tokens = estimate_tokens(messages, request.system)
        self.budget = budget or BudgetPool(request.max_cost)
        self.attempts: list[Attempt] = []
        self.clock = engine.clock
        self.started = self.clock()  # restarted when the first call is ready to go
        self._clock_running = False
        self.run_id = uuid.uuid4().hex
        self.candidates: list[ModelConfig] = []  # what the strategy chose from (for savings)
        self.escalations: list[Escalated] = []  # announced so far, for the result
        self._next_id = 0
        self._temperature_noted: set[str] = set()  # models whose missing temperature was told

    @property
    def keeps_text(self) -> bool:
        """Whether the prompt and answer may be kept anywhere (history, cache): not with
        `log_text=False` (--no-log) nor with `log_prompts = false`."""
        return self.request.log_text and self.settings.log_prompts

    @property
    def uses_cache(self) -> bool:
        """The cache holds answer text, so a run that keeps no text neither fills it nor
        reads it: a --no-log request leaves no text behind and always gets a fresh answer."""
        return self.request.use_cache and self.keeps_text

    def provider_for(self, model: ModelConfig) -> Provider:
        return self.engine.provider_for(model)

    def new_attempt(self, model: ModelConfig, provider_name: str) -> Attempt:
        self.note_unsent_temperature(model)
        self._next_id += 1
        return Attempt(self._next_id, model.name, provider_name)

    def escalate(self, from_model: str, to_model: str | None, reason: str) -> None:
        """Announce that the run moves on from `from_model` (to `to_model`, or to nothing
        left), and keep it for the result."""
        event = Escalated(from_model, to_model, reason)
        self.escalations.append(event)
        self.emit(event)

    def note_unsent_temperature(self, model: ModelConfig) -> None:
        """A Note, once per model in this run, when a temperature was asked for and the model
        takes none (its call is made without it)."""
        temperature = self.params.temperature
        if temperature is None or model.name in self._temperature_noted:
            return
        self._temperature_noted.add(model.name)
        if not self.engine.accepts_temperature(model):
            self.emit(
                Note(f"{model.name} takes no temperature; temperature {temperature:g} is not sent")
            )

    async def finish_attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        await self.store(self.engine.ledger.attempt_finished, self, attempt)

    async def store(self, method: Callable[..., Any], *args: Any) -> Any:
        """Call a ledger or cache method off the event loop (see Engine.offload)."""
        return await self.engine.offload(method, *args)

    async def store_quietly(self, what: str, method: Callable[..., Any], *args: Any) -> Any:
        """`store`, for a write the answer does not depend on (the cache, a reservation's
        update): a failure is a Note, never the loss of an answer already paid for."""
        try:
            return await self.store(method, *args)
        except Exception as exc:  # noqa: BLE001 (any storage failure: the run goes on)
            self.emit(Note(self.describe(f"{what} could not be used: {type(exc).__name__}: {exc}")))
            return None

    def prepare(self, models: Iterable[ModelConfig]) -> None:
        """Start getting the providers of `models` ready in the background."""
        for model in models:
            self.provider_for(model).prepare()

    async def warm(self, models: Iterable[ModelConfig]) -> None:
        """Get the providers of `models` ready at once (an ensemble's members start together)."""
        self.prepare(models)
        for provider in {id(p): p for p in map(self.provider_for, models)}.values():
            await provider.warm()

    def start_clock(self) -> None:
        """The first call is ready (its SDK imported): the run's latency counts from here, so
        it is the requests' time, not the process's set-up."""
        if not self._clock_running:
            self._clock_running = True
            self.started = self.clock()

    def unusable_reason(self, model: ModelConfig) -> str | None:
        """Why this model cannot take this request, or None if it can."""
        if not self.engine.demo and not self.registry.has_credentials(model.provider):
            env = self.registry.providers[model.provider].api_key_env
            return f"no {env} set"
        if model.context_window is not None and self.input_tokens > model.context_window:
            return (
                f"the prompt (~{self.input_tokens:,} tokens) exceeds its context window "
                f"({model.context_window:,})"
            )
        return None

    def usable_models(self, models: list[ModelConfig], announce: bool = True) -> list[ModelConfig]:
        """The models that can take the request; each skipped one is announced in a Note."""
        usable = []
        for model in models:
            reason = self.unusable_reason(model)
            if reason is None:
                usable.append(model)
            elif announce:
                self.emit(Note(f"skipped {model.name}: {reason}"))
        if not usable:
            raise UsageError(self.none_usable_message(models))
        return usable

    def none_usable_message(self, models: list[ModelConfig]) -> str:
        windows = [m.context_window for m in models if m.context_window]
        if windows and self.input_tokens > max(windows):
            return (
                f"the prompt (~{self.input_tokens:,} tokens) is larger than every context "
                f"window (largest: {max(windows):,})"
            )
        names = ", ".join(m.name for m in models)
        return (
            f"no usable model among {names}: set a provider's API key (`orch keys set "
            "PROVIDER`) or use --demo"
        )

    def redact(self, text: str) -> str:
        return self.engine.redact(text)

    def describe(self, text: str) -> str:
        """An error as the user sees it: secrets redacted first, then cut to a readable
        length (cutting first could leave part of a key that no longer matches)."""
        text = self.redact(text)
        return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"

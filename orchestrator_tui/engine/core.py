"""The Engine: resolves a request, runs its strategy and streams the events out."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import OrchError, UsageError
from ..heuristics.complexity import ComplexityAnalyzer
from ..heuristics.confidence import ConfidenceDetector
from ..providers.base import Provider
from ..providers.kinds import provider_class
from ..registry import Registry
from ..types import ModelConfig
from .context import RunContext
from .events import Event, OrchestrationResult, ResultReady
from .ports import Cache, Ledger, NoCache, NoLedger
from .ratelimit import DEFAULT_LIMITER, RateLimiter
from .request import Request
from .retry import RetryPolicy
from .strategies import Runner, find_strategy, unknown_strategy

if TYPE_CHECKING:
    from ..learned.model import LearnedRouter
    from .run_budget import BudgetPool

_DONE = object()
SECRET_ENV_SUFFIXES = ("_API_KEY", "_AUTH_TOKEN", "_KEY", "_TOKEN")


class Engine:
    """Shared by every front end. Analyzer and detector are pluggable: any object with
    `analyze(prompt)` / `score(prompt, answer)` of the same shape will do."""

    def __init__(
        self,
        settings: Settings | None = None,
        registry: Registry | None = None,
        *,
        analyzer: Any = None,
        detector: Any = None,
        limiter: RateLimiter | None = None,
        demo: bool | None = None,
        ledger: Ledger | None = None,
        cache: Cache | None = None,
        clock: Callable[[], float] = time.perf_counter,
        providers: dict[str, Provider] | None = None,
        router: LearnedRouter | None = None,
    ):
        self.settings = settings or Settings()
        self.registry = registry or Registry.build(self.settings)
        self.analyzer = analyzer or ComplexityAnalyzer()
        self.detector = detector or ConfidenceDetector()
        self.limiter = limiter or DEFAULT_LIMITER
        retries = self.settings.retries
        self.policy = RetryPolicy(
            retries.max_retries, retries.base_delay, retries.max_delay, retries.rate_limit_retries
        )
        self.demo = self.decide_demo(demo)
        self.ledger = ledger or NoLedger()  # history and persistent budgets
        self.cache = cache or NoCache()
        self.clock = clock  # seconds, for latencies; tests pass a fixed one
        self._providers: dict[str, Provider] = dict(providers or {})
        self.router: LearnedRouter | None = router  # loaded from the orch home when needed

    def decide_demo(self, forced: bool | None) -> bool:
        if forced is not None:
            return forced
        mode = self.settings.demo
        return mode == "always" or (mode == "auto" and not self.registry.any_credentials())

    def provider_for(self, model: ModelConfig) -> Provider:
        """The provider that serves `model` in this engine (the demo one in demo mode)."""
        return self.provider_named("demo" if self.demo else model.provider)

    def provider_named(self, name: str) -> Provider:
        if name not in self._providers:
            self._providers[name] = self.make_provider(name)
        return self._providers[name]

    def accepts_temperature(self, model: ModelConfig) -> bool:
        """Whether `model`'s real provider sends a temperature; asked in demo mode too, so a
        demo run says what a real one would."""
        return self.provider_named(model.provider).accepts_temperature(model)

    def learned_router(self) -> LearnedRouter:
        if self.router is None:
            from ..learned.model import LearnedRouter
            from ..locations import router_path

            path = router_path()
            if not path.is_file():
                raise UsageError(
                    "no trained router: run `orch router train --data FILE` "
                    "or `orch router train --from-history` first"
                )
            try:
                self.router = LearnedRouter.load(path)
            except (ValueError, KeyError) as exc:
                raise UsageError(f"cannot read the trained router {path}: {exc}") from None
        return self.router

    def make_provider(self, name: str) -> Provider:
        """The demo provider, or the provider `name` of the registry as its kind's class."""
        if name == "demo":
            from ..providers.demo import DemoProvider

            return DemoProvider(self.settings.demo_speed, self.analyzer)
        config = self.registry.providers[name]
        cls = provider_class(config.kind)
        return cls(config, self.settings.timeouts, self.registry.environ)

    def check(self, request: Request) -> str:
        """The strategy name, after the checks that need no call."""
        if not request.prompt.strip():
            raise UsageError("the prompt is empty")
        strategy = request.strategy or self.settings.default_strategy
        if find_strategy(strategy) is None:
            raise UsageError(unknown_strategy(strategy))
        if request.max_cost is not None and request.max_cost < 0:
            raise UsageError("--max-cost cannot be negative")
        request.strategy = strategy
        return strategy

    def runner_for(self, request: Request) -> Runner:
        """The runner of the request's strategy (imported on its first run), once `check`ed."""
        spec = find_strategy(self.check(request))
        assert spec is not None  # check refuses any name that is not registered
        return spec.load_runner()

    def context(
        self, request: Request, emit: Callable[[Event], object] = lambda event: None
    ) -> RunContext:
        self.check(request)
        return RunContext(self, request, emit)

    async def run(self, request: Request, budget: BudgetPool | None = None) -> AsyncIterator[Event]:
        """Run a request, yielding its events; the last one is ResultReady. `budget`: a
        BudgetPool shared with other runs (a batch's `--max-cost`)."""
        runner = self.runner_for(request)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        ctx = RunContext(self, request, queue.put_nowait, budget)
        await self.offload(self.ledger.request_started, ctx)
        task = asyncio.create_task(runner(ctx))
        task.add_done_callback(lambda _: queue.put_nowait(_DONE))
        result, error = None, None
        try:
            while (event := await queue.get()) is not _DONE:
                yield event
            try:
                result = task.result()
            except OrchError as exc:  # e.g. no trained router: a failed run, not a cancelled one
                error = str(exc)
                raise
            result.history_id = self.ledger.request_id(ctx)
            yield ResultReady(result)
        finally:
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await self.offload(self.ledger.request_finished, ctx, result, error)

    async def run_to_result(
        self,
        request: Request,
        on_event: Callable[[Event], object] | None = None,
        budget: BudgetPool | None = None,
    ) -> OrchestrationResult:
        """Run a request to its OrchestrationResult, passing each event to `on_event`."""
        result = None
        async for event in self.run(request, budget):  # to the end, so the run's ledger closes
            if on_event is not None:
                on_event(event)
            if isinstance(event, ResultReady):
                result = event.result
        if result is None:
            raise RuntimeError("the engine ended without a result")
        return result

    async def offload(self, method: Callable[..., Any], *args: Any) -> Any:
        """Run a ledger or cache method on its owner's `executor` (the store's one writer
        thread), so that a database busy in another process never blocks the event loop;
        inline when the owner has none. Calls run in the order they are made, and a call once
        made runs even if the caller is cancelled meanwhile: what was paid is always written."""
        executor = getattr(getattr(method, "__self__", None), "executor", None)
        if executor is None:
            return method(*args)
        return await asyncio.shield(asyncio.wrap_future(executor.submit(method, *args)))

    def warm_up(self, models: list[ModelConfig] | None = None) -> None:
        """Start getting the providers of `models` (default: every model with credentials)
        ready in the background, e.g. when a TUI opens, so a first request does not wait."""
        usable = (
            models
            if models is not None
            else [
                m
                for m in self.registry.models.values()
                if self.demo or self.registry.has_credentials(m.provider)
            ]
        )
        for model in usable:
            self.provider_for(model).prepare()

    async def warmed_up(self) -> None:
        """Wait until every provider `warm_up` started is ready."""
        await asyncio.gather(*(provider.warm() for provider in list(self._providers.values())))

    def models_named(self, request: Request) -> list[ModelConfig]:
        """The models a run of `request` calls first, as far as it names them (its model, its
        models, else its chain's or the default chain's first), that can be called: the ones
        worth getting ready before it runs. Unknown names are left to the run to report."""
        registry = self.registry
        try:
            if request.model:
                models = [registry.model(request.model)]
            elif request.models:
                models = [registry.model(name) for name in request.models]
            else:
                models = registry.chain(request.chain or self.settings.default_chain)[:1]
        except UsageError:
            return []
        return [m for m in models if self.demo or registry.has_credentials(m.provider)]

    def redact(self, text: str) -> str:
        """`text` with every secret from the environment replaced, so no key is ever shown."""
        key_names = {p.api_key_env for p in self.registry.providers.values() if p.api_key_env}
        for name, value in self.registry.environ.items():
            if (
                value
                and len(value) >= 8
                and (name.endswith(SECRET_ENV_SUFFIXES) or name in key_names)
            ):
                text = text.replace(value, "[redacted]")
        return text

    async def aclose(self) -> None:
        for provider in self._providers.values():
            await provider.aclose()
        self._providers.clear()

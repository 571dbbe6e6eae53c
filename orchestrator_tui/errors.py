"""Errors a user can cause or meet. Each one prints as a single line in the CLI."""


class OrchError(Exception):
    """Base class: the message is what the user sees; `exit_code` is what the CLI returns."""

    exit_code = 1


class UsageError(OrchError):
    """Bad input: unknown model or chain, empty prompt, invalid option."""

    exit_code = 2


class ConfigError(OrchError):
    """An invalid config file or registry."""

    exit_code = 2


class NoProviderError(OrchError):
    """No model can be called: no key, demo mode off."""

    exit_code = 2


class BudgetError(OrchError):
    """The budget does not allow any call."""


class AllAttemptsFailed(OrchError):
    """Every model that was tried failed."""

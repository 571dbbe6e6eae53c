"""The commented starter config file `orch config init` writes: every setting with its
default, commented out, and its description, read from `config.py` so the two never drift."""

from __future__ import annotations

import ast
import typing
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path

from . import config

SECTIONS = ("budget", "timeouts", "retries")
TABLES = ("providers", "models", "chains", "chain_thresholds")  # examples at the end
EXAMPLES_MARKER = "# ---- Examples"
NONE_EXAMPLES = {  # settings whose default is "not set": an example value to uncomment
    "temperature": 0.7,
    "judge_model": "claude-sonnet-5-5",
    "budget.daily": 5.0,
    "budget.monthly": 50.0,
}
HEADER = """\
# orch configuration (TOML). Written by `orch config init`; `orch config edit` opens it.
# Each setting is shown commented out, with its default: uncomment a line to change it.
# Unknown keys are errors. `orch config show` prints the settings in force and where each
# one comes from.
#
# API keys do not belong here: `orch keys set PROVIDER` stores one (or set the provider's
# variable, e.g. ANTHROPIC_API_KEY, OPENAI_API_KEY, which takes precedence).
"""
EXAMPLES = f"""
{EXAMPLES_MARKER}: providers, models and chains of your own (uncomment and adapt).
#
# An OpenAI-compatible local server (Ollama, vLLM, ...); api_key_env names the variable
# holding its key, if it needs one.
# [providers.ollama]
# kind = "openai"
# base_url = "http://localhost:11434/v1"
#
# A new model (needs a provider), or some fields of a registry model (`orch models`).
# [models."llama3.2"]
# provider = "ollama"
# tier = "basic"
# input_cost_per_mtok = 0
# output_cost_per_mtok = 0
# context_window = 128000
#
# [chains]
# local = ["llama3.2", "gpt-6-luna"]
#
# [chain_thresholds]
# local = 0.5
"""


def field_docs() -> dict[tuple[str, str], str]:
    """(class name, field name) → the docstring under the field in config.py."""
    tree = ast.parse(Path(config.__file__).read_text(encoding="utf-8"))
    docs = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for before, after in zip(node.body, node.body[1:], strict=False):
            if (
                isinstance(before, ast.AnnAssign)
                and isinstance(before.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[(node.name, before.target.id)] = " ".join(after.value.value.split())
    return docs


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        import json

        return json.dumps(value)
    if isinstance(value, float) and value == int(value) and abs(value) < 1e15:
        return f"{value:.1f}"
    return repr(value)


def setting_lines(cls, dotted: str, docs) -> list[str]:
    hints = typing.get_type_hints(cls)
    lines = []
    for f in fields(cls):
        default = f.default if f.default is not MISSING else None
        key = f"{dotted}{f.name}"
        if key in TABLES or key in SECTIONS or is_dataclass(default):
            continue
        doc = docs.get((cls.__name__, f.name))
        lines.append("")
        if doc:
            lines += [f"# {line}" for line in wrap(doc)]
        choices = literal_choices(hints[f.name])
        if choices:
            lines.append(f"# One of: {', '.join(choices)}.")
        if default is None:
            lines.append("# Not set by default; for example:")
            default = NONE_EXAMPLES.get(key, "")
        lines.append(f"# {f.name} = {toml_value(default)}")
    return lines


def literal_choices(hint) -> list[str]:
    for candidate in (hint, *typing.get_args(hint)):
        if typing.get_origin(candidate) is typing.Literal:
            return [str(choice) for choice in typing.get_args(candidate)]
    return []


def wrap(text: str) -> list[str]:
    import textwrap

    return textwrap.wrap(text, 88) or [""]


def starter_text() -> str:
    docs = field_docs()
    lines = HEADER.rstrip("\n").splitlines()
    lines += setting_lines(config.Settings, "", docs)
    for section in SECTIONS:
        cls = type(getattr(config.Settings(), section))
        lines += ["", "", f"# [{section}]"]
        lines += setting_lines(cls, f"{section}.", docs)
    return "\n".join(lines) + "\n\n" + EXAMPLES

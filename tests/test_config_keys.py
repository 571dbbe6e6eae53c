"""`orch config` and `orch keys`: where things live, the settings in force, stored API keys
(the variable first, never printed), and the validated-settings cache."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib

import pytest

from orchestrator_tui.config import Settings, load_settings
from orchestrator_tui.errors import ConfigError
from orchestrator_tui.registry import Registry, load_packaged_registry

from .conftest import write_config
from .fake_server import Reply
from .test_cli import assert_one_line_error, orch

KEY = "sk-stored-SECRET-abcdef0123456789"
PACKAGED = next(iter(load_packaged_registry()["models"]))  # a model the packaged registry has


@pytest.fixture
def home(isolated_home):
    """A home with no config file (these tests are about the config file): orch runs on the
    packaged registry, so the tests name no model of it (PACKAGED is whichever comes first)."""
    (isolated_home / "config.toml").unlink()
    return isolated_home


def store_key(home, provider="openai", key=KEY, **extra):
    proc = orch("keys", "set", provider, home=home, stdin=key, **extra)
    assert proc.returncode == 0, proc.stderr
    return proc


def assert_no_key(proc, key=KEY):
    text = proc.stdout + proc.stderr
    for part in (key, key[-12:], key[:12]):
        assert part not in text


# config path / init / show / edit --------------------------------------------------------


def test_config_path_names_every_file(home):
    assert orch("config", "path", home=home).stdout.strip() == str(home / "config.toml")
    proc = orch("config", "path", "--all", "--json", home=home)
    data = json.loads(proc.stdout)
    assert data["config"] == {
        "path": str(home / "config.toml"),
        "from": "ORCH_HOME",
        "exists": False,
    }
    assert data["keys"]["path"] == str(home / "keys.json")
    assert data["database"]["path"] == str(home / "orch.db")
    text = orch("config", "path", "--all", home=home).stdout
    assert "ORCH_HOME" in text and "not there yet" in text
    other = home / "other.toml"
    assert orch("--config", str(other), "config", "path", home=home).stdout.strip() == str(other)


def test_config_init_writes_a_commented_starter_that_validates(home):
    proc = orch("config", "init", home=home)
    assert proc.returncode == 0, proc.stderr
    path = home / "config.toml"
    text = path.read_text()
    assert "# threshold = 0.6" in text and "# [timeouts]" in text and "orch keys set" in text
    assert tomllib.loads(text) == {}  # all commented out
    settings_part = text.split("# ---- Examples")[0]
    uncommented = re.sub(r"(?m)^# ([a-z_]+ = .*|\[[a-z_]+\])$", r"\1", settings_part)
    assert uncommented.count("\n# ") < settings_part.count("\n# ") - 20
    path.write_text(uncommented)
    settings = load_settings()[0]
    assert settings == Settings(
        temperature=0.7,
        judge_model=settings.judge_model,
        budget=Settings().budget.__class__(5.0, 50.0),
    )
    assert settings.judge_model in Registry.build(Settings(), environ={}).models
    # the examples validate too, once uncommented
    examples = text.split("# ---- Examples")[1].split("\n", 1)[1]
    path.write_text(re.sub(r'(?m)^# (\[.*\]|[\w".]+ = .*)$', r"\1", examples))
    registry = Registry.build(load_settings()[0], environ={})
    names = [m.name for m in registry.chain("local")]  # every name a known model
    assert names[0] == "llama3.2" and len(names) == 2
    assert names[1] in load_packaged_registry()["models"]


def test_config_init_never_overwrites_unless_forced(home):
    path = home / "config.toml"
    path.write_text("threshold = 0.7  # mine\n")
    proc = orch("config", "init", home=home)
    assert_one_line_error(proc, "exists", "--force")
    assert proc.returncode == 2 and path.read_text() == "threshold = 0.7  # mine\n"
    proc = orch("config", "init", "--force", home=home)
    assert proc.returncode == 0, proc.stderr
    assert (home / "config.toml.bak").read_text() == "threshold = 0.7  # mine\n"
    assert "# threshold = 0.6" in path.read_text()


def test_config_init_at_the_config_flags_path(home, tmp_path):
    target = tmp_path / "sub" / "mine.toml"
    assert orch("--config", str(target), "config", "init", home=home).returncode == 0
    assert target.is_file() and not (home / "config.toml").exists()


def test_config_show_gives_each_settings_source(home):
    proc = orch("config", "show", home=home)
    assert proc.returncode == 0, proc.stderr
    assert "no such file" in proc.stdout
    assert re.search(r"(?m)^threshold = 0\.6 +# default$", proc.stdout)
    path = home / "config.toml"
    path.write_text(
        "threshold = 0.7\n[timeouts]\nconnect = 3\n[models.x]\nprovider = 'openai'"
        f"\nrpm = 5\n[chains]\nmine = ['x', '{PACKAGED}']\n"
    )
    text = orch("config", "show", home=home).stdout
    assert "from ORCH_HOME" in text
    assert re.search(rf"(?m)^threshold = 0\.7 +# {re.escape(str(path))}$", text)
    assert re.search(rf"(?m)^timeouts\.connect = 3\.0 +# {re.escape(str(path))}$", text)
    assert re.search(r"(?m)^timeouts\.total = 300\.0 +# default$", text)
    assert re.search(r"(?m)^models\.x\.rpm = 5 ", text) and "models.x.tier" not in text
    assert re.search(rf'(?m)^chains\.mine = \["x", "{re.escape(PACKAGED)}"\]', text)
    data = json.loads(orch("config", "show", "--json", home=home).stdout)
    assert data["config_file"] == {"path": str(path), "from": "ORCH_HOME", "exists": True}
    assert data["settings"]["threshold"] == {"value": 0.7, "source": str(path)}
    assert data["settings"]["max_tokens"] == {"value": 2048, "source": "default"}
    assert data["settings"]["budget.daily"] == {"value": None, "source": "default"}
    assert data["settings"]["chains.mine"]["value"] == ["x", PACKAGED]
    other = home / "other.toml"
    other.write_text("max_tokens = 10\n")
    text = orch("--config", str(other), "config", "show", home=home).stdout
    assert "from --config" in text and re.search(r"(?m)^max_tokens = 10 ", text)


def test_config_show_of_an_invalid_file_is_one_line(home):
    (home / "config.toml").write_text("[budget]\ndayly = 3\n")
    assert_one_line_error(orch("config", "show", home=home), "budget.dayly", "unknown key")
    assert_one_line_error(
        orch("--config", str(home / "none.toml"), "config", "show", home=home),
        "no such config file",
    )


def editor(tmp_path, text: str) -> str:
    """An EDITOR command that appends `text` to the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text(f"import sys\nopen(sys.argv[1], 'a').write({text!r})\n")
    return f"{sys.executable} {script}"


def test_config_edit_creates_the_starter_then_checks_the_result(home, tmp_path):
    proc = orch(
        "config",
        "edit",
        home=home,
        env_extra={"EDITOR": editor(tmp_path, "threshold = 0.8\n"), "VISUAL": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "starter" in proc.stderr and proc.stdout.strip().endswith("valid")
    text = (home / "config.toml").read_text()
    assert text.startswith("# orch configuration") and text.endswith("threshold = 0.8\n")
    assert load_settings()[0].threshold == 0.8


@pytest.mark.parametrize(
    "added, needles",
    [
        ("threshold = 3\n", ["threshold must be between 0 and 1"]),
        ("[retries]\nmax_retry = 1\n", ["retries.max_retry", "unknown key"]),
        (f"[chains]\nmine = ['{PACKAGED}x']\n", ["chains.mine", f"did you mean {PACKAGED}"]),
        ("threshold = \n", ["invalid TOML"]),
    ],
)
def test_config_edit_reports_a_bad_result_in_one_line(home, tmp_path, added, needles):
    (home / "config.toml").write_text("max_tokens = 100\n")
    proc = orch(
        "config", "edit", home=home, env_extra={"EDITOR": editor(tmp_path, added), "VISUAL": ""}
    )
    assert_one_line_error(proc, str(home / "config.toml"), *needles)


def test_config_edit_with_a_missing_or_failing_editor(home):
    (home / "config.toml").write_text("")
    assert_one_line_error(
        orch("config", "edit", home=home, env_extra={"EDITOR": "no-such-editor-xyz", "VISUAL": ""}),
        "cannot run the editor",
        "EDITOR",
    )
    assert_one_line_error(
        orch("config", "edit", home=home, env_extra={"EDITOR": "false", "VISUAL": ""}), "status 1"
    )


# keys ------------------------------------------------------------------------------------


def test_keys_set_stores_a_file_only_the_user_can_read(home):
    proc = store_key(home)
    assert str(home / "keys.json") in proc.stdout
    assert_no_key(proc)
    path = home / "keys.json"
    assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["openai"] == KEY
    store_key(home, "anthropic", "sk-ant-other-0123456789")
    assert json.loads(path.read_text())["openai"] == KEY
    assert orch("keys", "path", home=home).stdout.strip() == str(path)


def test_keys_remove_forgets_one_key_and_keeps_the_file_private(home):
    store_key(home)
    store_key(home, "anthropic", "sk-ant-other-0123456789")
    proc = orch("keys", "remove", "openai", home=home)
    assert proc.returncode == 0, proc.stderr
    assert "removed the openai key" in proc.stdout
    assert_no_key(proc)
    path = home / "keys.json"
    assert path.stat().st_mode & 0o777 == 0o600
    stored = json.loads(path.read_text())
    assert "openai" not in stored and stored["anthropic"] == "sk-ant-other-0123456789"
    rows = {r["provider"]: r for r in json.loads(orch("keys", "list", "--json", home=home).stdout)}
    assert rows["openai"]["source"] == "none" and rows["anthropic"]["source"] == "keys file"


def test_keys_remove_of_a_key_not_stored_is_one_line(home):
    store_key(home, "anthropic", "sk-ant-other-0123456789")
    proc = orch("keys", "remove", "openai", home=home)
    assert_one_line_error(proc, "no stored key for 'openai'", "stored: anthropic")
    assert_no_key(proc, "sk-ant-other-0123456789")
    assert json.loads((home / "keys.json").read_text())["anthropic"]


def test_keys_remove_says_the_variable_is_still_used(home):
    store_key(home)
    proc = orch("keys", "remove", "openai", home=home, env_extra={"OPENAI_API_KEY": "sk-env-x"})
    assert proc.returncode == 0, proc.stderr
    assert "OPENAI_API_KEY is set here and is still used" in proc.stderr
    assert_no_key(proc, "sk-env-x")


def test_keys_file_is_created_0600_whatever_the_umask(home):
    from orchestrator_tui.keys import save_key

    old = os.umask(0)
    try:
        path = save_key("openai", KEY)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600


def test_keys_list_shows_sources_never_keys(home):
    rows = {r["provider"]: r for r in json.loads(orch("keys", "list", "--json", home=home).stdout)}
    assert rows["openai"]["source"] == rows["anthropic"]["source"] == "none"
    store_key(home)
    proc = orch("keys", "list", home=home)
    assert re.search(r"(?m)^openai +OPENAI_API_KEY +keys file$", proc.stdout)
    assert re.search(r"(?m)^anthropic +ANTHROPIC_API_KEY +none$", proc.stdout)
    assert_no_key(proc)
    env_key = "sk-env-SECRET-9876543210"
    proc = orch(
        "keys",
        "list",
        "--json",
        home=home,
        env_extra={"OPENAI_API_KEY": env_key, "ANTHROPIC_AUTH_TOKEN": "tok-SECRET-42424242"},
    )
    rows = {r["provider"]: r for r in json.loads(proc.stdout)}
    assert rows["openai"] == {
        "provider": "openai",
        "variable": "OPENAI_API_KEY",
        "source": "env OPENAI_API_KEY",
        "stored": True,
    }
    assert rows["anthropic"]["source"] == "env ANTHROPIC_AUTH_TOKEN"
    assert_no_key(proc)
    assert_no_key(proc, env_key)
    for args in (
        ["config", "show"],
        ["config", "show", "--json"],
        ["config", "path", "--all"],
        ["models", "--json"],
    ):
        assert_no_key(orch(*args, home=home, env_extra={"OPENAI_API_KEY": env_key}))
        assert_no_key(orch(*args, home=home, env_extra={"OPENAI_API_KEY": env_key}), env_key)


def test_keys_list_warns_about_a_file_others_can_read(home):
    store_key(home)
    (home / "keys.json").chmod(0o644)
    proc = orch("keys", "list", home=home)
    assert "can be read by others" in proc.stderr
    store_key(home)  # rewriting it makes it private again
    assert (home / "keys.json").stat().st_mode & 0o777 == 0o600


def test_keys_of_a_configured_provider(home):
    (home / "config.toml").write_text(
        "[providers.groq]\nkind = 'openai'\nbase_url = 'http://x/v1'\napi_key_env = 'GROQ_SECRET'"
        "\n[providers.local]\nbase_url = 'http://localhost:1/v1'\n"
    )
    store_key(home, "groq")
    rows = {r["provider"]: r for r in json.loads(orch("keys", "list", "--json", home=home).stdout)}
    assert rows["groq"]["source"] == "keys file" and rows["groq"]["variable"] == "GROQ_SECRET"
    assert rows["local"]["source"] == "not needed"
    assert_one_line_error(orch("keys", "set", "local", home=home, stdin="k"), "needs no key")


@pytest.mark.parametrize(
    "args, stdin, needles",
    [
        (["keys", "set", "opnai"], KEY, ["unknown provider", "openai"]),
        (["keys", "set", "openai"], "", ["no key given"]),
        (["keys", "set", "openai"], "  \n", ["no key given"]),
        (["keys", "set", "openai"], KEY + "\n" + KEY, ["line breaks"]),
        (["keys", "set"], KEY, []),
    ],
)
def test_bad_keys_input_is_one_line_and_never_echoes_the_key(home, args, stdin, needles):
    proc = orch(*args, home=home, stdin=stdin)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    if needles:
        assert_one_line_error(proc, *needles)
    assert_no_key(proc)
    assert not (home / "keys.json").exists()


def test_a_damaged_keys_file_is_one_line_without_its_contents(home):
    (home / "keys.json").write_text('{"openai": "' + KEY + '"')
    for args in (["keys", "list"], ["ask", "hi"], ["models"]):
        proc = orch(*args, home=home)
        assert_one_line_error(proc, "keys.json")
        assert_no_key(proc)


def test_the_registry_uses_a_stored_key_when_the_variable_is_absent(home, monkeypatch):
    from orchestrator_tui.keys import save_key

    assert not Registry.build(Settings()).any_credentials()
    save_key("openai", KEY)
    registry = Registry.build(Settings())
    assert registry.has_credentials("openai") and not registry.has_credentials("anthropic")
    assert registry.environ["OPENAI_API_KEY"] == KEY
    monkeypatch.setenv("OPENAI_API_KEY", "from-the-env")
    assert Registry.build(Settings()).environ["OPENAI_API_KEY"] == "from-the-env"
    save_key("anthropic", KEY)
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "token")
    assert "ANTHROPIC_API_KEY" not in Registry.build(Settings()).environ
    assert Registry.build(Settings(), environ={}).environ == {}  # explicit: nothing added


def test_ask_uses_the_stored_key_and_no_demo(home, fake_api):
    write_config(home)  # the tests' registry
    store_key(home)
    env = {"OPENAI_BASE_URL": fake_api.url + "/v1"}
    proc = orch(
        "ask", "--json", "-m", "test-small-o", "Capital of France?", home=home, env_extra=env
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["provider"] == "openai" and "demo" not in proc.stderr
    assert fake_api.requests[0]["headers"]["authorization"] == f"Bearer {KEY}"
    proc = orch("ask", "--json", "What is 2+2?", home=home, env_extra=env)
    assert json.loads(proc.stdout)["provider"] != "demo"


def test_a_rejected_stored_key_is_never_shown(home, fake_api):
    write_config(home)  # the tests' registry
    store_key(home)
    fake_api.script(Reply(status=401, error_type="authentication_error", text=f"bad key {KEY}"))
    proc = orch(
        "-v",
        "ask",
        "-m",
        "test-small-o",
        "hi",
        "--json",
        home=home,
        env_extra={"OPENAI_BASE_URL": fake_api.url + "/v1"},
    )
    assert proc.returncode != 0
    assert_no_key(proc)


# --help, completion ----------------------------------------------------------------------


def test_help_names_orch_home_the_key_variables_and_completion(home):
    from orchestrator_tui.providers.kinds import builtin_providers

    text = orch("--help", home=home).stdout
    for needle in (
        "ORCH_HOME",
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "orch keys set",
        "--install-completion",
        "config",
        "keys",
    ):
        assert needle in text
    for provider in builtin_providers().values():
        assert provider.api_key_env in text and provider.base_url_env in text
    completion = orch("--show-completion", "bash", home=home)
    assert completion.returncode == 0 and "_ORCH_COMPLETE" in completion.stdout


# the validated-settings cache ------------------------------------------------------------

PYDANTIC_LOADED = (
    "import sys; from orchestrator_tui.config import load_settings; "
    "s = load_settings()[0]; print(s.threshold, 'pydantic' in sys.modules)"
)


def load_in_process(home):
    proc = subprocess.run(
        [sys.executable, "-c", PYDANTIC_LOADED],
        capture_output=True,
        text=True,
        env={**os.environ, "ORCH_HOME": str(home)},
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


def test_a_file_that_validated_is_not_validated_again_until_it_changes(home):
    path = home / "config.toml"
    path.write_text(
        "threshold = 0.7\n[[models.x.price_tiers]]\nabove_input_tokens = 9\n"
        "[models.x]\nprovider = 'openai'\n"
    )
    assert load_in_process(home) == ["0.7", "True"]  # validated, then remembered
    assert load_in_process(home) == ["0.7", "False"]
    from orchestrator_tui.config import parse_settings

    assert parse_settings(path) == parse_settings(path, use_cache=False)
    stat = path.stat()
    path.write_text(
        "threshold = 0.9\n[[models.x.price_tiers]]\nabove_input_tokens = 9\n"
        "[models.x]\nprovider = 'openai'\n"
    )
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same size and mtime
    assert load_in_process(home) == ["0.9", "True"]
    path.write_text("threshold = 9\n")
    with pytest.raises(ConfigError, match="threshold must be between 0 and 1"):
        load_settings()
    with pytest.raises(ConfigError):  # an invalid file is never remembered
        load_settings()


def test_a_damaged_cache_is_ignored(home):
    (home / "config.toml").write_text("threshold = 0.7\n")
    load_settings()
    cache = home / "settings-cache.json"
    entries = json.loads(cache.read_text())
    for entry in entries.values():
        entry["settings"]["bogus"] = 1
    cache.write_text(json.dumps(entries))
    assert load_settings()[0].threshold == 0.7
    cache.write_text("{not json")
    assert load_settings()[0].threshold == 0.7
    assert json.loads(cache.read_text())  # rewritten

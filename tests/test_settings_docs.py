"""Each setting is declared once (bot/settings.py, embeddings/config.py): `.env.example` and the
README's table are written from the declarations, and fail here when either drifts."""

from __future__ import annotations

import pytest

from bot.settings import BotEnv, BotSettings, SettingsError, env_example, readme_table
from embeddings.config import PROJECT_ROOT

REGENERATE = "regenerate it: .venv/bin/python -m bot.settings > .env.example"


def test_env_example_is_written_from_the_declarations():
    assert (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8") == env_example(), REGENERATE


def test_the_readmes_configuration_table_is_written_from_the_declarations():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "paste bot.settings.readme_table() into the README's Configuration section"


def test_every_setting_says_what_it_means_and_example_values_are_valid():
    values = {}
    for name, field in BotEnv.model_fields.items():
        assert (field.json_schema_extra or {}).get("help"), f"{name} has no help text"
    for line in env_example().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    assert set(values) == set(BotEnv.model_fields)
    BotSettings.from_env(values)  # the file as shipped is a valid configuration


def test_a_bad_value_names_the_setting_and_what_it_may_be():
    with pytest.raises(SettingsError, match=r"TOP_K must be a whole number from 1 to 10, not 'abc'"):
        BotSettings.from_env({"TOP_K": "abc"})
    with pytest.raises(SettingsError, match=r"LOG_FORMAT must be text or json"):
        BotSettings.from_env({"LOG_FORMAT": "xml"})

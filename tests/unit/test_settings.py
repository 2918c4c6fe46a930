"""Settings: every key documented, bad files rejected with the key named, the shipped file valid."""
from pathlib import Path

import pytest

from tutor import SettingsError, describe, load_settings

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_has_help_text():
    rows = describe()
    assert len(rows) > 20
    assert [key for key, _, help_text in rows if len(help_text) < 10] == []


def test_every_setting_is_in_the_documentation():
    docs = (ROOT / "docs" / "configuration.md").read_text()
    assert [key for key, _, _ in describe() if f"`{key}`" not in docs] == []


def test_shipped_settings_file_is_valid():
    settings = load_settings(ROOT / "tutor.yml")
    assert settings.retrieval.answer.mode in ("extractive", "generative", "guarded")


@pytest.mark.parametrize(
    "text, key",
    [
        ("retrieval:\n  answer:\n    min_relevance: 7\n", "retrieval.answer.min_relevance"),
        ("retrieval:\n  search:\n    min_relevance: 0.4\n", "set retrieval.answer.min_relevance"),
        ("retrieval:\n  answer:\n    mode: psychic\n", "retrieval.answer.mode"),
        ("servers:\n  rasa_prot: 5005\n", "servers.rasa_prot"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_bad_settings_name_the_key(tmp_path: Path, text, key):
    path = tmp_path / "tutor.yml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=key.replace(".", r"\.")):
        load_settings(path)


def test_relative_paths_resolve_against_the_file(tmp_path: Path):
    path = tmp_path / "tutor.yml"
    path.write_text("paths:\n  index_dir: idx\n")
    settings = load_settings(path)
    assert settings.path(settings.paths.index_dir) == (tmp_path / "idx").resolve()


def test_the_environment_overrides_the_file_and_is_named_in_errors(tmp_path: Path):
    path = tmp_path / "tutor.yml"
    path.write_text("servers:\n  rasa_port: 5005\nretrieval:\n  answer:\n    mode: guarded\n")
    settings = load_settings(path, environ={"TUTOR_SERVERS__RASA_PORT": "6000", "TUTOR_CONSOLE__HTTPS_ONLY": "true",
                                            "TUTOR_CONSOLE_SECRET": "not a setting"})
    assert settings.servers.rasa_port == 6000 and settings.console.https_only is True
    assert settings.source_of("servers.rasa_port") == "environment TUTOR_SERVERS__RASA_PORT"
    assert settings.source_of("retrieval.answer.mode") == f"file {path}" and settings.source_of("servers.workers") == "default"
    with pytest.raises(SettingsError, match="servers.rasa_port.*from TUTOR_SERVERS__RASA_PORT"):
        load_settings(path, environ={"TUTOR_SERVERS__RASA_PORT": "not a port"})

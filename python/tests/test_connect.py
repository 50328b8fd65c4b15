"""Opening lakes: the same config lookup as the command line, and config errors."""

import os

import pytest

import jaanch
from conftest import write_lake


def test_connect_to_a_file_and_to_its_folder(lake_path):
    by_file = jaanch.connect(lake_path)
    by_str = jaanch.connect(str(lake_path))
    by_folder = jaanch.connect(lake_path.parent)
    for lake in (by_file, by_str, by_folder):
        assert isinstance(lake, jaanch.Lake)
        assert lake.name == "test-lake"
        assert lake.read_only
    assert repr(by_file) == "<jaanch.Lake \"test-lake\": 3 tables, read-only>"


def test_connect_finds_lake_toml_in_the_working_directory(lake_path, monkeypatch):
    monkeypatch.delenv("JAANCH_LAKE", raising=False)
    monkeypatch.chdir(lake_path.parent)
    assert jaanch.connect().name == "test-lake"


def test_connect_uses_jaanch_lake_when_there_is_no_local_file(lake_path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JAANCH_LAKE", str(lake_path))
    assert jaanch.connect().name == "test-lake"


def test_local_file_wins_over_jaanch_lake(tmp_path, lake_path, monkeypatch):
    local = write_lake(tmp_path / "local")
    local.write_text(local.read_text().replace("test-lake", "local-lake"))
    monkeypatch.chdir(local.parent)
    monkeypatch.setenv("JAANCH_LAKE", str(lake_path))
    assert jaanch.connect().name == "local-lake"


def test_connect_without_any_config_opens_the_demo_lake(tmp_path, monkeypatch):
    # The demo lake is generated into the user's data directory on first use.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JAANCH_LAKE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    lake = jaanch.connect()
    assert lake.name == "rajasthan-demo"
    assert (tmp_path / "data" / "jaanch").is_dir()
    assert lake.sql("SELECT count(*) AS n FROM cctns.fir").to_arrow()["n"][0].as_py() > 0


def test_missing_jaanch_lake_file_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JAANCH_LAKE", str(tmp_path / "nowhere.toml"))
    with pytest.raises(jaanch.ConfigError, match=r"JAANCH_LAKE=.*nowhere.toml: file not found"):
        jaanch.connect()


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(jaanch.ConfigError) as error:
        jaanch.connect(tmp_path / "missing.toml")
    message = str(error.value)
    assert "missing.toml" in message
    assert "\n" not in message


def test_bad_config_names_file_line_and_key(tmp_path):
    toml = tmp_path / "lake.toml"
    toml.write_text('name = "x"\nfavourite_colour = "blue"\n')
    with pytest.raises(jaanch.ConfigError) as error:
        jaanch.connect(toml)
    message = str(error.value)
    assert message.startswith(f"{toml}:2:1: ")
    assert "favourite_colour" in message
    assert "\n" not in message
    assert isinstance(error.value, jaanch.Error)


def test_undefined_environment_variable_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.delenv("JAANCH_TEST_UNSET", raising=False)
    toml = tmp_path / "lake.toml"
    toml.write_text(
        '[store.lake]\nurl = "s3://bucket"\naccess_key_id = "${JAANCH_TEST_UNSET}"\n'
    )
    with pytest.raises(jaanch.ConfigError, match="JAANCH_TEST_UNSET"):
        jaanch.connect(toml)


def test_exception_hierarchy():
    for cls in (jaanch.ConfigError, jaanch.QueryError, jaanch.ParameterError):
        assert issubclass(cls, jaanch.Error)
        assert cls.__module__ == "jaanch"
    assert issubclass(jaanch.Error, Exception)


def test_lakes_are_independent(lake_path):
    a = jaanch.connect(lake_path)
    b = jaanch.connect(lake_path)
    a.register("only_in_a", {"x": [1]})
    assert [t.name for t in a.tables() if t.name == "only_in_a"] == ["only_in_a"]
    assert [t.name for t in b.tables() if t.name == "only_in_a"] == []


def test_package_is_typed():
    package = os.path.dirname(jaanch.__file__)
    assert os.path.exists(os.path.join(package, "py.typed"))
    assert os.path.exists(os.path.join(package, "_internal.pyi"))
    assert jaanch.__version__

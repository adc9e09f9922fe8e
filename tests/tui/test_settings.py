"""The theme and the prediction picture are remembered between launches, in a small
settings file under XDG_CONFIG_HOME (a temporary directory in every test: conftest)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from textual.widgets import Static

from tests.tui.helpers import wait_for
from tui.app import create_app
from tui.settings import Settings, load_settings, save_settings, settings_path
from tui.widgets.run.pair import ScatterPair


def test_the_path_follows_xdg_and_never_the_real_home(tmp_path, monkeypatch):
    assert settings_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "bp-tui" / "settings.json"
    assert not str(settings_path()).startswith(str(Path.home() / ".config"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # not absolute: the spec says ignore
    monkeypatch.setenv("HOME", str(tmp_path))
    assert settings_path() == tmp_path / ".config" / "bp-tui" / "settings.json"


def test_round_trip_and_unknown_keys(tmp_path):
    path = tmp_path / "s" / "settings.json"
    assert save_settings(Settings(theme="textual-light", picture="continuous"), path) is None
    assert json.loads(path.read_text()) == {"theme": "textual-light", "picture": "continuous"}
    assert load_settings(path) == (Settings("textual-light", "continuous"), None)
    path.write_text('{"theme": 3, "picture": "scatter", "future": [1]}')
    assert load_settings(path) == (Settings(None, "scatter"), None)  # a bad value alone


@pytest.mark.parametrize(("content", "why"), [
    ("{not json", "settings.json"),
    ("[1, 2]", "is not a JSON object"),
    ('{"theme": NaN}', "NaN"),
    ("x" * 70_000, "over the limit"),
])
def test_a_damaged_file_is_ignored_with_a_note(tmp_path, content, why):
    path = tmp_path / "settings.json"
    path.write_text(content)
    settings, note = load_settings(path)
    assert settings == Settings()
    assert note is not None
    assert note.startswith("settings ignored: ")
    assert why in note
    assert "\n" not in note


def test_a_directory_in_the_way_is_a_note_not_an_error(tmp_path):
    path = tmp_path / "settings.json"
    path.mkdir()
    assert load_settings(path)[1] is not None
    note = save_settings(Settings(theme="nord"), path)
    assert note is not None
    assert note.startswith("settings not saved: ")


@pytest.mark.long
async def test_theme_and_picture_survive_a_relaunch():
    app = create_app(record=False, warm=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not settings_path().exists()  # nothing written until something changes
        app.theme = "textual-light"
        await pilot.press("b")  # boundary → continuous ŷ
        await wait_for(pilot, lambda: settings_path().exists()
                       and "textual-light" in settings_path().read_text())
    assert json.loads(settings_path().read_text()) == {"theme": "textual-light",
                                                        "picture": "continuous"}
    again = create_app(record=False, warm=False)
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert again.theme == "textual-light"
        assert again.screen.query_one("#scatter", ScatterPair).picture == "continuous"


async def test_an_older_versions_field_picture_opens_as_the_boundary():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text('{"picture": "field"}')  # an older bp-tui's name for the boundary
    app = create_app(record=False, warm=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("#scatter", ScatterPair).picture == "boundary"


async def test_a_damaged_settings_file_starts_with_defaults_and_a_note():
    settings_path().parent.mkdir(parents=True)
    settings_path().write_text('{"theme": "textual-light",')  # torn
    app = create_app(record=False, warm=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme != "textual-light"
        assert app.screen.query_one("#scatter", ScatterPair).picture == "boundary"
        notes = [n.message for n in app._notifications]
        assert any(n.startswith("settings ignored: ") and "settings.json" in n for n in notes)
        assert app.screen.query(Static)  # the dashboard is up

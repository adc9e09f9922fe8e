"""The dashboard's remembered preferences: the theme and the prediction panel's picture.

One small JSON file, ``$XDG_CONFIG_HOME/bp-tui/settings.json`` (``~/.config/bp-tui/…``
when XDG_CONFIG_HOME is unset or not an absolute path, as the XDG spec says)::

    {"theme": "textual-light", "picture": "continuous"}

It is read once when the app starts and written whole (temporary file, then a rename)
whenever one of the two changes. A missing file means the defaults; a damaged one (not
JSON, wrong types, too large, not a regular file) is ignored with a one-line note and
replaced at the next change; an unknown value is ignored on its own. No Textual here.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from core.files import parse_json, printable, read_bounded
from core.records.atomic import atomic_open

__all__ = ["MAX_BYTES", "Settings", "load_settings", "save_settings", "settings_path"]

MAX_BYTES = 64 * 1024
"""A settings file larger than this is damaged (a real one is under 100 bytes)."""


@dataclass(frozen=True)
class Settings:
    """What is remembered; None means "the default"."""

    theme: str | None = None
    picture: str | None = None

    def with_changes(self, **changes: Any) -> Settings:
        """A copy with some preferences replaced."""
        return replace(self, **changes)


def settings_path() -> Path:
    """``$XDG_CONFIG_HOME/bp-tui/settings.json``, else ``~/.config/bp-tui/settings.json``."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "bp-tui" / "settings.json"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def load_settings(path: Path | None = None) -> tuple[Settings, str | None]:
    """(the remembered settings, a one-line note if the file was damaged and ignored)."""
    path = settings_path() if path is None else path
    if not os.path.lexists(path):
        return Settings(), None
    shown = printable(str(path), 120)
    try:
        obj = parse_json(read_bounded(path, MAX_BYTES, follow=True))  # dotfile links too
    except ValueError as exc:  # FileRefused too: a FIFO, a directory, too large…
        return Settings(), f"settings ignored: {shown} {exc}"
    except OSError as exc:
        return Settings(), f"settings ignored: {shown} cannot be read ({exc.strerror})"
    if not isinstance(obj, dict):
        return Settings(), f"settings ignored: {shown} is not a JSON object"
    return Settings(theme=_text(obj.get("theme")), picture=_text(obj.get("picture"))), None


def save_settings(settings: Settings, path: Path | None = None) -> str | None:
    """Write ``settings`` (None on success, else a one-line reason; nothing raised)."""
    path = settings_path() if path is None else path
    body = {k: v for k, v in asdict(settings).items() if v is not None}
    try:
        if path.is_symlink():  # a dotfile manager's link: write where it points
            path = path.resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path) as fh:
            fh.write(json.dumps(body, indent=1) + "\n")
    except OSError as exc:
        return f"settings not saved: {printable(str(path), 120)}: {exc.strerror or exc}"
    return None

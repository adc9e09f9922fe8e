"""Theme colours, taken one way: a theme variable (``$error``, ``$primary``,
``$background`` …) of the app's current theme, parsed, with a named fallback for a theme
that lacks it or gives an odd value. Styles in ``.tcss`` use the same variables."""

from __future__ import annotations

from textual.app import App
from textual.color import Color

__all__ = ["theme_color", "theme_rgb"]


def theme_color(app: App, name: str, fallback: str) -> Color:
    """The current theme's ``name`` variable as a Color (``fallback`` if missing/odd)."""
    value = app.theme_variables.get(name) or fallback
    try:
        return Color.parse(value)
    except Exception:  # a theme with an odd value (Textual raises its own ColorParseError)
        return Color.parse(fallback)


def theme_rgb(app: App, name: str, fallback: str) -> tuple[int, int, int]:
    """``theme_color`` as an (r, g, b) triple (for plotext and rich styles)."""
    return theme_color(app, name, fallback).rgb

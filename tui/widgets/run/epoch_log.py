"""The epoch log: Textual's ``Log`` that keeps following the tail unless scrolled up.

``Log`` decides whether to follow from the current scroll position, which a batch of
lines or a terminal resize can leave short of the end, so it could stop following for
good. This one keeps a ``following`` flag instead: it is cleared only when the view moves
up away from the end (the user scrolled), set again when the view reaches the end, and
while it is set every write and every resize ends at the last line.

Growing by a few lines does not lay the whole screen out again: Textual's
``virtual_size`` asks for a layout of every widget on each change (about 0.1 s of the UI
thread at 120×40, twice a second while a run logs — most of the dashboard's cost to the
trainer). Here a change that cannot show or hide a scrollbar only refreshes this widget
and its scrollbar.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.events import Resize
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import Log

__all__ = ["EpochLog"]


class EpochLog(Log):
    """A log of report lines that follows the tail unless the user scrolled up."""

    virtual_size = Reactive(Size(0, 0), layout=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.following = True
        self._scrolling_to_end = False

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> EpochLog:
        super().write_lines(lines, scroll_end=False)
        if scroll_end if scroll_end is not None else (self.auto_scroll and self.following):
            self._follow()
        return self

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        """Lay out again only when a scrollbar may come or go (or before the first
        layout); else refresh the scrollbar's thumb."""
        box = self.scrollable_content_region
        scrolls = self.show_vertical_scrollbar
        if not scrolls or old.width != new.width or box.height <= 0 \
                or min(old.height, new.height) <= box.height + 1:
            self.refresh(layout=True)
            if self.following:  # the end moves once that layout is done: follow it there
                self.set_timer(0.05, self._follow_if_following)
            return
        bar = self.vertical_scrollbar
        bar.window_virtual_size = new.height
        bar.refresh()
        self.refresh()

    def clear(self) -> EpochLog:
        super().clear()
        self.following = True
        return self

    def _follow(self) -> None:
        """Scroll to the last line once the new size is laid out."""
        self._scrolling_to_end = True
        self.call_after_refresh(self._to_end)

    def _follow_if_following(self) -> None:
        if self.following:
            self._follow()

    def _to_end(self) -> None:
        self.scroll_end(animate=False, x_axis=False, immediate=True)
        self._scrolling_to_end = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y:
            self.following = True
        elif new_value < old_value and not self._scrolling_to_end:
            self.following = False  # the user moved up: stop following

    def on_resize(self, _event: Resize) -> None:
        if self.following:
            self._follow()

"""The runs screen's actions on runs: open, overlay, diff, export, figures, rename,
delete, sweep.

A mixin of ``RunsScreen`` (kept apart so each module reads in one sitting); it uses the
screen's ``root``, ``index``, ``marked``, ``current_name()``, ``chosen()`` and ``redraw()``.
"""

from __future__ import annotations

import os

from core.figures import FiguresUnavailable, SourceError, write_figures
from core.files import printable
from core.records.index import RunsError, delete_run, rename_run
from core.run.links import LinkError, open_link
from tui.live.controller import RunController
from tui.screens.dashboard import DashboardScreen
from tui.screens.dialogs import ChoiceScreen, ConfirmScreen, DiffScreen, ExportScreen, RenameScreen
from tui.screens.figures_dialog import FiguresScreen
from tui.screens.overlay import OKABE_ITO, OverlayScreen
from tui.screens.sweep import SweepScreen

__all__ = ["RunsActions"]


class RunsActions:
    """Open, overlay, diff, export, figures, rename, delete, sweep — each on the chosen
    runs."""

    def action_open(self) -> None:
        """Open the run under the cursor on a dashboard of its own: attached with full
        control while its process serves it, else read-only from its files."""
        name = self.current_name()
        row = self.index.get(name) if name else None
        if row is None:
            return
        if row.damaged:
            self.notify(f"{printable(name, 80)} is damaged: {row.damaged}",
                        severity="warning", markup=False)
            return
        try:
            link = open_link(row.path)
        except (LinkError, OSError, ValueError) as exc:
            self.notify(f"Cannot open {name}: {exc}", severity="error", markup=False)
            return
        controller = RunController(link.config, self.root)
        controller.attach(link)
        mode = f"read-only: {link.reason}" if link.read_only else "attached"
        self.app.push_screen(DashboardScreen(controller, title=f"{name} · {mode}",
                                             closes_link=True))

    def action_overlay(self) -> None:
        """Overlay the marked runs' curves (or the one under the cursor)."""
        names = self.chosen()
        if not names:
            self.notify("Mark runs with space first.")
            return
        if len(names) <= len(OKABE_ITO):
            self.app.push_screen(OverlayScreen([self.root / n for n in names]))
            return
        fit = len(OKABE_ITO)

        def answer(choice: str | None) -> None:
            if choice is not None:
                chosen = names[:fit] if choice == "first" else names
                self.app.push_screen(OverlayScreen([self.root / n for n in chosen]))

        self.app.push_screen(ChoiceScreen(
            f"Overlay {len(names)} runs? A chart tells {fit} apart (colour and marker); "
            f"beyond that they repeat, and reading {len(names)} runs takes a while.",
            [("first", f"The first {fit}", "f"), ("all", f"All {len(names)}", "a"),
             ("cancel", "Cancel", "c")], default="first"),
            lambda choice: answer(None if choice == "cancel" else choice))

    def action_diff(self) -> None:
        """Show which settings differ between the two marked runs."""
        names = self.chosen()
        if len(names) != 2:
            self.notify("Mark exactly two runs (space) to compare their settings.")
            return
        a, b = (self.index.get(n) for n in names)
        self.app.push_screen(DiffScreen(a.name, a.config, b.name, b.config))

    def action_export(self) -> None:
        """Export the marked runs (metrics CSV, table CSV and Markdown)."""
        names = self.chosen()
        if not names:
            self.notify("Nothing to export: mark runs with space.")
            return
        rows = [self.index.get(n) for n in names]
        self.app.push_screen(ExportScreen(rows, runs_root=self.root))

    def action_figures(self) -> None:
        """Figures of the marked runs (or the one under the cursor) as SVG / PNG: a
        dialog asks for the folder, a thread worker draws them."""
        names = self.chosen()
        rows = [r for r in (self.index.get(n) for n in names) if r is not None]
        if not rows:
            self.notify("Nothing to draw: mark runs with space.")
            return
        damaged = [r for r in rows if r.damaged]
        if damaged:
            self.notify(f"{printable(damaged[0].name, 80)} is damaged: {damaged[0].damaged}",
                        severity="warning", markup=False)
            return

        def start(request) -> None:
            if request is not None:
                self.notify(f"Drawing the figures into {printable(request.folder, 120)}…",
                            markup=False)
                self.run_worker(lambda: self._draw_figures(request), thread=True,
                                exclusive=True, group="figures")

        self.app.push_screen(FiguresScreen(rows, runs_root=self.root), start)

    def _draw_figures(self, request) -> None:
        """Draw and write the figures (a thread worker), then say how it went."""
        try:
            written = write_figures(request.runs, request.folder, request.formats)
        except (FiguresUnavailable, SourceError, OSError, ValueError) as exc:
            text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            self.app.call_from_thread(self.notify, printable(text, 300),
                                      title="No figures", severity="error", markup=False)
            return
        self.app.call_from_thread(
            self.notify, f"Wrote {len(written)} files into {printable(request.folder, 120)}",
            title="Figures", markup=False)

    def action_rename(self) -> None:
        """Rename the run under the cursor (refused while it runs)."""
        name = self.current_name()
        if name is None:
            return

        def done(new: str | None) -> None:
            if not new:
                return
            try:
                rename_run(self.root, name, new)
            except (RunsError, OSError) as exc:
                self.notify(printable(exc), title="Cannot rename", severity="error",
                            markup=False)
                return
            self.marked = [new if n == name else n for n in self.marked]
            self.index.refresh()
            self.redraw()

        def taken(new: str) -> bool:
            return os.path.lexists(self.root / new)

        self.app.push_screen(RenameScreen(name, taken=taken), done)

    def action_delete(self) -> None:
        """Delete the run under the cursor, after confirmation."""
        name = self.current_name()
        if name is None:
            return

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                delete_run(self.root, name)
            except (RunsError, OSError) as exc:
                self.notify(printable(exc), title="Cannot delete", severity="error",
                            markup=False)
                return
            if name in self.marked:
                self.marked.remove(name)
            self.index.refresh()
            self.redraw()

        self.app.push_screen(
            ConfirmScreen(f"Delete run {printable(name, 80)} and all its files? This cannot "
                          "be undone.",
                          yes="Delete", no="Keep", enter_means_yes=False),
            answer,
        )

    def action_sweep(self) -> None:
        """Open the sweep screen."""
        self.app.push_screen(SweepScreen(self.root))


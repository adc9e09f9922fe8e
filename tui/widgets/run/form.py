"""The hyperparameters panel: one compact row per setting, validated as it is typed.

An invalid value is marked in place with its whole reason under its field (wrapped);
an lr likely to diverge gets a warning there but is allowed. The screen asks
``read_config()`` for a validated ``RunConfig`` (or the first reason it is refused) and
``bad_fields()`` for every reason. The "Report" chooser on top loads one of the report's
runs (``core.reproduce.presets``) and says in one line what the report did; under Data,
one line says what the chosen data set is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from core.config import ACCURACIES, ConfigError, RunConfig, parse_field
from core.datasets import ABOUT, DATASETS
from core.files import printable
from core.nn.activations import ACTIVATIONS
from core.nn.losses import LOSSES
from core.nn.network import INITS
from core.nn.optimizers import OPTIMIZERS
from core.reproduce.presets import REPORT_PRESETS, report_config
from tui.widgets.fields import FieldInput

__all__ = ["FIELDS", "LR_WARN", "FieldSpec", "HyperForm"]

LR_WARN = 10.0
"""A learning rate above this likely diverges with the report's sigmoid network: the
form warns (and allows it)."""
MAX_REASON = 240
"""A reason longer than this (it quotes a long value) is cut with "…"."""
OWN = "own"
"""The Report chooser's value when the form holds settings of your own."""


@dataclass(frozen=True)
class FieldSpec:
    """One form row: the config field, its label, and its choices (None: free text)."""

    name: str
    label: str
    choices: tuple[str, ...] | None = None
    placeholder: str = ""


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("data", "Data", DATASETS),
    FieldSpec("n", "Points n", placeholder="default"),
    FieldSpec("noise", "Noise"),
    FieldSpec("seed", "Seed"),
    FieldSpec("data_seed", "Data seed", placeholder="= seed"),
    FieldSpec("hidden", "Hidden", placeholder="e.g. 64,64"),
    FieldSpec("activation", "Activation", tuple(ACTIVATIONS)),
    FieldSpec("init", "Init", INITS),
    FieldSpec("loss", "Loss", tuple(LOSSES)),
    FieldSpec("optimizer", "Optimizer", OPTIMIZERS),
    FieldSpec("lr", "Learn rate"),
    FieldSpec("epochs", "Epochs"),
    FieldSpec("log_every", "Log every"),
    FieldSpec("batch_size", "Batch size"),
    FieldSpec("accuracy", "Log acc.", ACCURACIES),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)


def _as_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "hidden":
        return ",".join(str(h) for h in value)
    return str(value)


class HyperForm(VerticalScroll, can_focus=False):
    """The settings of the next run. Attributes down: ``set_value``; messages up."""

    class Changed(Message):
        """A field's text changed (``valid`` tells whether it parses)."""

        def __init__(self, form: HyperForm, field: str, valid: bool) -> None:
            super().__init__()
            self.form = form
            self.field = field
            self.valid = valid

    class Submitted(Message):
        """Enter was pressed in a field (or a choice was picked)."""

        def __init__(self, form: HyperForm, field: str) -> None:
            super().__init__()
            self.form = form
            self.field = field

    def __init__(self, config: RunConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base = config
        self.errors: dict[str, str] = {}
        self._set: dict[str, str] = {}
        """Fields given a value by ``set_value`` whose change event has not come yet:
        those changes are the program's, not the user's edits."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="form-row", id="row-report"):
            yield Label("Report", classes="form-label")
            yield Select([("your own", OWN), *((n, n) for n in REPORT_PRESETS)],
                         value=OWN, allow_blank=False, compact=True, id="f-report",
                         classes="report-field")
        yield Static("", classes="form-about", id="report-about", markup=False)
        for spec in FIELDS:
            value = _as_text(spec.name, getattr(self.base, spec.name))
            with Horizontal(classes="form-row", id=f"row-{spec.name}"):
                yield Label(spec.label, classes="form-label")
                if spec.choices is not None:
                    yield Select(
                        [(c, c) for c in spec.choices], value=value, allow_blank=False,
                        compact=True, id=f"f-{spec.name}", classes="form-field",
                    )
                else:
                    yield FieldInput(
                        value, placeholder=spec.placeholder, compact=True,
                        id=f"f-{spec.name}", classes="form-field", select_on_focus=False,
                    )
            if spec.name == "data":
                yield Static(ABOUT.get(value, ""), classes="form-about", id="data-about",
                             markup=False)
            yield Static("", classes="form-error", id=f"err-{spec.name}", markup=False)

    # ------------------------------------------------------------ reading
    def text(self, field: str) -> str:
        """The current text (or choice) of ``field``."""
        widget = self.query_one(f"#f-{field}")
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        return widget.value

    def read_config(self) -> RunConfig:
        """The validated config of the form; ConfigError naming the first bad field."""
        for name in FIELD_NAMES:
            self._check(name)
        if self.errors:
            name = next(n for n in FIELD_NAMES if n in self.errors)
            raise ConfigError(name, self.errors[name])
        values = {name: parse_field(name, self.text(name)) for name in FIELD_NAMES}
        config = self.base.with_changes(**values)
        try:
            return config.validate()
        except ConfigError as exc:
            if exc.field in FIELD_NAMES:
                self._show(exc.field, exc.reason)
            raise

    def bad_fields(self) -> list[tuple[str, str]]:
        """Every field refused now, in the form's order, with its whole reason (the
        settings together checked too, once each field parses)."""
        for name in FIELD_NAMES:
            self._check(name)
        together: list[tuple[str, str]] = []
        if not self.errors:
            try:
                self.read_config()
            except ConfigError as exc:
                if exc.field not in FIELD_NAMES:
                    together.append((exc.field, exc.reason))
        return [(n, self.errors[n]) for n in FIELD_NAMES if n in self.errors] + together

    def show_field(self, field: str) -> None:
        """Scroll ``field`` (and its reason under it) into view."""
        if self.query(f"#err-{field}"):
            self.scroll_to_widget(self.query_one(f"#err-{field}"), animate=False)

    def load_report(self, name: str) -> RunConfig:
        """Fill every field with the report's run ``name`` and say what the report did;
        the settings loaded."""
        config = report_config(name)
        for spec in FIELDS:
            self.set_value(spec.name, getattr(config, spec.name))
        self.base = self.base.with_changes(
            **{k: v for k, v in config.to_dict().items() if k not in FIELD_NAMES
               and k not in ("name", "extra")})
        self.query_one("#report-about", Static).update(REPORT_PRESETS[name].did)
        self.query_one("#report-about", Static).display = True
        return config

    def summary(self) -> str:
        """The settings in one line, as the form holds them (invalid fields as typed)."""
        t = self.text
        data = t("data") + (f" n={t('n')}" if t("n") else "")
        if t("noise") not in ("", "0", "0.0"):
            data += f" noise {t('noise')}"
        parts = [data, f"{t('hidden')} {t('activation')}", t("loss"),
                 f"{t('optimizer')} lr {t('lr')}", f"{t('epochs')} epochs",
                 f"seed {t('seed')}"]
        if t("batch_size") not in ("", "1"):
            parts.insert(4, f"batch {t('batch_size')}")
        return "f form │ " + " · ".join(parts)

    def focus_first(self) -> None:
        """Put the cursor in the first field that can change."""
        for spec in FIELDS:
            widget = self.query_one(f"#f-{spec.name}")
            if not widget.disabled:
                widget.focus()
                return

    def label_of(self, field: str) -> str:
        """The label shown for ``field`` (for messages)."""
        return next((f.label for f in FIELDS if f.name == field), field)

    def freeze(self, keep: tuple[str, ...] = ()) -> None:
        """Make every field read-only but those in ``keep`` (an attached or recorded run
        shows its settings; only its lr may change)."""
        for spec in FIELDS:
            self.query_one(f"#f-{spec.name}").disabled = spec.name not in keep
        self.query_one("#f-report").disabled = True

    # ------------------------------------------------------------ writing
    def set_value(self, field: str, value: Any) -> bool:
        """Show ``value`` in ``field`` without treating it as the user's edit. A field
        the user is typing in is never overwritten (False then)."""
        widget = self.query_one(f"#f-{field}")
        if widget.has_focus:
            return False
        text = str(value) if isinstance(widget, Select) else _as_text(field, value)
        if text != self.text(field):
            self._set[field] = text
        widget.value = text
        self._check(field)
        return True

    def _show(self, field: str, reason: str | None, warning: str = "") -> None:
        """Mark ``field`` refused with ``reason`` (whole, wrapped), or accepted (with an
        optional ``warning``), or neither."""
        err = self.query_one(f"#err-{field}", Static)
        field_widget = self.query_one(f"#f-{field}")
        if reason:
            self.errors[field] = reason
        else:
            self.errors.pop(field, None)
        field_widget.set_class(bool(reason), "-invalid-value")
        shown = f"✗ {printable(reason, MAX_REASON)}" if reason else \
            f"⚠ {warning}" if warning else ""
        err.set_class(not reason and bool(warning), "-warning")
        err.update(shown)
        err.display = bool(shown)

    def _check(self, field: str) -> bool:
        try:
            value = parse_field(field, self.text(field))
        except ConfigError as exc:
            self._show(field, exc.reason)
            return False
        warning = ""
        if field == "lr" and value > LR_WARN:
            warning = (f"above {LR_WARN:g} a sigmoid network likely diverges "
                       "(allowed; + and - halve or double it)")
        self._show(field, None, warning)
        if field == "data":
            self.query_one("#data-about", Static).update(ABOUT.get(value, ""))
        return True

    def on_mount(self) -> None:
        for name in FIELD_NAMES:
            self._check(name)
        self.query_one("#report-about", Static).display = False
        base = self.base.with_changes(name=None)
        chosen = next((n for n in REPORT_PRESETS if report_config(n) == base), None)
        if chosen is not None:  # started with --preset NAME: say so
            self.query_one("#f-report", Select).value = chosen

    def _own_settings(self) -> None:
        """A field changed by hand: if the form no longer holds the report's run
        chosen, the chooser says "your own"."""
        report = self.query_one("#f-report", Select)
        if report.value == OWN:
            return
        try:
            same = self.read_config().with_changes(name=None) == report_config(
                str(report.value))
        except ConfigError:
            same = False
        if not same:
            report.value = OWN
            self.query_one("#report-about", Static).display = False

    def _by_program(self, field: str) -> bool:
        """True when the change of ``field`` just seen is one ``set_value`` made."""
        return field in self._set and self._set.pop(field) == self.text(field)

    # ------------------------------------------------------------ events
    @on(Input.Changed, ".form-field")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        field = (event.input.id or "")[2:]
        valid = self._check(field)
        if not self._by_program(field):
            self._own_settings()
        self.post_message(self.Changed(self, field, valid))

    @on(Input.Submitted, ".form-field")
    def _input_submitted(self, event: Input.Submitted) -> None:
        """Enter applies the field and leaves it, so the next key is a command again."""
        event.stop()
        self.screen.set_focus(None)
        self.post_message(self.Submitted(self, (event.input.id or "")[2:]))

    @on(Select.Changed, ".form-field")
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        field = (event.select.id or "")[2:]
        valid = self._check(field)
        by_program = self._by_program(field)
        self.post_message(self.Changed(self, field, valid))
        if not by_program:
            self._own_settings()
            self.post_message(self.Submitted(self, field))

    @on(Select.Changed, ".report-field")
    def _report_chosen(self, event: Select.Changed) -> None:
        """A report's run chosen: every field takes its settings (the screen previews
        its points as for any change of the data set)."""
        event.stop()
        if event.value == OWN:
            self.query_one("#report-about", Static).display = event.value != OWN
            return
        self.load_report(str(event.value))
        self.post_message(self.Changed(self, "data", True))

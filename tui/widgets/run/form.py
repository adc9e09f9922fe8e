"""The hyperparameters panel: one compact row per setting, validated as it is typed.

An invalid value is marked in place with a one-line reason under its field. The screen
asks ``read_config()`` for a validated ``RunConfig`` (or the first reason it is refused).
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
from core.datasets import DATASETS
from core.nn.activations import ACTIVATIONS
from core.nn.losses import LOSSES
from core.nn.network import INITS
from core.nn.optimizers import OPTIMIZERS
from tui.widgets.fields import FieldInput

__all__ = ["FIELDS", "FieldSpec", "HyperForm"]


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
        self._loading = False

    def compose(self) -> ComposeResult:
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

    # ------------------------------------------------------------ writing
    def set_value(self, field: str, value: Any) -> bool:
        """Show ``value`` in ``field`` without treating it as the user's edit. A field
        the user is typing in is never overwritten (False then)."""
        widget = self.query_one(f"#f-{field}")
        if widget.has_focus:
            return False
        self._loading = True
        try:
            if isinstance(widget, Select):
                widget.value = str(value)
            else:
                widget.value = _as_text(field, value)
        finally:
            self._loading = False
        self._check(field)
        return True

    def _show(self, field: str, reason: str | None) -> None:
        err = self.query_one(f"#err-{field}", Static)
        field_widget = self.query_one(f"#f-{field}")
        if reason:
            self.errors[field] = reason
            short = reason if len(reason) <= 60 else reason[:57] + "…"
            err.update(f"✗ {short}")
            err.display = True
            field_widget.add_class("-invalid-value")
        else:
            self.errors.pop(field, None)
            err.update("")
            err.display = False
            field_widget.remove_class("-invalid-value")

    def _check(self, field: str) -> bool:
        try:
            parse_field(field, self.text(field))
        except ConfigError as exc:
            self._show(field, exc.reason)
            return False
        self._show(field, None)
        return True

    def on_mount(self) -> None:
        for name in FIELD_NAMES:
            self._check(name)

    # ------------------------------------------------------------ events
    @on(Input.Changed, ".form-field")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        field = (event.input.id or "")[2:]
        valid = self._check(field)
        if not self._loading:
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
        if not self._loading:
            self.post_message(self.Changed(self, field, valid))
            self.post_message(self.Submitted(self, field))

"""``SpeedControls``: the speed switches of diffusers models (cache, compile, attention,
quantization) as controls, built from :data:`i2v_nb.synthesis.speed.SPEED_SWITCHES`.

>>> from i2v_nb.widgets.speed import SpeedControls
>>> speed = SpeedControls()
>>> speed.controls["cache"].value = "first_block"
>>> speed.values()
{'cache': 'first_block'}

Each control passes its value to :func:`i2v_nb.generate` as the keyword of the same name; a value
left at its default is not passed. The preview engine has no speed switches: the Studio disables
the controls for it (:meth:`SpeedControls.enable`).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W

from i2v_nb.widgets._common import escape, with_class
from i2v_nb.widgets._compat import fill_tooltips, tooltip_kwargs

__all__ = ["SpeedControls", "THRESHOLDS"]

#: The cache thresholds offered (None: the family's default from the diffusers docs).
THRESHOLDS = (None, 0.03, 0.05, 0.1, 0.2)


class SpeedControls(W.VBox):
    """One control per speed switch, its help as the hover text; ``values()`` for ``generate``.

    Attributes:
        controls: switch name → its widget.
        note: what the switches do on this model (or why they are off).
    """

    def __init__(self, **kwargs: Any) -> None:
        from i2v_nb.synthesis.speed import SPEED_SWITCHES

        self.switches = SPEED_SWITCHES
        self.controls: dict[str, W.Widget] = {}
        style = {"description_width": "initial"}
        for name, switch in SPEED_SWITCHES.items():
            label = name.replace("_", " ")
            if switch.kind == "bool":
                w: W.Widget = W.Checkbox(value=bool(switch.default), description=label,
                                         indent=False, **tooltip_kwargs(W.Checkbox, switch.help))
            elif switch.kind == "choice":
                options = [("off" if c is None else str(c), c) for c in switch.choices or ()]
                w = W.Dropdown(options=options, value=switch.default, description=label,
                               style=style, layout=W.Layout(width="auto"),
                               **tooltip_kwargs(W.Dropdown, switch.help))
            else:  # the cache threshold: a few values, None = the family's default
                options = [("family default" if t is None else f"{t:g}", t) for t in THRESHOLDS]
                w = W.Dropdown(options=options, value=None, description=label, style=style,
                               layout=W.Layout(width="auto"),
                               **tooltip_kwargs(W.Dropdown, switch.help))
            self.controls[name] = with_class(w, f"i2v-speed-{name.replace('_', '-')}")
        self.note = W.HTML("")
        super().__init__(children=[self.note, *self.controls.values()], **kwargs)
        self.add_class("i2v-speed")
        fill_tooltips(self)

    def values(self) -> dict[str, Any]:
        """The switches not at their default, as keywords of :func:`i2v_nb.generate`."""
        out = {}
        for name, w in self.controls.items():
            default = self.switches[name].default
            if not w.disabled and w.value != default and w.value is not None:
                out[name] = w.value
        return out

    def enable(self, on: bool, why: str = "") -> None:
        """Enable the controls (a diffusers model) or disable them and say why."""
        for w in self.controls.values():
            w.disabled = not on
        self.note.value = "" if on else f"<small>{escape(why)}</small>"

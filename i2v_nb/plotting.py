"""One look for every figure the toolkit draws: readable at notebook width, keyed, framed.

Every plot of the package (:meth:`StructureReport.plot <i2v_nb.analysis.StructureReport.plot>`,
the continuity pictures of :mod:`i2v_nb.diagnostics.plots`) and the tutorial notebooks' figures
use these helpers, so that:

* a figure is at most :data:`NOTEBOOK_WIDTH` inches wide (it shows at its own size in a notebook
  cell, so its text is never shrunk) and its fonts are those of :data:`FONT_SIZES`
  (:func:`style`);
* every colour map has a colour bar whose ends say what they mean ("near" / "far")
  (:func:`colorbar`, :func:`show_map`);
* masks and images sit in a thin frame, so a white mask is not lost on a white page
  (:func:`frame`, :func:`show_mask`);
* a colour-coded optical flow has its colour wheel beside it (:func:`flow_wheel`);
* long titles wrap to their panel's width instead of running into the next one (:func:`title`).

Only matplotlib's object API is used (``Figure``, no pyplot state), and matplotlib is imported
inside the functions: importing this module costs nothing.

>>> import numpy as np
>>> fig, axes = figure(1, 2, height=2.5)
>>> im = show_map(axes[0], np.linspace(0, 1, 12).reshape(3, 4), label="depth", ends=("near", "far"))
>>> _ = show_mask(axes[1], np.eye(4, dtype=bool), title_text="a mask")
>>> [t.get_text() for t in fig.axes[-1].get_yticklabels()]     # the colour bar's labelled ends
['0 · near', '1 · far']
"""

from __future__ import annotations

import contextlib
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = ["NOTEBOOK_WIDTH", "FONT_SIZES", "style", "figure", "blank", "inline", "title", "legend",
           "frame", "colorbar", "show_image", "show_map", "show_mask", "flow_wheel", "image_row"]

#: Width in inches of a figure that fills a notebook cell without being shrunk (about 800 px at
#: the 80 dpi the notebooks use, under JupyterLab's and Colab's usual output width).
NOTEBOOK_WIDTH = 10.0

#: Font sizes in points, chosen to stay legible at :data:`NOTEBOOK_WIDTH`.
FONT_SIZES = {"text": 9.0, "title": 10.0, "label": 9.5, "tick": 8.5, "legend": 8.5,
              "suptitle": 11.0, "small": 8.0}

_FRAME_COLOUR = "0.35"


def style() -> contextlib.AbstractContextManager:
    """A context in which new figures and artists get the package's look (fonts, legend frame).

    Text sizes are fixed when an artist is made, so draw inside the context; nothing global is
    changed (``matplotlib.rc_context``).

    >>> with style():
    ...     fig, ax = figure(height=2)
    ...     _ = ax.set_title("a title")
    >>> ax.title.get_fontsize() == FONT_SIZES["title"]
    True
    """
    import matplotlib

    return matplotlib.rc_context({
        "font.size": FONT_SIZES["text"], "axes.titlesize": FONT_SIZES["title"],
        "axes.labelsize": FONT_SIZES["label"], "xtick.labelsize": FONT_SIZES["tick"],
        "ytick.labelsize": FONT_SIZES["tick"], "legend.fontsize": FONT_SIZES["legend"],
        "figure.titlesize": FONT_SIZES["suptitle"], "legend.framealpha": 0.9,
        "axes.titlepad": 4.0, "axes.grid": False})


def figure(nrows: int = 1, ncols: int = 1, *, width: float = NOTEBOOK_WIDTH,
           height: float | None = None, squeeze: bool = True, **subplot_kw: Any) -> tuple[Any, Any]:
    """A ``Figure`` with constrained layout (no overlapping titles) and its axes.

    ``width`` is capped at :data:`NOTEBOOK_WIDTH`; ``height`` defaults to 2.6 inches a row.
    ``squeeze`` as in ``Figure.subplots``. The figure shows inline in Jupyter (:func:`inline`).
    """
    from matplotlib.figure import Figure

    w = min(float(width), NOTEBOOK_WIDTH)
    h = float(height) if height is not None else 2.6 * nrows
    with style():
        fig = Figure(figsize=(w, h), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=squeeze, **subplot_kw)
    return inline(fig), axes


def blank(*, width: float = NOTEBOOK_WIDTH, height: float = 4.0) -> Any:
    """An empty ``Figure`` with constrained layout, for a custom grid (width capped as in
    :func:`figure`); it shows inline in Jupyter."""
    from matplotlib.figure import Figure

    with style():
        fig = Figure(figsize=(min(float(width), NOTEBOOK_WIDTH), float(height)),
                     layout="constrained")
    return inline(fig)


def inline(fig: Any, *, dpi: int = 80) -> Any:
    """Let a pyplot-free ``Figure`` show itself in Jupyter (as PNG at ``dpi``); returns it."""

    def _repr_png_() -> bytes:
        import io

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
        return buf.getvalue()

    fig._repr_png_ = _repr_png_
    return fig


def title(ax: Any, text: str, *, colour: str | None = None, size: float | None = None) -> Any:
    """Set ``ax``'s title, wrapped to the panel's width so that it never runs into a neighbour
    (line breaks already in ``text`` are kept)."""
    fig = ax.figure
    size = size or FONT_SIZES["title"]
    # the panel's share of the width before layout, without the default side margins that the
    # constrained layout does not keep
    pars = fig.subplotpars
    width_in = ax.get_position().width / max(pars.right - pars.left, 0.1) * fig.get_figwidth()
    chars = max(16, int(width_in * 72.0 / (0.6 * size)))
    kw = {"color": colour} if colour else {}
    wrapped = "\n".join(textwrap.fill(line, chars) for line in str(text).split("\n"))
    return ax.set_title(wrapped, fontsize=size, **kw)


def legend(ax: Any, *args: Any, **kwargs: Any) -> Any:
    """``ax.legend`` at the package's legend size, on an opaque frame (readable over curves)."""
    kwargs.setdefault("fontsize", FONT_SIZES["legend"])
    kwargs.setdefault("framealpha", 0.9)
    return ax.legend(*args, **kwargs)


def frame(ax: Any, *, colour: str = _FRAME_COLOUR, linewidth: float = 1.0) -> Any:
    """Hide the ticks but keep a thin frame around a picture (a white mask stays visible)."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_edgecolor(colour)
        spine.set_linewidth(linewidth)
    return ax


def colorbar(mappable: Any, ax: Any, *, label: str | None = None,
             ends: tuple[str, str] | None = None, fmt: str = "{:.3g}") -> Any:
    """A colour bar for ``mappable`` beside ``ax`` (an axes or a list of them sharing the
    scale); ``ends`` names what its two ends mean.

    With ``ends=("near", "far")`` the ticks are the two limits, read e.g. "0 · near" and
    "1 · far": which colour is which is never a guess.
    """
    fig = (ax[0] if isinstance(ax, (list, tuple)) else ax).figure
    with style():
        cb = fig.colorbar(mappable, ax=ax, fraction=0.046, pad=0.02)
        if label:
            cb.set_label(label, fontsize=FONT_SIZES["small"])
        if ends:
            lo, hi = mappable.get_clim()
            cb.set_ticks([lo, hi])
            cb.set_ticklabels([f"{fmt.format(lo)} · {ends[0]}", f"{fmt.format(hi)} · {ends[1]}"])
        cb.ax.tick_params(labelsize=FONT_SIZES["small"])
    return cb


def show_image(ax: Any, image: np.ndarray, *, title_text: str | None = None,
               highlight: str | None = None) -> Any:
    """An RGB image in a frame (``highlight`` colours the frame and title, e.g. a flag's)."""
    ax.imshow(image)
    frame(ax, colour=highlight or _FRAME_COLOUR, linewidth=2.5 if highlight else 1.0)
    if title_text:
        title(ax, title_text, colour=highlight)
    return ax


def show_map(ax: Any, data: np.ndarray, *, cmap: str = "viridis", vmin: float | None = None,
             vmax: float | None = None, label: str | None = None,
             ends: tuple[str, str] | None = None, title_text: str | None = None,
             bar: bool = True) -> Any:
    """A scalar map (depth, saliency, change) in a frame, with a colour bar keyed by ``ends``."""
    a = np.asarray(data, dtype=np.float32)
    lo = float(np.nanmin(a)) if vmin is None else float(vmin)
    hi = float(np.nanmax(a)) if vmax is None else float(vmax)
    im = ax.imshow(a, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1.0)
    frame(ax)
    if title_text:
        title(ax, title_text)
    if bar:
        colorbar(im, ax, label=label, ends=ends)
    return im


def show_mask(ax: Any, mask: np.ndarray, *, image: np.ndarray | None = None,
              colour: Sequence[float] | str = (1.0, 0.78, 0.1), title_text: str | None = None,
              coverage: bool = True) -> Any:
    """A bool mask in a frame: coloured where True on a dark ground, or over a dimmed ``image``.

    The title gets the share of the frame the mask covers (``coverage``).
    """
    from matplotlib.colors import to_rgb

    m = np.asarray(mask, bool)
    c = np.asarray(to_rgb(colour), np.float32)
    if image is not None:
        base = np.asarray(image, np.float32)[..., :3] / 255.0
        out = base * 0.3
        out[m] = base[m] * 0.45 + c * 0.55
    else:
        out = np.full(m.shape + (3,), 0.16, np.float32)
        out[m] = c
    ax.imshow(np.clip(out, 0.0, 1.0), interpolation="nearest")
    if m.any() and not m.all():
        ax.contour(m.astype(np.float32), levels=[0.5], colors=[tuple(c)], linewidths=0.8)
    frame(ax)
    if title_text is not None or coverage:
        text = title_text or ""
        if coverage:
            share = f"{m.mean():.0%}" if m.mean() >= 0.1 or not m.any() else f"{m.mean():.1%}"
            text = f"{text} ({share} of the frame)" if text else f"{share} of the frame"
        title(ax, text)
    return ax


def flow_wheel(ax: Any, encode: Callable[..., np.ndarray], *, size: float = 0.34,
               corner: str = "lower right") -> Any:
    """The colour key of a colour-coded optical flow, as a wheel in a corner of ``ax``.

    ``encode(flow, max_magnitude=1.0)`` must be the function that coloured the flow (e.g.
    :func:`i2v_nb.diagnostics.flow_to_rgb`), so the key cannot disagree with the picture: the
    wheel is that function applied to every direction (brighter = faster). Arrows mark where
    content moves right, left, up and down (image rows grow downwards).
    """
    n = 65
    yy, xx = np.mgrid[-1.0:1.0:n * 1j, -1.0:1.0:n * 1j]
    flow = np.dstack([xx, yy]).astype(np.float32)
    rgb = np.asarray(encode(flow, max_magnitude=1.0), np.float32) / 255.0
    rgba = np.dstack([rgb, (np.hypot(xx, yy) <= 1.0).astype(np.float32)])
    x0 = 1.0 - size - 0.02 if "right" in corner else 0.02
    y0 = 0.02 if "lower" in corner else 1.0 - size - 0.02
    ins = ax.inset_axes([x0, y0, size, size])
    ins.imshow(np.ones((n, n, 3), np.float32) * 0.97, extent=(-1.45, 1.45, 1.45, -1.45))
    ins.imshow(rgba, extent=(-1.0, 1.0, 1.0, -1.0))
    for (dx, dy), mark in {(1, 0): "→", (-1, 0): "←", (0, -1): "↑", (0, 1): "↓"}.items():
        ins.text(1.25 * dx, 1.25 * dy, mark, ha="center", va="center",
                 fontsize=FONT_SIZES["small"], color="black")
    ins.set_xlim(-1.45, 1.45)
    ins.set_ylim(1.45, -1.45)
    frame(ins, colour="0.6", linewidth=0.6)
    return ins


def image_row(images: Sequence[np.ndarray], titles: Sequence[str], *,
              width: float = NOTEBOOK_WIDTH, cmap: str = "viridis",
              ends: tuple[str, str] | None = None, label: str | None = None,
              vmin: float | None = None, vmax: float | None = None,
              suptitle: str | None = None) -> Any:
    """A row of pictures in frames: RGB images as they are, bool arrays as masks, other 2-D arrays
    as maps with a keyed colour bar (``cmap``, ``ends``, ``label``, ``vmin``/``vmax``)."""
    images = list(images)
    aspect = np.asarray(images[0]).shape[0] / max(1, np.asarray(images[0]).shape[1])
    w = min(float(width), NOTEBOOK_WIDTH)
    panel = w / max(1, len(images))
    fig, axes = figure(1, len(images), width=w, height=max(1.8, panel * aspect + 0.6),
                       squeeze=False)
    maps = [np.asarray(im) for im in images]
    shared = vmin is not None and vmax is not None  # one scale: one colour bar for the row
    with style():
        mappable, map_axes = None, []
        for ax, a, text in zip(axes[0], maps, titles, strict=False):
            if a.ndim == 3:
                show_image(ax, a, title_text=text)
            elif a.dtype == bool:
                show_mask(ax, a, title_text=text)
            else:
                mappable = show_map(ax, a, cmap=cmap, vmin=vmin, vmax=vmax, label=label,
                                    ends=ends, title_text=text, bar=not shared)
                map_axes.append(ax)
        if shared and mappable is not None:
            colorbar(mappable, map_axes, label=label, ends=ends)
        if suptitle:
            fig.suptitle(suptitle)
    return fig

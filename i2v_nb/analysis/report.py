"""``StructureReport``: what :func:`i2v_nb.analyze` found, with a picture, a summary and a dict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["StructureReport", "direction_words", "confidence_word"]

_DIRECTIONS = ["the right", "lower right", "below", "lower left", "the left", "upper left", "above",
               "upper right"]


def direction_words(angle: float | None) -> str:
    """Where light at ``angle`` degrees comes from, in words ("the left", "upper right", ...).

    >>> direction_words(180), direction_words(270), direction_words(None)
    ('the left', 'above', 'unknown')
    """
    if angle is None:
        return "unknown"
    return _DIRECTIONS[int(((angle % 360) + 22.5) // 45) % 8]


def confidence_word(confidence: float) -> str:
    """How much to trust a light direction, in one word: "weak" below 0.5, "moderate" below 0.75,
    else "strong" (below 0.25 the direction is reported as unsure and has no word).

    >>> confidence_word(0.40), confidence_word(0.6), confidence_word(0.92)
    ('weak', 'moderate', 'strong')
    """
    return "weak" if confidence < 0.5 else "moderate" if confidence < 0.75 else "strong"


def _kelvin_words(k: dict[str, Any]) -> str:
    """``cool cast (~9000 K)``; at the ends of McCamy's clamped scale, say so."""
    if k["kelvin"] >= 15000:
        return f"{k['label']} cast (15000 K or more: the scale's end, a strong blue cast)"
    if k["kelvin"] <= 1500:
        return f"{k['label']} cast (1500 K or less: the scale's end, a strong orange cast)"
    return f"{k['label']} cast (~{k['kelvin']} K)"


def _frac(mask: np.ndarray) -> float:
    return round(float(np.asarray(mask, bool).mean()), 4)


@dataclass(eq=False)
class StructureReport:
    """The structure of one image: boundaries, layout, lighting, depth and what could move.

    Maps are full-size ``(H, W)`` arrays; boxes are ``(x0, y0, x1, y1)`` pixels with the end
    exclusive (like ``PIL.Image.crop``); angles follow :mod:`i2v_nb.analysis.lighting`
    (0° = light from the right, 90° = from below, 180° = from the left, 270° = from above).

    Attributes:
        image: the analysed ``(H, W, 3)`` uint8 image.
        edges: ``(H, W)`` bool Canny edges; ``edge_thresholds`` their ``(low, high)``.
        regions: ``(H, W)`` int32 superpixel labels; ``region_stats`` one dict per label.
        saliency: ``(H, W)`` float32 in [0, 1].
        subject_mask: ``(H, W)`` bool; ``subject_box`` its box (the whole frame when nothing stands
            out, with ``subject_score`` near 0); ``subject_score`` = mean saliency inside − outside.
        thirds: rule-of-thirds placement of the subject (:func:`~i2v_nb.analysis.thirds_position`).
        horizon_y: row of the horizon or None.
        foreground_mask: ``(H, W)`` bool, near parts plus the subject.
        relations: plain-language spatial relations.
        exposure, contrast, colour_temperature: dicts (see :mod:`i2v_nb.analysis.lighting`).
        shadow_mask: ``(H, W)`` bool.
        light_direction: degrees or None when unsure; ``light_confidence`` in [0, 1].
        point_lights: ``(x, y)`` centres of lamps seen in a dark scene
            (:func:`~i2v_nb.analysis.point_lights`); several mean no single light direction.
        depth: ``(H, W)`` float32 in [0, 1], 0 = nearest; ``depth_method`` "classical" or
            "model:<id>".
        motion_regions: ``{"sky", "water", "foliage", "hair", "fabric"}`` → ``(H, W)`` bool.
        timings: seconds per part of the analysis.
        seed: the seed given to ``analyze``.
    """

    image: np.ndarray
    edges: np.ndarray
    edge_thresholds: tuple[float, float]
    regions: np.ndarray
    region_stats: list[dict[str, Any]]
    saliency: np.ndarray
    subject_mask: np.ndarray
    subject_box: tuple[int, int, int, int]
    subject_score: float
    thirds: dict[str, Any]
    horizon_y: int | None
    foreground_mask: np.ndarray
    relations: list[str]
    exposure: dict[str, Any]
    contrast: dict[str, Any]
    colour_temperature: dict[str, Any]
    shadow_mask: np.ndarray
    light_direction: float | None
    light_confidence: float
    depth: np.ndarray
    depth_method: str
    motion_regions: dict[str, np.ndarray]
    point_lights: list[tuple[int, int]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    seed: int = 0

    # ------------------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, int]:
        """``(H, W)`` of the analysed image."""
        return self.image.shape[0], self.image.shape[1]

    @property
    def movable(self) -> list[str]:
        """Names of the motion regions covering at least 1 % of the image, largest first."""
        fr = {k: float(v.mean()) for k, v in self.motion_regions.items()}
        return [k for k in sorted(fr, key=lambda k: -fr[k]) if fr[k] >= 0.01]

    @property
    def has_subject(self) -> bool:
        """Whether something clearly stands out (``subject_score`` ≥ 0.2 and a non-empty mask)."""
        return bool(self.subject_mask.any()) and self.subject_score >= 0.2

    # ------------------------------------------------------------------------------ text
    def __repr__(self) -> str:
        h, w = self.shape
        light = (f"{self.light_direction:.0f}° ({self.light_confidence:.2f})"
                 if self.light_direction is not None else f"unsure ({self.light_confidence:.2f})")
        return (f"StructureReport({w}x{h}, subject_box={self.subject_box}, "
                f"horizon_y={self.horizon_y}, light={light}, depth={self.depth_method!r}, "
                f"movable={self.movable})")

    def summary(self) -> str:
        """A short plain-text description (a few lines)."""
        h, w = self.shape
        lines = [f"Image {w}×{h}."]
        if self.has_subject:
            from i2v_nb.analysis.layout import subject_placement

            t = self.thirds
            where = subject_placement(self.subject_box, (h, w))
            lines.append(f"Subject at {self.subject_box} ({where}"
                         + (", on a thirds point" if t["on_thirds"] else "")
                         + f"), stands out by {self.subject_score:.2f}.")
        else:
            lines.append("No single subject stands out.")
        if self.horizon_y is None:
            lines.append("Horizon: none found.")
        else:
            lines.append(f"Horizon at row {self.horizon_y} ({self.horizon_y / h:.0%} down).")
        e, c, k = self.exposure, self.contrast, self.colour_temperature
        if self.light_direction is not None:
            light = (f"light from {direction_words(self.light_direction)} "
                     f"({self.light_direction:.0f}°, {confidence_word(self.light_confidence)}: "
                     f"confidence {self.light_confidence:.2f})")
        else:
            light = f"light direction unsure (confidence {self.light_confidence:.2f})"
        n = len(self.point_lights)
        lamps = f"a dark scene lit by {n} point light{'s' if n > 1 else ''} (lamps, floodlights)"
        if n > 1 and self.light_direction is None:
            light = f"{lamps}: no single light direction (confidence {self.light_confidence:.2f})"
        elif n:
            light = f"{lamps}; {light}"
        lines.append(f"Lighting: {e['verdict']} (mean {e['mean']:.2f}, "
                     f"{e['clipped_highlights']:.1%} blown, {e['clipped_shadows']:.1%} crushed), "
                     f"{c['verdict']} contrast, {_kelvin_words(k)}; {light}; "
                     f"shadows cover {_frac(self.shadow_mask):.0%}.")
        d = self.depth
        lines.append(f"Depth ({self.depth_method}): foreground {_frac(self.foreground_mask):.0%} "
                     f"of the frame, median depth {float(np.median(d)):.2f}.")
        mov = self.movable
        lines.append("Could move: " + (", ".join(
            f"{k} ({float(self.motion_regions[k].mean()):.0%})" for k in mov) if mov else
            "nothing obvious (camera motion only)") + ".")
        if self.relations:
            lines.append("Layout: " + "; ".join(self.relations) + ".")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable summary: numbers, boxes and words; maps summarised, not dumped.
        Floats are rounded to 5 decimals; NaN and infinities become ``None``."""
        from i2v_nb.io import jsonable  # the one JSON-safe converter (io is slow to import)

        h, w = self.shape
        hist = np.asarray(self.exposure["histogram"]).reshape(32, 8).sum(axis=1)
        d = self.depth
        biggest = sorted(self.region_stats, key=lambda r: -r["area"])[:8]
        out = {
            "shape": [h, w],
            "seed": self.seed,
            "edges": {"fraction": _frac(self.edges), "thresholds": list(self.edge_thresholds)},
            "regions": {"count": len(self.region_stats), "largest": biggest},
            "saliency": {"mean": float(self.saliency.mean()),
                         "max": float(self.saliency.max())},
            "subject": {"box": list(self.subject_box), "score": self.subject_score,
                        "found": self.has_subject, "area_fraction": _frac(self.subject_mask),
                        "thirds": self.thirds},
            "horizon_y": self.horizon_y,
            "foreground_fraction": _frac(self.foreground_mask),
            "relations": list(self.relations),
            "exposure": {**{k: v for k, v in self.exposure.items() if k != "histogram"},
                         "histogram_32": hist},
            "contrast": self.contrast,
            "colour_temperature": self.colour_temperature,
            "shadows": {"fraction": _frac(self.shadow_mask)},
            "light": {"direction": self.light_direction, "confidence": self.light_confidence,
                      "from": direction_words(self.light_direction),
                      "point_lights": [list(p) for p in self.point_lights]},
            "depth": {"method": self.depth_method, "min": float(d.min()), "max": float(d.max()),
                      "mean": float(d.mean()),
                      "quantiles": [float(q) for q in np.percentile(d, [10, 25, 50, 75, 90])],
                      "top_mean": float(d[: max(1, h // 4)].mean()),
                      "bottom_mean": float(d[-max(1, h // 4):].mean())},
            "motion_regions": {k: _frac(v) for k, v in self.motion_regions.items()},
            "movable": self.movable,
            "timings": self.timings,
        }
        return jsonable(out, digits=5, max_array_size=None)

    # ------------------------------------------------------------------------------ picture
    def plot(self, *, figsize: tuple[float, float] = (10.0, 8.4)) -> Any:
        """One matplotlib figure with a panel per part (no pyplot state is touched).

        Panels: the image with subject box, horizon and thirds grid; edges; regions; saliency with
        subject box and horizon; shadows with the light arrow and the point lights; depth (its
        colour bar says which end is near); what could move, keyed by colour; the exposure
        histogram. Drawn in the package's style (:mod:`i2v_nb.plotting`: framed panels, keyed
        colour bars, at most notebook width). Returns a ``matplotlib.figure.Figure`` (shown
        inline in Jupyter; save it with ``fig.savefig("report.png")``).
        """
        from matplotlib.patches import FancyArrowPatch, Patch, Rectangle

        from i2v_nb import plotting

        h, w = self.shape
        fig, axes = plotting.figure(3, 3, width=figsize[0], height=figsize[1])
        gs = axes[2, 1].get_subplotspec().get_gridspec()
        for ax in (axes[2, 1], axes[2, 2]):
            ax.remove()

        def box(ax: Any, colour: str = "yellow") -> None:
            x0, y0, x1, y1 = self.subject_box
            ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                                   edgecolor=colour, linewidth=2,
                                   linestyle="-" if self.has_subject else ":"))

        def horizon(ax: Any) -> None:
            if self.horizon_y is not None:
                ax.axhline(self.horizon_y - 0.5, color="cyan", linewidth=1.5, linestyle="--")

        with plotting.style():
            ax = axes[0, 0]
            plotting.show_image(ax, self.image)
            for t in (1 / 3, 2 / 3):
                ax.axvline(t * w - 0.5, color="white", alpha=0.5, linewidth=0.8)
                ax.axhline(t * h - 0.5, color="white", alpha=0.5, linewidth=0.8)
            box(ax)
            horizon(ax)
            plotting.title(ax, "subject · horizon · thirds")

            lo, hi = self.edge_thresholds
            plotting.show_mask(axes[0, 1], self.edges, colour="white", coverage=False,
                               title_text=f"edges (Canny {lo:.0f}/{hi:.0f})")

            from skimage.segmentation import find_boundaries

            means = np.zeros((int(self.regions.max()) + 1, 3))
            for r in self.region_stats:
                means[r["label"]] = r["mean_rgb"]
            mosaic = means[self.regions].astype(np.uint8)
            mosaic[find_boundaries(self.regions, mode="inner")] = (255, 255, 0)
            plotting.show_image(axes[0, 2], mosaic,
                                title_text=f"regions ({len(self.region_stats)})")

            ax = axes[1, 0]
            plotting.show_map(ax, self.saliency, cmap="inferno", vmin=0, vmax=1,
                              ends=("blends in", "stands out"),
                              title_text=f"saliency · subject stands out by "
                                         f"{self.subject_score:.2f}")
            box(ax, "lime")
            horizon(ax)

            ax = axes[1, 1]
            grey = self.image.mean(axis=2) / 255.0  # a backdrop for the overlay only, not luma
            overlay = np.dstack([grey, grey, grey]) * 0.8
            overlay[self.shadow_mask] = overlay[self.shadow_mask] * 0.4 + np.array([0.1, 0.2, 0.6])
            plotting.show_image(ax, np.clip(overlay, 0, 1))
            handles = [Patch(color=(0.15, 0.3, 0.75), label="shadow / dark object")]
            if self.point_lights:
                xs, ys = zip(*self.point_lights, strict=True)
                handles.append(ax.scatter(xs, ys, marker="*", s=90, color="gold",
                                          edgecolors="black", linewidths=0.5,
                                          label=f"point light ({len(xs)})"))
            if self.light_direction is not None:
                a = np.radians(self.light_direction)
                cx, cy, r = w / 2, h / 2, 0.38 * min(h, w)
                start = (cx + r * np.cos(a), cy + r * np.sin(a))
                ax.add_patch(FancyArrowPatch(start, (cx, cy), arrowstyle="-|>", mutation_scale=25,
                                             color="gold", linewidth=3))
                ax.plot(*start, marker="o", markersize=14, color="gold")
                plotting.title(ax, f"shadows · light from {direction_words(self.light_direction)}"
                                   f" ({self.light_direction:.0f}°, "
                                   f"{confidence_word(self.light_confidence)} "
                                   f"{self.light_confidence:.2f})")
            else:
                plotting.title(ax, f"shadows · light direction unsure "
                                   f"({self.light_confidence:.2f})")
            plotting.legend(ax, handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                            ncols=len(handles))

            plotting.show_map(axes[1, 2], self.depth, vmin=0, vmax=1, ends=("near", "far"),
                              title_text=f"depth ({self.depth_method})")

            ax = axes[2, 0]
            colours = {"sky": (0.3, 0.6, 1.0), "water": (0.0, 0.9, 0.9),
                       "foliage": (0.2, 0.9, 0.2), "hair": (1.0, 0.4, 0.0),
                       "fabric": (0.9, 0.2, 0.9)}
            over = self.image.astype(np.float32) / 255.0 * 0.5
            present = []
            for k, m in self.motion_regions.items():
                if m.any():
                    over[m] = over[m] * 0.4 + np.array(colours.get(k, (1, 1, 1))) * 0.6
                    present.append(Patch(color=colours.get(k, (1, 1, 1)),
                                         label=f"{k} {float(m.mean()):.0%}"))
            plotting.show_image(ax, np.clip(over, 0, 1),
                                title_text="could move: " + (", ".join(self.movable)
                                                             or "nothing obvious"))
            if present:
                plotting.legend(ax, handles=present, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                                ncols=min(3, len(present)))

            ax = fig.add_subplot(gs[2, 1:])
            hist = np.asarray(self.exposure["histogram"], dtype=np.float64)
            ax.fill_between(np.arange(256), hist / max(hist.max(), 1), color="0.3", step="mid")
            ax.set_xlim(0, 255)
            ax.set_ylim(0, 1.05)
            ax.set_yticks([])
            ax.set_xlabel("luma (0 black … 255 white)")
            e, k = self.exposure, self.colour_temperature
            kelvin = (f"≥ {k['kelvin']} K (scale's end)" if k["kelvin"] >= 15000 else
                      f"~{k['kelvin']} K")
            plotting.title(ax, f"exposure: {e['verdict']} · {self.contrast['verdict']} contrast"
                               f" · {k['label']} cast, {kelvin}")
        return fig

"""Pictures of a continuity report (matplotlib object API, no pyplot state), drawn in the
package's one style (:mod:`i2v_nb.plotting`): at most notebook width, legible legends, framed
thumbnails, keyed colour bars and a colour wheel beside every colour-coded flow."""

from __future__ import annotations

import numpy as np

from i2v_nb import plotting

__all__ = ["plot_report", "plot_flag", "residual_map"]

_FLAG_COLOURS = {"cut": "tab:red", "jump": "tab:red", "flash": "tab:orange",
                 "glitch": "tab:orange", "flicker": "gold", "freeze": "tab:blue",
                 "stutter": "tab:blue", "identity_loss": "tab:purple", "artefact": "tab:orange",
                 "blur": "tab:orange", "partial_freeze": "tab:blue", "morph": "tab:purple",
                 "color_drift": "tab:pink", "motion_reversal": "tab:red"}


def _mark_flags(ax, report, *, label: bool) -> None:
    for f in report.flags:
        ax.axvline(f.frame, color=_FLAG_COLOURS.get(f.kind, "red"), lw=1.5, alpha=0.8, ls="--")
        if label:
            ax.annotate(f.kind, (f.frame, 1.0), xycoords=("data", "axes fraction"),
                        fontsize=plotting.FONT_SIZES["small"], rotation=90, va="top", ha="right",
                        color=_FLAG_COLOURS.get(f.kind, "red"))


def _thumb(ax, image: np.ndarray, title: str, *, highlight: str | None = None) -> None:
    plotting.show_image(ax, image, title_text=title, highlight=highlight)


#: Flags whose three thumbnails share one row of the report (the rest wrap to the next row).
_FLAGS_PER_ROW = 2


def plot_report(report, *, max_flags: int = 4, figsize=None):
    """Draw a :class:`ContinuityReport`: curves, flagged-frame thumbnails, a flow view.

    Rows: (1) similarity to the reference and to the previous frame; (2) frame change — MAE to the
    previous frame, motion-compensated residual, brightness; (3) motion — flow mean/p95 and the
    global pan x/y and zoom; every curve shares the frame axis and flagged frames are dashed
    lines. (4) For up to ``max_flags`` flags, the frames before, at and after the flag (the flagged
    one framed in its flag's colour), two flags a row; without flags, the first, middle and last
    frames. (5) The flow of one pair (the first flagged pair, else the pair that moves most)
    colour-coded with its colour wheel and as arrows over the frame, next to the reference image.
    The figure is notebook wide (:data:`i2v_nb.plotting.NOTEBOOK_WIDTH`) unless ``figsize`` says
    otherwise.

    Returns:
        ``matplotlib.figure.Figure``.
    """
    pf = report.per_frame
    t = report.num_frames
    x = pf["frame"].to_numpy()
    flags = report.flags[:max_flags]
    thumb_rows = max(1, -(-len(flags) // _FLAGS_PER_ROW))
    ncols = 3 * min(max(1, len(flags)), _FLAGS_PER_ROW)
    width, height = figsize or (plotting.NOTEBOOK_WIDTH, 3 * 2.3 + 1.7 * thumb_rows + 2.8)
    fig = plotting.blank(width=width, height=height)
    with plotting.style():
        gs = fig.add_gridspec(5, 1, height_ratios=[1.0, 1.0, 1.0, 0.75 * thumb_rows, 1.2])

        ax1 = fig.add_subplot(gs[0])
        ax1.plot(x, pf["ssim_ref"], "o-", ms=3, label="SSIM to reference")
        ax1.plot(x, pf["ssim_prev"], "s-", ms=3, label="SSIM to previous")
        if "feature_sim_ref" in pf:
            ax1.plot(x, pf["feature_sim_ref"], "^-", ms=3, label="feature sim. to reference")
        ax1.set_ylabel("similarity")
        plotting.legend(ax1, loc="best")
        s = report.scores
        plotting.title(ax1, f"{t} frames — camera {report.camera_motion} "
                            f"({report.camera_confidence:.2f}) — flicker "
                            f"{s['temporal_flickering']:.3f}, smoothness "
                            f"{s['motion_smoothness']:.3f}, dynamic {s['dynamic_degree']:.0f}, "
                            f"{len(report.flags)} flag(s)")
        _mark_flags(ax1, report, label=True)

        ax2 = fig.add_subplot(gs[1], sharex=ax1)
        ax2.plot(x, pf["mad_prev"], "o-", ms=3, label="MAE to previous (0–255)")
        ax2.plot(x, pf["residual"], "s-", ms=3, label="motion-compensated residual")
        ax2.set_ylabel("change")
        ax2b = ax2.twinx()
        ax2b.plot(x, pf["brightness"], color="grey", lw=1, label="brightness")
        ax2b.set_ylabel("brightness", color="grey")
        lines = ax2.get_lines() + ax2b.get_lines()
        plotting.legend(ax2, handles=lines, loc="best")
        _mark_flags(ax2, report, label=False)

        ax3 = fig.add_subplot(gs[2], sharex=ax1)
        ax3.plot(x, pf["flow_mean"], "o-", ms=3, label="flow mean (px)")
        ax3.plot(x, pf["flow_p95"], "-", lw=1, label="flow p95 (px)")
        ax3.plot(x, pf["pan_x"], "--", lw=1, label="pan x (px, + right)")
        ax3.plot(x, pf["pan_y"], "--", lw=1, label="pan y (px, + down)")
        ax3.axhline(s["dynamic_threshold"], color="k", lw=0.8, ls=":", label="VBench threshold")
        ax3b = ax3.twinx()
        ax3b.plot(x, 100 * pf["zoom"], color="tab:brown", lw=1, label="zoom (%/frame)")
        ax3b.set_ylabel("zoom %/frame", color="tab:brown")
        ax3.set_ylabel("motion")
        ax3.set_xlabel("frame")
        lines = ax3.get_lines() + ax3b.get_lines()
        plotting.legend(ax3, handles=lines, loc="upper left", bbox_to_anchor=(0.0, -0.28),
                        ncols=3)
        _mark_flags(ax3, report, label=False)

        sub = gs[3].subgridspec(thumb_rows, ncols)
        if flags:
            for k, f in enumerate(flags):
                row, col0 = divmod(k, _FLAGS_PER_ROW)
                for j, i in enumerate((f.frame - 1, f.frame, f.frame + 1)):
                    ax = fig.add_subplot(sub[row, 3 * col0 + j])
                    if 0 <= i < t:
                        colour = _FLAG_COLOURS.get(f.kind, "red") if i == f.frame else None
                        _thumb(ax, report.frames[i], f"{f.kind} @ {i}" if colour else
                               f"frame {i}", highlight=colour)
                    else:
                        ax.axis("off")
        else:
            for j, i in enumerate(sorted({0, t // 2, t - 1})):
                _thumb(fig.add_subplot(sub[0, j]), report.frames[i], f"frame {i} (no flags)")

        sub5 = gs[4].subgridspec(1, 3)
        if report.flow_preview:
            flagged = [f.frame for f in report.flags if f.frame in report.flow_preview]
            if flagged:
                i = flagged[0]
            else:
                i = int(pf["flow_mean"].iloc[1:].idxmax())
            fl = report.flow_preview[i]
            from i2v_nb.diagnostics.flow import flow_to_rgb

            ax = fig.add_subplot(sub5[0, 0])
            plotting.show_image(ax, flow_to_rgb(fl),
                                title_text=f"flow {i - 1}→{i} (colour = direction, "
                                           "brighter = faster)")
            plotting.flow_wheel(ax, flow_to_rgb)
            ax = fig.add_subplot(sub5[0, 1])
            frame = report.frames[i - 1]
            h, w = frame.shape[:2]
            plotting.show_image(ax, frame)
            fh, fw = fl.shape[:2]
            step = max(1, max(fh, fw) // 24)
            ys, xs = np.mgrid[step // 2:fh:step, step // 2:fw:step]
            u = fl[ys, xs, 0]
            v = fl[ys, xs, 1]
            ax.quiver(xs * w / fw, ys * h / fh, u, v, color="yellow", angles="xy",
                      scale_units="xy", scale=max(0.2, float(np.percentile(np.hypot(u, v), 95))
                                                  / (step * w / fw) / 0.9 + 1e-9))
            plotting.title(ax, f"frame {i - 1} with flow arrows (scaled to fit)")
        ax = fig.add_subplot(sub5[0, 2])
        _thumb(ax, report.reference, f"reference ({report.reference_kind})")
    return fig


def residual_map(frames: np.ndarray, t: int, *, max_side: int = 512) -> np.ndarray:
    """``(H, W)`` float32 map of ``|frame t−1 − warp(frame t)|`` (mean over RGB, 0–255): what
    the optical flow of the pair does not explain, at the clip's size."""
    import cv2

    from i2v_nb.diagnostics.flow import optical_flow, warp_image

    a, b = frames[t - 1], frames[t]
    warped, _ = warp_image(b, optical_flow(a, b, max_side=max_side))
    return cv2.absdiff(a, warped).mean(axis=2, dtype=np.float32)


def _outline(ax, box, colour: str) -> None:
    from matplotlib.patches import Rectangle

    x0, y0, x1, y1 = box
    ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False,
                           edgecolor=colour, linewidth=2.0))


def plot_flag(report, index: int, *, figsize=None):
    """Draw one flag: the frame before, the flagged frame(s), the frame after, with the flag's
    region outlined, and the flow-warp residual map of the flagged pair (what the motion does
    not explain) — for a colour drift the colour-shift curve, for a reversal the global motion,
    for a morph the swell map (:func:`~i2v_nb.diagnostics.shape.swell_map`; as the loose look
    measures it when that found the flag) beside frames 0, the start and the last.

    Args:
        report: a :class:`~i2v_nb.diagnostics.report.ContinuityReport`.
        index: position of the flag in ``report.flags``.

    Returns:
        ``matplotlib.figure.Figure`` titled with the flag's explanation.
    """
    flag = report.flags[index]
    t_count = report.num_frames
    colour = _FLAG_COLOURS.get(flag.kind, "red")
    first, last = flag.frame, flag.last if flag.last is not None else flag.frame
    if flag.kind in ("color_drift", "morph"):
        shown = [0, first, t_count - 1]
    else:
        shown = [first - 1, first, last + 1] if last > first else [first - 1, first, first + 1]
    shown = [i for i in shown if 0 <= i < t_count]
    width, height = figsize or (plotting.NOTEBOOK_WIDTH, 3.4)
    fig, axes = plotting.figure(1, len(shown) + 1, width=width, height=height, squeeze=False)
    axes = axes[0]
    with plotting.style():
        for ax, i in zip(axes, shown, strict=False):
            flagged = first <= i <= last
            _thumb(ax, report.frames[i], f"frame {i}" + (" (flagged)" if flagged else ""),
                   highlight=colour if flagged else None)
            if flag.box is not None:
                _outline(ax, flag.box, colour if flagged else "white")
        ax = axes[-1]
        pf = report.per_frame
        if flag.kind == "color_drift" and "color_shift" in pf:
            ax.plot(pf["frame"], pf["color_shift"], "o-", ms=3, color=colour)
            ax.axvline(first, color=colour, ls="--", lw=1)
            ax.set_xlabel("frame")
            plotting.title(ax, "colour change since frame 0 (ΔE)")
        elif flag.kind == "motion_reversal":
            ax.plot(pf["frame"], pf["pan_x"], "o-", ms=3, label="pan x")
            ax.plot(pf["frame"], pf["pan_y"], "s-", ms=3, label="pan y")
            ax.axvline(first, color=colour, ls="--", lw=1)
            plotting.legend(ax)
            ax.set_xlabel("frame")
            plotting.title(ax, "global motion per frame (px)")
        elif flag.kind == "morph":
            import cv2

            from i2v_nb.diagnostics.shape import MORPH_MIN, swell_map

            def swell_on_clip(loose: bool) -> np.ndarray:
                e = np.clip(swell_map(report.frames, loose=loose), 0.0, None)
                return cv2.resize(e, (report.frames.shape[2], report.frames.shape[1]),
                                  interpolation=cv2.INTER_LINEAR)

            e, how = swell_on_clip(False), ""
            x0, y0, x1, y1 = flag.box or (0, 0, e.shape[1], e.shape[0])
            if float(e[y0:y1, x0:x1].max(initial=0.0)) < MORPH_MIN:  # found by the loose look
                e, how = swell_on_clip(True), " (loosely measured)"
            plotting.show_map(ax, e, cmap="magma", vmin=0, vmax=max(0.1, float(e.max())),
                              ends=("as around it", "swells"), label="stretch beyond surroundings",
                              title_text=f"swell{how}, frame 0→{t_count - 1}")
            if flag.box is not None:
                _outline(ax, flag.box, "cyan")
        else:
            t = max(1, first)
            res = residual_map(report.frames, t)
            plotting.show_map(ax, res, cmap="magma", vmin=0,
                              vmax=max(20.0, float(np.percentile(res, 99.5))),
                              ends=("explained", "unexplained"), label="grey levels",
                              title_text=f"unexplained change {t - 1}→{t}")
            if flag.box is not None:
                _outline(ax, flag.box, "cyan")
        fig.suptitle(flag.explain(), wrap=True)
    return fig

"""``continuity_report``: every continuity metric of a clip, per frame, with flags and scores."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from i2v_nb._media import to_grey
from i2v_nb.diagnostics import camera as _camera
from i2v_nb.diagnostics import flags as _flags
from i2v_nb.diagnostics import flow as _flow
from i2v_nb.diagnostics import gradual as _gradual
from i2v_nb.diagnostics import local as _local
from i2v_nb.diagnostics import regions as _regions
from i2v_nb.diagnostics import scores as _scores
from i2v_nb.diagnostics import shape as _shape
from i2v_nb.diagnostics import similarity as _sim
from i2v_nb.diagnostics.inputs import as_clip_input

__all__ = ["ContinuityReport", "continuity_report", "as_clip_input"]

#: Columns of ``ContinuityReport.per_frame`` and what they hold (pair metrics on the later frame).
COLUMNS = {
    "frame": "frame index",
    "time_s": "time of the frame in seconds (index / fps)",
    "ssim_ref": "SSIM (greyscale) to the reference image",
    "psnr_ref": "PSNR (RGB, dB) to the reference image",
    "color_drift": "colour-histogram Hellinger distance to the reference, 0 = same colours",
    "brightness": "mean luma, 0–255",
    "ssim_prev": "SSIM to the previous frame",
    "psnr_prev": "PSNR to the previous frame (dB)",
    "mad_prev": "mean absolute difference to the previous frame, 0–255 (VBench flicker MAE)",
    "color_drift_prev": "colour-histogram distance to the previous frame",
    "flow_mean": "mean optical-flow magnitude from the previous frame (pixels)",
    "flow_p95": "95th percentile of the flow magnitude (pixels)",
    "flow_top5": "mean of the top 5 % flow magnitudes (VBench dynamic-degree statistic, pixels)",
    "warp_error": "Lai et al. warp error: occlusion-masked MSE of previous frame vs warped frame, "
                  "RGB in [0, 1]",
    "warp_mad": "occlusion-masked mean absolute difference of previous frame vs warped frame, "
                "0–255 (motion smoothness)",
    "residual": "motion-compensated mean absolute difference over all in-frame pixels, 0–255 "
                "(flags)",
    "occluded": "fraction of pixels failing the forward/backward flow check",
    "pan_x": "global content shift, pixels (+ right)",
    "pan_y": "global content shift, pixels (+ down)",
    "zoom": "global relative scale change (+ content expands)",
    "rotation": "global content rotation, degrees (+ clockwise)",
    "motion_inliers": "fraction of pixels the global motion explains to within 1 px (flow scale)",
    "shear": "horizontal parallax: px of horizontal shift per px of height (+ lower rows move "
             "right); an orbit",
    "color_shift": "colour change (ΔE*ab, CIELAB) since frame 0, motion-compensated: a cast or "
                   "fade building up",
    "color_shift_recent": "colour change (ΔE*ab) against the mean of the five frames before",
}

#: Columns measured on a pair of consecutive frames (NaN on frame 0).
_PAIR_COLUMNS = ("ssim_prev", "psnr_prev", "mad_prev", "color_drift_prev", "flow_mean",
                 "flow_p95", "flow_top5", "warp_error", "warp_mad", "residual", "occluded",
                 "pan_x", "pan_y", "zoom", "rotation", "motion_inliers", "shear")


@dataclass
class ContinuityReport:
    """Per-frame continuity evidence of a clip (see :func:`continuity_report`).

    Attributes:
        per_frame: ``pandas.DataFrame``, one row per frame; columns in ``COLUMNS`` (pair metrics
            on the later frame of the pair, NaN on frame 0), plus ``feature_sim_ref`` /
            ``feature_sim_prev`` when a feature model was used.
        scores: clip-level numbers (see :func:`continuity_report` for each formula).
        flags: list of :class:`~i2v_nb.diagnostics.flags.Flag`.
        camera_motion: dominant camera move in ``MotionSpec.camera`` vocabulary.
        camera_confidence: confidence of ``camera_motion`` in [0, 1].
        camera_vbench: VBench-I2V's border-point labels (e.g. ``["pan_left"]``).
        frames: the clip's frames ``(T, H, W, 3)`` uint8 (not copied).
        reference: the reference image ``(H, W, 3)`` uint8.
        reference_kind: ``"given"``, ``"source"`` or ``"first_frame"``.
        fps: frames per second, or None.
        flow_preview: frame index → a small forward flow ``(h, w, 2)`` of the pair ending there,
            in pixels of the clip (for pictures).
        tracks: ``(T, 100, 2)`` positions of the 10×10 tracked grid, pixels of the clip (pairs
            explained by a flag — cut, jump, flash — do not move them).
        regions: the :class:`~i2v_nb.diagnostics.regions.RegionMaps` of the clip (per-cell
            residual, change, flow and colour step of every pair), which local flags come from.
    """

    per_frame: Any
    scores: dict[str, float]
    flags: list
    camera_motion: str
    camera_confidence: float
    camera_vbench: list[str]
    frames: np.ndarray = field(repr=False)
    reference: np.ndarray = field(repr=False)
    reference_kind: str = "first_frame"
    fps: float | None = None
    flow_preview: dict[int, np.ndarray] = field(default_factory=dict, repr=False)
    tracks: np.ndarray | None = field(default=None, repr=False)
    regions: Any = field(default=None, repr=False)

    def __repr__(self) -> str:
        t, h, w = self.frames.shape[:3]
        n = len(self.flags)
        return (f"ContinuityReport({t} frames {w}x{h}, camera={self.camera_motion!r} "
                f"({self.camera_confidence:.2f}), {n} flag{'s' if n != 1 else ''})")

    @property
    def num_frames(self) -> int:
        return int(self.frames.shape[0])

    def flagged_frames(self) -> list[int]:
        """Sorted frame indices that carry at least one flag."""
        return sorted({f.frame for f in self.flags})

    def summary(self) -> str:
        """A few lines in words: scores, camera, and each flag — its explanation in a creator's
        words (:meth:`Flag.explain`), then what was measured."""
        t, h, w = self.frames.shape[:3]
        s = self.scores
        fps = f" at {self.fps:g} fps" if self.fps else ""
        lines = [
            f"Continuity report: {t} frames of {w}x{h}{fps}, reference = {self.reference_kind}",
            f"  camera: {self.camera_motion} (confidence {self.camera_confidence:.2f}; "
            f"VBench rule: {', '.join(self.camera_vbench)})",
            f"  similarity to reference: SSIM mean {s['ssim_ref_mean']:.3f}, "
            f"min {s['ssim_ref_min']:.3f}; PSNR mean {s['psnr_ref_mean']:.1f} dB",
            f"  temporal flickering {s['temporal_flickering']:.4f}, motion smoothness "
            f"{s['motion_smoothness']:.4f}, dynamic degree {s['dynamic_degree']:.0f} "
            f"({s['moving_pairs']:.0f}/{t - 1} pairs above {s['dynamic_threshold']:.1f} px)",
            f"  i2v subject {s['i2v_subject']:.3f}, i2v background {s['i2v_background']:.3f}"
            + (f", feature i2v subject {s['i2v_subject_feature']:.3f}"
               if "i2v_subject_feature" in s else ""),
        ]
        if not self.flags:
            lines.append("  no continuity flags")
        else:
            lines.append(f"  {len(self.flags)} flag{'s' if len(self.flags) > 1 else ''}:")
            for f in self.flags:
                lines += [f"    - frame {f.frame}: {f.kind} — {f.explain()}", f"      {f.reason}"]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        import html

        return f"<pre>{html.escape(self.summary())}</pre>"

    def to_dict(self, *, per_frame: bool = True) -> dict[str, Any]:
        """A JSON-serialisable dict (NaN and infinities become ``None``)."""
        from i2v_nb.io import jsonable  # the one JSON-safe converter (io is slow to import)

        t, h, w = self.frames.shape[:3]
        d: dict[str, Any] = {
            "num_frames": t, "width": w, "height": h, "fps": self.fps,
            "reference": self.reference_kind,
            "scores": jsonable(dict(self.scores), max_array_size=None),
            "camera_motion": self.camera_motion,
            "camera_confidence": jsonable(float(self.camera_confidence)),
            "camera_vbench": list(self.camera_vbench),
            "flags": [f.to_dict() for f in self.flags],
        }
        if per_frame:
            d["per_frame"] = {c: jsonable(self.per_frame[c].tolist(), max_array_size=None)
                              for c in self.per_frame}
        return d

    def plot(self, *, max_flags: int = 4, figsize: tuple[float, float] | None = None):
        """Aligned per-frame curves with flags marked, thumbnails of flagged frames, a flow view.

        Uses matplotlib's object API (no pyplot state): the returned ``Figure`` displays in a
        notebook and saves with ``fig.savefig("report.png")``.
        """
        from i2v_nb.diagnostics.plots import plot_report

        return plot_report(self, max_flags=max_flags, figsize=figsize)

    def show_flag(self, index: int = 0, *, figsize: tuple[float, float] | None = None):
        """Draw flag ``index`` of :attr:`flags`: the frames before, at and after it with the
        flag's region outlined (``flag.box``), and the flow-warp residual map of the flagged pair
        (a colour drift shows its colour-shift curve, a reversal the global motion, a morph the
        swell map). Titled with the flag's explanation.

        Like :meth:`plot`, returns a matplotlib ``Figure`` (object API, no pyplot state) that a
        notebook displays and ``fig.savefig(...)`` saves.

        >>> report.show_flag(0)                                # doctest: +SKIP

        Raises:
            ParameterError: ``index`` is not the position of a flag.
        """
        if not isinstance(index, (int, np.integer)) or not -len(self.flags) <= index < len(
                self.flags):
            from i2v_nb.errors import ParameterError

            raise ParameterError(f"index={index!r} is not a flag of this report, which has "
                                 f"{len(self.flags)} flag(s); pass 0 to {len(self.flags) - 1} "
                                 "(report.flags lists them)")
        from i2v_nb.diagnostics.plots import plot_flag

        return plot_flag(self, int(index), figsize=figsize)


#: Clips this long or longer show a progress bar by default (a shorter one takes about a second).
PROGRESS_MIN_FRAMES = 64


def continuity_report(clip_or_frames: Any, *, reference: Any = None, fps: float | None = None,
                      flow_size: int = 512, flow_preset: str = "fast",
                      feature_model: Any = None, progress: Any = None) -> ContinuityReport:
    """Measure frame-by-frame continuity of a clip on a CPU: metrics, flags, scores, camera.

    Every metric is computed per frame (pair metrics on the later frame of each pair) and kept in
    ``report.per_frame``; the clip-level ``report.scores`` are:

    * ``temporal_flickering`` — VBench exactly: ``(255 − mean_t MAE(f_t, f_t−1)) / 255``.
    * ``dynamic_degree`` — VBench's rule (1.0 dynamic / 0.0 static) on DIS flow: a pair moves when
      the mean of its top 5 % flow magnitudes exceeds ``max(1, 8/fps)·6·min(H,W)/256·1.03``
      (calibration in :data:`~i2v_nb.diagnostics.scores.DYNAMIC_CALIBRATION`), dynamic when at
      least ``round(4N/16)`` pairs move, frames sampled every ``max(1, round(fps/8))`` as VBench;
      ``moving_fraction`` is the share of moving pairs (continuous).
    * ``motion_smoothness`` — ``(255 − mean_t warp_mad_t) / 255`` with the occlusion-masked
      flow-warp residual (Lai et al.); see :func:`~i2v_nb.diagnostics.scores.motion_smoothness`.
    * ``warp_error`` — Lai et al.'s E_warp, mean over pairs (RGB in [0, 1]).
    * ``i2v_subject`` — VBench++ form ``0.4·max_t s(ref, f_t) + 0.3·mean s(f_t−1, f_t) +
      0.3·min s(f_t−1, f_t)`` with ``s`` = greyscale SSIM (structure).
    * ``i2v_background`` — same form with ``s`` = 1 − colour-histogram Hellinger distance
      (global colour/appearance, standing in for DreamSim).
    * ``i2v_subject_feature`` / ``i2v_background_feature`` — the same form with cosine similarity
      of the feature model's embeddings, when ``feature_model`` is given (DINO-like for subject;
      the same model for both).
    * ``camera_motion`` (attribute) — the dominant move of the per-pair global motion, pairs
      explained by a flag left out (see
      :func:`~i2v_nb.diagnostics.camera.dominant_camera_motion`); ``camera_vbench`` — VBench's
      border-point rule on the tracked 10×10 grid.
    * ``ssim_ref_mean``/``_min``, ``psnr_ref_mean``, ``ssim_prev_mean``, ``color_drift_max``,
      ``flow_mean``, ``camera_*`` totals (``psnr_ref_mean`` caps identical frames' infinite
      PSNR at 100 dB).

    >>> import i2v_nb
    >>> report = i2v_nb.continuity_report(clip)              # doctest: +SKIP
    >>> report.flags, report.camera_motion                   # doctest: +SKIP
    >>> report.plot()                                        # doctest: +SKIP

    Args:
        clip_or_frames: a ``Clip`` (anything with ``.frames``, optional ``.fps``, ``.source``), a
            ``(T, H, W, 3)`` array or a list of frames (uint8, or float in [0, 1]).
        reference: the image the clip should keep (path, PIL, array); default the clip's
            ``source``, else its first frame. Resized (centre-crop to the aspect, then resize)
            to the frame size when it differs.
        fps: frame rate (default the clip's; used for times and VBench's dynamic-degree rule).
        flow_size: longer side, in pixels, at which optical flow is computed.
        flow_preset: DIS preset, ``"ultrafast"``, ``"fast"`` or ``"medium"``.
        feature_model: optional transformers vision model (DINOv2/CLIP) or a local directory
            with safetensors weights, for the feature-similarity versions (see
            :func:`~i2v_nb.diagnostics.features.load_feature_model`).
        progress: as every long call (:mod:`i2v_nb._progress`); the default shows a bar only
            for clips of :data:`PROGRESS_MIN_FRAMES` frames or more (shorter ones take a second).

    Returns:
        A :class:`ContinuityReport`.

    Raises:
        VideoInputError: frames of the wrong shape/dtype, smaller than 16×16, or a bad fps.
    """
    from i2v_nb._progress import progress_reporter

    frames, ref, fps, ref_kind = as_clip_input(clip_or_frames, reference=reference, fps=fps)
    t_count, h, w = frames.shape[:3]
    report, close = progress_reporter(
        progress if progress is not None or t_count >= PROGRESS_MIN_FRAMES else False,
        desc="continuity report", unit="frame")
    try:
        return _report(frames, ref, fps, ref_kind, flow_size, flow_preset, feature_model,
                       report)
    finally:
        close()


def _report(frames: np.ndarray, ref: np.ndarray, fps: float | None, ref_kind: str,
            flow_size: int, flow_preset: str, feature_model: Any,
            report: Any) -> ContinuityReport:
    import pandas as pd

    t_count, h, w = frames.shape[:3]
    wh, ww = _flow.work_shape(h, w, flow_size)
    sx, sy = w / ww, h / wh
    dis = _flow.dis_flow(flow_preset)

    import cv2

    def small(img: np.ndarray) -> np.ndarray:
        if (wh, ww) == (h, w):
            return img
        return cv2.resize(img, (ww, wh), interpolation=cv2.INTER_AREA)

    ref_grey = to_grey(ref)
    ref_stats = _sim.ssim_stats(ref_grey)
    ref_hist = _sim.color_histogram(ref)
    rows: list[dict[str, float]] = []
    preview: dict[int, np.ndarray] = {}
    work: dict = {}  # scratch arrays reused by every SSIM
    spare = None  # statistics of frame i-2, overwritten by frame i
    grid = _flow.grid_points(wh, ww)
    tracks = [grid.astype(np.float64)]
    track_steps: list[np.ndarray] = []
    prev = None  # (rgb, stats, hist, small rgb, small grey)
    maps = _regions.RegionMaps.empty(t_count, height=h, width=w)
    kept: dict = {}  # the warped frame, for the region maps
    nan = float("nan")

    def pair_metrics(i: int, p_srgb: np.ndarray, p_sgrey: np.ndarray, srgb: np.ndarray,
                     sgrey: np.ndarray) -> dict[str, float]:
        """Flow, warp error, global motion, tracks and region maps of the pair (i−1, i)."""
        fw = dis.calc(p_sgrey, sgrey, None)
        bw = dis.calc(sgrey, p_sgrey, None)
        we = _flow.warp_error(p_srgb, srgb, fw, bw, out=kept)
        if sx == sy:  # magnitudes scale with the flow: no full-size copy needed
            mags = {k: v * sx for k, v in _flow.flow_magnitude_stats(fw).items()}
        else:
            mags = _flow.flow_magnitude_stats(fw * np.float32([sx, sy]))
        gm = _flow.global_motion(fw)
        step = _flow.sample_flow(fw, tracks[-1])
        track_steps.append(step)
        tracks.append(tracks[-1] + step)
        preview[i] = cv2.resize(fw, (max(8, ww // 4), max(8, wh // 4)),
                                interpolation=cv2.INTER_AREA) * np.float32([sx, sy])
        maps.add_pair(i, p_srgb, srgb, kept["warped"], preview[i], previous_grey=p_sgrey,
                      current_grey=sgrey)
        return {"flow_mean": mags["mean"], "flow_p95": mags["p95"], "flow_top5": mags["top5"],
                "warp_error": we["mse"], "warp_mad": we["mad"], "residual": we["residual"],
                "occluded": we["occluded"], "pan_x": gm.pan_x * sx, "pan_y": gm.pan_y * sy,
                "zoom": gm.zoom, "rotation": gm.rotation, "motion_inliers": gm.inliers,
                "shear": gm.shear * sx / sy}

    # The pair's flow work (OpenCV, which releases the GIL) runs in a second thread while this
    # one measures the frame: same numbers, less wall-clock time on two or more cores.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="i2v-flow") as pool:
        for i in range(t_count):
            rgb = frames[i]
            grey = to_grey(rgb)
            srgb = small(rgb)
            sgrey = small(grey)
            pending = None if prev is None else pool.submit(pair_metrics, i, prev[3], prev[4],
                                                            srgb, sgrey)
            stats = _sim.ssim_stats(grey, out=spare)
            hist = _sim.color_histogram(rgb)
            row = {
                "frame": i, "time_s": i / fps if fps else nan,
                "ssim_ref": _sim.ssim_from_stats(ref_stats, stats, work=work),
                "psnr_ref": _sim.psnr(rgb, ref),
                "color_drift": _sim.color_drift(hist, ref_hist),
                "brightness": float(cv2.mean(grey)[0]),
            }
            if prev is None:
                row.update({k: nan for k in _PAIR_COLUMNS})
            else:
                p_rgb, p_stats, p_hist = prev[:3]
                row.update({
                    "ssim_prev": _sim.ssim_from_stats(p_stats, stats, work=work),
                    "psnr_prev": _sim.psnr(rgb, p_rgb),
                    "mad_prev": _scores.mean_abs_diff(rgb, p_rgb),
                    "color_drift_prev": _sim.color_drift(hist, p_hist),
                })
                row.update(pending.result())
            rows.append(row)
            spare = prev[1] if prev is not None else None
            prev = (rgb, stats, hist, srgb, sgrey)
            report(i + 1, t_count)
    per_frame = pd.DataFrame(rows, columns=list(COLUMNS))
    per_frame["frame"] = per_frame["frame"].astype(int)
    shift = _gradual.colour_shift_lab(maps)
    per_frame["color_shift"] = np.linalg.norm(shift, axis=1)
    per_frame["color_shift_recent"] = _gradual.recent_shift(shift)

    feature_scores: dict[str, float] = {}
    if feature_model is not None:
        from i2v_nb.diagnostics.features import feature_similarities

        sims = feature_similarities(frames, ref, feature_model)
        per_frame["feature_sim_ref"] = sims["to_reference"]
        per_frame["feature_sim_prev"] = sims["to_previous"]
        cons = _scores.i2v_consistency(sims["to_reference"], sims["to_previous"][1:])
        feature_scores = {"i2v_subject_feature": cons, "i2v_background_feature": cons}

    def skip_residual(a: int, b: int) -> float:
        ga, gb = small(to_grey(frames[a])), small(to_grey(frames[b]))
        f = dis.calc(ga, gb, None)
        warped, inside = _flow.warp_image(small(frames[b]), f)
        if not inside.any():
            return nan
        return float(np.mean(cv2.mean(cv2.absdiff(small(frames[a]), warped),
                                      mask=inside.astype(np.uint8))[:3]))

    def skip_cells(a: int, b: int) -> np.ndarray:
        f = dis.calc(small(to_grey(frames[a])), small(to_grey(frames[b])), None)
        return _regions.residual_cells(small(frames[a]), _flow.warp_image(small(frames[b]),
                                                                          f)[0])

    flags = _flags.detect_flags(per_frame, skip_residual=skip_residual)
    flags = _local.merge_flags(flags, _local.local_flags(maps, skip_cells=skip_cells,
                                                                frames=frames))
    explained = {i for f in flags if f.box is None
                 for i in range(f.frame, (f.last or f.frame) + 2)}
    flags = flags + _gradual.gradual_flags(maps, per_frame, skip=explained)
    if not any(f.kind in ("cut", "identity_loss") for f in flags):  # frame 0 still comparable
        flags += _shape.morph_flags(frames)
    flags = sorted(flags, key=lambda f: (f.frame, f.kind))

    pf = per_frame
    scores = _clip_scores(pf, frames, h=h, w=w, fps=fps, flow_size=flow_size,
                          flow_preset=flow_preset)
    scores.update(feature_scores)
    # camera motion leaves out the pairs a flag explains (a cut's "flow" is meaningless)
    skip = set()
    for f in flags:
        if f.kind in ("flash", "glitch"):
            skip.update({f.frame, f.frame + 1})
        elif f.kind in ("cut", "jump", "identity_loss"):
            skip.add(f.frame)
    use = np.array([i not in skip for i in range(1, t_count)], bool)
    label, conf, cam = _camera.dominant_camera_motion(
        *(pf[c].to_numpy()[1:][use] for c in ("pan_x", "pan_y", "zoom", "rotation",
                                              "motion_inliers")), height=h, width=w,
        shear=pf["shear"].to_numpy()[1:][use])
    scores.update({f"camera_{k}": v for k, v in cam.items()})
    kept = [np.zeros_like(grid, np.float64)] + [
        st if use[k] else np.zeros_like(st) for k, st in enumerate(track_steps)]
    track_arr = (grid + np.cumsum(kept, axis=0)).astype(np.float32) * np.float32([sx, sy])
    vb = _flow.vbench_camera_labels(track_arr[0], track_arr[-1], min_reso=min(h, w))
    return ContinuityReport(per_frame=per_frame, scores=scores, flags=flags, camera_motion=label,
                            camera_confidence=conf, camera_vbench=vb, frames=frames,
                            reference=ref, reference_kind=ref_kind, fps=fps,
                            flow_preview=preview, tracks=track_arr, regions=maps)


def _clip_scores(pf, frames: np.ndarray, *, h: int, w: int, fps: float | None,
                 flow_size: int = 512, flow_preset: str = "fast") -> dict[str, float]:
    t = len(pf)
    top5 = pf["flow_top5"].to_numpy()[1:]
    if fps and round(fps / 8) > 1:  # VBench samples every round(fps/8)-th frame
        step = max(1, round(fps / 8))
        idx = list(range(0, t, step))
        top5 = [_flow.flow_magnitude_stats(_flow.optical_flow(
                    frames[a], frames[b], preset=flow_preset, max_side=flow_size))["top5"]
                for a, b in zip(idx[:-1], idx[1:], strict=False)]
        n_used = len(idx)
    else:
        n_used = t
    dd = _scores.dynamic_degree(top5, height=h, width=w, fps=fps, num_frames=n_used)
    mean = lambda c: float(np.nanmean(pf[c])) if pf[c].notna().any() else float("nan")  # noqa
    hist_sim = 1.0 - pf["color_drift"].to_numpy()
    hist_sim_prev = 1.0 - pf["color_drift_prev"].to_numpy()[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return {
            "temporal_flickering": _scores.temporal_flickering(pf["mad_prev"].to_numpy()[1:]),
            "dynamic_degree": dd["dynamic_degree"],
            "moving_fraction": dd["moving_fraction"],
            "moving_pairs": dd["moving_pairs"],
            "dynamic_threshold": dd["threshold"],
            "motion_smoothness": _scores.motion_smoothness(pf["warp_mad"].to_numpy()[1:]),
            "warp_error": mean("warp_error"),
            "i2v_subject": _scores.i2v_consistency(pf["ssim_ref"], pf["ssim_prev"][1:]),
            "i2v_background": _scores.i2v_consistency(hist_sim, hist_sim_prev),
            "ssim_ref_mean": mean("ssim_ref"),
            "ssim_ref_min": float(pf["ssim_ref"].min()),
            "psnr_ref_mean": float(np.mean(np.minimum(pf["psnr_ref"].to_numpy(), 100.0))),
            "ssim_prev_mean": mean("ssim_prev"),
            "color_drift_max": float(pf["color_drift"].max()),
            "flow_mean": mean("flow_mean"),
        }

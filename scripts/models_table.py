"""Print the README's models table (Markdown) from the model registry.

Constraints, defaults and licences come from ``i2v_nb.synthesis.registry``; peak VRAM and RAM
per memory profile from ``i2v_nb.plan`` (computed from the counted parameters at the preset's
defaults), so the README never drifts from the code:

    .venv/bin/python scripts/models_table.py            # real models + the preview engine
    .venv/bin/python scripts/models_table.py --tiny     # also the tiny test twins
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


def _memory(model) -> str:
    """Planned peak VRAM (RAM) in GB per memory profile at the preset's defaults."""
    from i2v_nb.errors import ParameterError
    from i2v_nb.synthesis.memory import PROFILES
    from i2v_nb.synthesis.plan import plan

    cells = []
    for profile in PROFILES:
        try:
            p = plan(model.name, profile=profile)
        except ParameterError:  # nothing counted (the preview engine): it runs on the CPU
            return "CPU"
        cells.append(f"{p.vram_gb:.0f} ({p.ram_gb:.0f})")
    return " · ".join(cells)


def table(*, include_tiny: bool = False) -> str:
    """The Markdown table of the registered models."""
    from i2v_nb.synthesis.capabilities import CAPABILITIES
    from i2v_nb.synthesis.registry import models

    head = ("| preset (`model=`) | hub id / pipeline | text prompt | default size · frames · fps · "
            "steps | frames rule | size rule | can (`models(can=...)`) | "
            "VRAM (RAM) GB: fast · balanced · low-vram · colab-t4 | licence |")
    rows = [head, "|" + "|".join(["---"] * 9) + "|"]
    for m in models(include_tiny=include_tiny):
        d = m.defaults
        if m.sizes_from_image:  # the built-in engine sized from the picture
            hub = "built in: CPU preview engine (no weights)"
            frames, size = "any", "any (fitted to the image)"
        else:
            hub = f"`{m.hub_id}`<br>`{m.pipeline_class}`" if m.hub_id else \
                f"tiny twin<br>`{m.pipeline_class}`"
            frames = m.frame_rule + (f", {m.min_frames}–{m.max_frames}" if m.fixed_frames is None
                                     else "")
            size = m.size_rule
            if m.fixed_sizes is not None and len(m.fixed_sizes) > 4:  # buckets: say how many
                sides = [v for s in m.fixed_sizes for v in s]
                size = (f"{len(m.fixed_sizes)} sizes, sides {min(sides)}–{max(sides)} px, at "
                        f"most {max(w * h for w, h in m.fixed_sizes):,} px (the one nearest "
                        "the picture's aspect ratio)")
        shown = [k for k, knob in m.knobs.items() if not knob.advanced]
        knobs = f"<br>knobs: {', '.join(f'`{k}`' for k in shown)}" if shown else ""
        vram = _memory(m)
        licence = f"[{m.licence}]({m.licence_url})" if m.licence_url else m.licence
        defaults = (f"{d['width']}×{d['height']} · {d['num_frames']} · {d['fps']:g} · "
                    f"{d['num_inference_steps']}")
        if m.sizes_from_image:  # sized from the image; no denoising steps
            defaults = (f"image aspect, long side {m.auto_long_side} · {d['num_frames']} · "
                        f"{d['fps']:g} · –")
        can = ", ".join(c for c in CAPABILITIES if c in m.capabilities and c != "text_prompt")
        if m.needs:
            can += " (needs " + ", ".join(sorted(m.needs)) + ")"
        if m.superseded_by:
            hub += f"<br>superseded by `{m.superseded_by}`"
        rows.append(f"| `{m.name}` | {hub} | {'yes' if m.uses_prompt else 'no (image only)'} | "
                    f"{defaults}{knobs} | {frames} | {size} | {can or '–'} | {vram} | {licence} |")
    rows.append("")
    rows.append("VRAM (RAM) figures are peak GPU memory (and system RAM) in GB for one clip at the "
                "default settings, planned by `i2v_nb.plan(model, profile=...)`: weights exact "
                "from the parameters counted in the models' configs, activations and the VAE "
                "decode estimated from the frame count and size (formulas in "
                "`i2v_nb/synthesis/plan.py`); not yet measured on a GPU. fast: all on the GPU; "
                "balanced: model CPU offload + VAE tiling; low-vram: group offload by layers "
                "(its pinned copies hold the weights twice in RAM at the peak), SVD: model "
                "offload; colab-t4: float16, int8 text encoders, the denoiser by blocks. "
                "`profile=\"auto\"` picks the fastest profile that fits the free memory; Wan 2.2 "
                "A14B's two experts are both on the GPU only under fast. "
                "Frame counts and sizes that break a rule are snapped to the nearest legal value "
                "with a warning. \"can\" lists capabilities besides a text prompt: `last_frame` "
                "(`last_image=`), `keyframes` (`keyframes={index: image}`), `video_condition`, "
                "`long_video`, `upsample`; a model refuses a request that uses one it lacks, "
                "naming the models that have it. Superseded presets keep working.")
    return "\n".join(rows)


START, END = "<!-- models:start -->", "<!-- models:end -->"
README = os.path.join(os.path.dirname(__file__), "..", "README.md")


def readme_with_table(text: str) -> str:
    """README text with the block between the models markers replaced by the current table."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table()}\n{END}{tail}"


def main() -> int:
    parser = argparse.ArgumentParser(description="print the README's models table")
    parser.add_argument("--tiny", action="store_true", help="include the tiny test twins")
    parser.add_argument("--write", action="store_true", help="rewrite the table in README.md")
    args = parser.parse_args()
    if args.write:
        with open(README, encoding="utf-8") as f:
            text = f.read()
        with open(README, "w", encoding="utf-8") as f:
            f.write(readme_with_table(text))
        return 0
    print(table(include_tiny=args.tiny))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Tiny offline twins of every image-to-video model family.

A twin is a pipeline of the *same diffusers class* as the real model, built from configs with
tiny random weights, entirely offline: transformers, UNets, VAEs, schedulers, text encoders,
image encoders and tokenizers are all created in code (no hub download of anything). A call
takes well under a second on CPU, so tests can prove the real wiring of every family --
argument names, callbacks, latent layouts, output shapes -- without weights or a GPU. The frames
it makes are noise-like: twins are for testing plumbing, never for looking at.

Every twin keeps its family's *rules*: the same VAE spatial/temporal compression, the same
patch sizes, the same conditioning scheme and the same latent layout in step callbacks as the
real checkpoint, so frame-count rules (4k+1, 8k+1) and size multiples carry over unchanged.

===========  =================================  ============================================  ======
family       diffusers class (real checkpoint)  what was shrunk (the rest as the real model)  s/call
===========  =================================  ============================================  ======
svd          StableVideoDiffusionPipeline       UNet (32, 64) ch, 1 layer/block; VAE 4 x 32   0.26
             (stabilityai/stable-video-         ch (still 8x); CLIP-ViT 1 layer, 32 wide,
             diffusion-img2vid[-xt])            224 px, patch 32. 32x32, 4 frames, 2 steps.
cogvideox    CogVideoXImageToVideoPipeline      transformer 1 layer, 2 x 16 heads, learned    0.16
             (THUDM/CogVideoX-5b-I2V)           pos-emb for its one trained size (32x32);
                                                VAE 4 x 8 ch (8x, 4x in time); T5 2 layers,
                                                32 wide. 32x32, 9 frames, 2 steps.
ltx          LTXImageToVideoPipeline            transformer 1 layer, 4 x 8 heads; VAE 4 x 8   0.04
             (Lightricks/LTX-Video)             ch, patch 4 (still 32x, 8x in time); T5 2
                                                layers. 32x32, 9 frames, 2 steps.
wan          WanImageToVideoPipeline            transformer 1 layer, 2 x 12 heads; VAE base   0.19
             (Wan-AI/Wan2.1-I2V-14B-            3 ch (8x, 4x in time, z 16); UMT5 -> T5 2
             480P-Diffusers, 720P)              layers; CLIP-ViT 2 layers, 8 wide, 32 px,
                                                patch 8. 16x16, 5 frames, 2 steps.
wan-ti2v     WanImageToVideoPipeline            Wan 2.2 TI2V: no image encoder,               0.27
             (Wan-AI/Wan2.2-TI2V-5B-            expand_timesteps; VAE base 3 ch, patch 2
             Diffusers)                         (16x, 4x in time, z 48); transformer 1
                                                layer. 32x32, 5 frames, 2 steps.
hunyuan      HunyuanVideoImageToVideoPipeline   transformer 1 + 1 single layer, 2 x 10 heads  0.28
             (hunyuanvideo-community/           (token_replace + guidance embedding, as the
             HunyuanVideo-I2V)                  real 16-channel I2V); VAE 4 x 8 ch (8x, 4x
                                                in time); Llava = Llama 2 layers, 16 wide +
                                                CLIP-ViT 24 px, patch 1 (576 image tokens,
                                                as the template expects); CLIP text 1 layer.
                                                16x16, 5 frames, 2 steps.
framepack    HunyuanVideoFramepackPipeline      as hunyuan, with Llama (no Llava) and a       0.20
             (lllyasviel/FramePackI2V_HY)       SigLIP of 1 layer, 32 px, patch 8. 16x16,
                                                one section (latent_window_size 2) -> 9
                                                frames, 2 steps.
wan-a14b     WanImageToVideoPipeline            Wan 2.2 A14B: two 1-layer experts             0.18
             (Wan-AI/Wan2.2-I2V-A14B-           (transformer, transformer_2) switched at
             Diffusers)                         boundary_ratio 0.9; no image encoder; Wan
                                                2.1's VAE. 16x16, 5 frames, 2 steps.
wan-flf2v    WanImageToVideoPipeline            as wan, with learned positions for the first  0.10
             (Wan-AI/Wan2.1-FLF2V-14B-720P-     and the last frame's CLIP tokens (2 x 17);
             diffusers)                         needs last_image. 16x16, 5 frames, 2 steps.
ltx-         LTXConditionPipeline               the ltx twin's components (no dynamic         0.04
condition    (Lightricks/LTX-Video-0.9.8-13B-   shifting: the pipeline sets its own
             distilled, 2B)                     timesteps). 32x32, 9 frames, 2 steps.
cogvideox15  CogVideoXImageToVideoPipeline      CogVideoX 1.5: rotary positions only,         0.14
             (THUDM/CogVideoX1.5-5B-I2V)        temporal patch 2, ofs embedding.
                                                32x32 (also 48x32, 32x48), 9 frames, 2 steps.
hunyuan15    HunyuanVideo15ImageToVideo-        transformer 1 layer; VAE 16x/4x, 4 latent     0.34
             Pipeline (hunyuanvideo-community/  channels; Qwen2.5-VL text model 2 layers
             HunyuanVideo-1.5-480p_i2v)         (chat template cropped at 108 tokens, as
                                                the real one); ByT5 bytes into a 2-layer T5;
                                                SigLIP 1 layer; a CFG guider. Sizes: the
                                                buckets of target_size 32. 5 frames, 2 steps.
skyreels     SkyReelsV2ImageToVideoPipeline     Wan 2.1 I2V's layout in SkyReels' 1-layer     0.11
             (Skywork/SkyReels-V2-I2V-14B-      transformer. 16x16, 9 frames, 2 steps.
             540P-Diffusers)
skyreels-    SkyReelsV2ImageToVideoPipeline     as skyreels, with first/last image-token      0.12
flf2v        (...-FLF2V-1.3B-540P-Diffusers)    positions; needs last_image.
skyreels-df  SkyReelsV2DiffusionForcing-        16 channels in, per-frame timesteps; windows  0.13
             ImageToVideoPipeline (...-DF-14B-  of base_num_frames 9 overlapping by 5 for
             540P-Diffusers)                    longer clips. 16x16, 9 frames, 2 steps.
===========  =================================  ============================================  ======

Seconds per call: median of 5 calls with ``TINY_DEFAULTS``, ``output_type="np"`` and a step
callback, float32, ``torch.set_num_threads(1)``, on the shared 2-core CPU machine these were
written on (``python benchmarks/bench_tiny.py``; a later run under heavier load gave 0.14-0.69 s).
The issue-13 twins' figures are the median ``pipeline_s`` of 5 ``generate`` calls with their
presets' defaults (``tiny-<family>``), measured the same way (wan: 0.18 in that run).
Building a twin takes 0.05-0.6 s once diffusers is imported. Use one torch thread for twins on
a busy machine: with two threads the same calls took 1.5-4 s there, the threads spinning
against other processes.

Tokenizers are built in code with the ``tokenizers`` library (a Unigram model whose vocabulary
holds whole common words and every single letter, digit and punctuation mark, so any prompt
encodes and different prompts give different ids) and wrapped in ``PreTrainedTokenizerFast``.
The Llama-style tokenizer of the HunyuanVideo twins splits each pipeline's default prompt
template into exactly as many tokens as Llama-3 does (``crop_start`` 103 with ``<image>`` at 5 for
I2V, 95 for FramePack), so the pipelines' prompt cropping works on the twins as on the real model.
Twins round-trip through ``save_pretrained(dir)`` / ``from_pretrained(dir, use_safetensors=True)``.

>>> from i2v_nb.testing import tiny_pipeline, TINY_DEFAULTS
>>> pipe = tiny_pipeline("wan", seed=0)                           # doctest: +SKIP
>>> out = pipe(image=image, prompt="a cat", output_type="np",     # doctest: +SKIP
...            **TINY_DEFAULTS["wan"])
>>> out.frames.shape                                              # doctest: +SKIP
(1, 5, 16, 16, 3)
"""

from __future__ import annotations

from typing import Any, Callable

from i2v_nb.errors import ParameterError
from i2v_nb.testing.tiny.cogvideox import build_cogvideox, build_cogvideox15
from i2v_nb.testing.tiny.defaults import (
    TINY_DEFAULTS,
    TINY_FAMILIES,
    TINY_NEEDS,
    TINY_OUTPUT_FRAMES,
    TINY_PIPELINE_CLASSES,
)
from i2v_nb.testing.tiny.hunyuan import build_framepack, build_hunyuan
from i2v_nb.testing.tiny.hunyuan15 import build_hunyuan15
from i2v_nb.testing.tiny.ltx import build_ltx, build_ltx_condition, build_ltx_latent_upsampler
from i2v_nb.testing.tiny.skyreels import build_skyreels, build_skyreels_df, build_skyreels_flf2v
from i2v_nb.testing.tiny.svd import build_svd
from i2v_nb.testing.tiny.wan import build_wan, build_wan_a14b, build_wan_flf2v, build_wan_ti2v

__all__ = [
    "TINY_FAMILIES",
    "TINY_DEFAULTS",
    "TINY_OUTPUT_FRAMES",
    "TINY_PIPELINE_CLASSES",
    "TINY_NEEDS",
    "tiny_pipeline",
    "tiny_latent_upsampler",
]

#: family -> the function that builds its twin from a seed (one module per family).
BUILDERS: dict[str, Callable[[int], Any]] = {
    "svd": build_svd,
    "cogvideox": build_cogvideox,
    "ltx": build_ltx,
    "wan": build_wan,
    "wan-ti2v": build_wan_ti2v,
    "hunyuan": build_hunyuan,
    "framepack": build_framepack,
    "wan-a14b": build_wan_a14b,
    "wan-flf2v": build_wan_flf2v,
    "ltx-condition": build_ltx_condition,
    "cogvideox15": build_cogvideox15,
    "hunyuan15": build_hunyuan15,
    "skyreels": build_skyreels,
    "skyreels-flf2v": build_skyreels_flf2v,
    "skyreels-df": build_skyreels_df,
}


def tiny_pipeline(family: str, *, seed: int = 0) -> Any:
    """Build the tiny offline twin of an image-to-video model family.

    The twin is an instance of the same diffusers pipeline class as the real model, with random
    weights drawn from ``seed`` (the global torch RNG is left as it was), in float32 on CPU,
    built without touching the network. Call it exactly like the real model, e.g. with
    ``image=<PIL image>``, ``prompt=``, ``generator=``, ``output_type="np"``,
    ``callback_on_step_end=`` and the arguments in ``TINY_DEFAULTS[family]``.

    >>> pipe = tiny_pipeline("svd", seed=0)                       # doctest: +SKIP
    >>> type(pipe).__name__                                       # doctest: +SKIP
    'StableVideoDiffusionPipeline'

    Args:
        family: One of ``TINY_FAMILIES``.
        seed: Seed of every random weight; the same seed gives identical weights.

    Returns:
        A diffusers ``DiffusionPipeline`` of the family's class (see ``TINY_PIPELINE_CLASSES``).

    Raises:
        ParameterError: ``family`` has no twin.
    """
    builder = BUILDERS.get(family)
    if builder is None:
        known = ", ".join(TINY_FAMILIES)
        raise ParameterError(f"no tiny twin for model family {family!r}: choose one of {known}")
    import torch

    from i2v_nb._quiet_imports import quiet_torchao

    quiet_torchao()  # diffusers imports torchao when it is installed: without its log noise

    with torch.random.fork_rng(devices=[]):
        pipe = builder(int(seed))
    pipe.to("cpu")
    return pipe


def tiny_latent_upsampler(*, seed: int = 0) -> Any:
    """The twin of LTX-Video's latent upsampler pipeline (``LTXLatentUpsamplePipeline``, the
    second pass of the LTX 0.9.8 presets' ``upsample`` capability), built offline like
    :func:`tiny_pipeline` (float32 on CPU, the global torch RNG left as it was).

    >>> type(tiny_latent_upsampler()).__name__                     # doctest: +SKIP
    'LTXLatentUpsamplePipeline'
    """
    import torch

    from i2v_nb._quiet_imports import quiet_torchao

    quiet_torchao()
    with torch.random.fork_rng(devices=[]):
        pipe = build_ltx_latent_upsampler(int(seed))
    pipe.to("cpu")
    return pipe

"""The motion vocabulary: the names a :class:`~i2v_nb.prompting.MotionSpec` is written in.

Camera moves, subject motions, environment effects, the model families prompts are written for,
and each family's default negative prompt. Pure data: the parser's English rules that recognise
these names live in :mod:`i2v_nb.prompting.rules`, the phrases that write them back in
:mod:`i2v_nb.prompting.wording`.

>>> "dolly_in" in CAMERA_MOVES, "clouds_drift" in ENVIRONMENT_EFFECTS
(True, True)
>>> DEFAULT_NEGATIVE_PROMPTS["svd"] is None  # SVD takes no text at all
True
"""

from __future__ import annotations

__all__ = [
    "CAMERA_MOVES",
    "SUBJECT_MOTIONS",
    "ENVIRONMENT_EFFECTS",
    "FAMILIES",
    "DEFAULT_NEGATIVE_PROMPTS",
]

#: The camera vocabulary: the camera's own move (pan left → content moves right in the frame).
CAMERA_MOVES: tuple[str, ...] = (
    "static", "zoom_in", "zoom_out", "pan_left", "pan_right", "tilt_up", "tilt_down",
    "orbit_left", "orbit_right", "dolly_in", "dolly_out", "roll",
)
#: Known subject motions (``MotionSpec.subject`` may also hold other short verbs).
SUBJECT_MOTIONS: tuple[str, ...] = (
    "turn_head", "blink", "smile", "walk", "run", "wave", "hair_moving", "nod", "talk",
    "breathe", "dance", "laugh",
)
#: Known environment effects.
ENVIRONMENT_EFFECTS: tuple[str, ...] = (
    "wind", "water_ripples", "waves", "clouds_drift", "rain", "snow", "fog", "smoke",
    "fire_flicker", "light_change", "day_to_night",
)
#: Model families ``build_prompt`` knows (the model registry's presets carry one of these).
FAMILIES: tuple[str, ...] = ("svd", "cogvideox", "ltx", "wan", "hunyuan", "framepack", "preview")

#: Default negative prompts per family (None: the family takes no negative prompt).
DEFAULT_NEGATIVE_PROMPTS: dict[str, str | None] = {
    "svd": None,
    "cogvideox": ("blurry, low quality, distorted, deformed, jittery motion, flickering, "
                  "morphing faces, extra limbs, watermark, text, subtitles, static frame"),
    # Wan's recommended negative prompt (English translation of the model card's Chinese one).
    "wan": ("bright tones, overexposed, static, blurred details, subtitles, style, works, "
            "paintings, images, static, overall gray, worst quality, low quality, JPEG compression "
            "residue, ugly, incomplete, extra fingers, poorly drawn hands, poorly drawn faces, "
            "deformed, disfigured, misshapen limbs, fused fingers, still picture, messy background, "
            "three legs, many people in the background, walking backwards"),
    # LTX-Video's recommended negative prompt.
    "ltx": "worst quality, inconsistent motion, blurry, jittery, distorted",
    "hunyuan": ("blurry, low quality, distorted, deformed, jittery, flickering, watermark, text, "
                "static"),
    "framepack": None,
    "preview": None,
}

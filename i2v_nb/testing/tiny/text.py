"""Tokenizers and text encoders of the tiny twins, built in code (no hub download).

Tokenizers are ``PreTrainedTokenizerFast`` over a tiny Unigram vocabulary: whole common words
and every single letter, digit and punctuation mark, so any prompt encodes and different prompts
give different ids. The Llama-style tokenizer splits the HunyuanVideo prompt templates into as
many tokens as Llama-3 does.

>>> tok = t5_tokenizer()                                          # doctest: +SKIP
>>> tok("a cat").input_ids                                        # doctest: +SKIP
[..., 1]
"""

from __future__ import annotations

import re
import string
from typing import Any

__all__ = ["t5_tokenizer", "clip_tokenizer", "llama_tokenizer", "qwen_tokenizer", "tiny_t5",
           "llama_config", "clip_text_model"]

# Whole-word pieces; any other word is spelt out in single characters.
_COMMON_WORDS = (
    "a an and the of in on at to with by for from is are as it its this that over under into "
    "camera slow slowly fast zoom pan tilt dolly orbit static still move moves moving motion "
    "left right up down forward backward around person man woman cat dog bird car sky sea water "
    "wind hair light sun cloud clouds tree trees walks walking runs running flies flying waves "
    "video image photo scene cinematic smooth realistic high quality detailed blurry low "
    "worst bad static dance monkey astronaut coffee rocket"
)


def _unigram_tokenizer(
    *,
    specials: list[str],
    template: str,
    extra_tokens: tuple[str, ...] = (),
    words: str = "",
    model_max_length: int,
    **roles: str,
) -> Any:
    """A ``PreTrainedTokenizerFast`` over a tiny Unigram vocabulary (words + characters).

    Args:
        specials: Special tokens; their ids are 0, 1, ... in this order.
        template: ``TemplateProcessing`` single-sequence template (e.g. ``"$A </s>"``).
        extra_tokens: Plain added tokens matched before pre-tokenisation (e.g. ``"\\n\\n"``).
        words: Extra whole words for the vocabulary, space separated.
        model_max_length: The tokenizer's ``model_max_length``.
        **roles: ``pad_token=``, ``unk_token=``, ``bos_token=``, ``eos_token=`` (token strings).
    """
    from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    chars = list(string.ascii_lowercase + string.digits + string.punctuation) + [" "]
    vocab_words = sorted(set((_COMMON_WORDS + " " + words).split()) - set(chars))
    vocab = [(s, 0.0) for s in specials]
    vocab += [(c, -6.0) for c in chars] + [(w, -1.0) for w in vocab_words]
    vocab += [(t, 0.0) for t in extra_tokens]
    unk = roles.get("unk_token", specials[0])
    tok = Tokenizer(models.Unigram(vocab, unk_id=specials.index(unk), byte_fallback=False))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    # Words and punctuation runs, like `Whitespace()`, plus Llama-3's habit of giving the space
    # before a number a token of its own (" 1." -> " ", "1", ".").
    tok.pre_tokenizer = pre_tokenizers.Split(
        Regex(r"\w+|[^\w\s]+| (?=\d)"), behavior="removed", invert=True
    )
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    if extra_tokens:
        tok.add_tokens([AddedToken(t, normalized=False) for t in extra_tokens])
    named = [t for t in re.findall(r"\S+", template) if t in specials]
    tok.post_processor = processors.TemplateProcessing(
        single=template,
        pair=template.replace("$A", "$A $B"),
        special_tokens=[(t, specials.index(t)) for t in dict.fromkeys(named)],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, model_max_length=model_max_length, **roles
    )


def t5_tokenizer() -> Any:
    """T5-style tokenizer: ``<pad>``=0, ``</s>``=1 appended, ``<unk>``=2."""
    return _unigram_tokenizer(
        specials=["<pad>", "</s>", "<unk>"],
        template="$A </s>",
        model_max_length=512,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
    )


def clip_tokenizer() -> Any:
    """CLIP-style tokenizer: ``<|startoftext|> ... <|endoftext|>``, padded with end-of-text."""
    return _unigram_tokenizer(
        specials=["<|startoftext|>", "<|endoftext|>"],
        template="<|startoftext|> $A <|endoftext|>",
        model_max_length=77,
        bos_token="<|startoftext|>",
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
        unk_token="<|endoftext|>",
    )


_LLAMA_SPECIALS = [
    "<pad>",
    "<unk>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<image>",
]


def llama_tokenizer() -> Any:
    """Llama-3-style tokenizer for the HunyuanVideo I2V and FramePack prompt templates."""
    from diffusers.pipelines.hunyuan_video.pipeline_hunyuan_video_image2video import (
        DEFAULT_PROMPT_TEMPLATE,
    )

    template_words = " ".join(re.findall(r"[a-z]+", DEFAULT_PROMPT_TEMPLATE["template"].lower()))
    return _unigram_tokenizer(
        specials=list(_LLAMA_SPECIALS),
        template="<|begin_of_text|> $A",
        extra_tokens=("\n\n", "\n"),
        words=template_words + " system user assistant",
        model_max_length=4096,
        bos_token="<|begin_of_text|>",
        eos_token="<|eot_id|>",
        pad_token="<pad>",
        unk_token="<unk>",
    )


#: Qwen2's chat layout (system, user, then the assistant's turn), as HunyuanVideo 1.5 applies it.
_QWEN_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def qwen_tokenizer() -> Any:
    """Qwen2-style tokenizer with a chat template, for the HunyuanVideo 1.5 twin: the template up
    to the user's text is 108 tokens, as with Qwen2.5-VL (the pipeline crops that many), so the
    prompt reaches the encoder's output whole. The system message's words are whole tokens but
    "quantity", spelt out to make the count."""
    from diffusers.pipelines.hunyuan_video1_5.pipeline_hunyuan_video1_5_image2video import (
        HunyuanVideo15ImageToVideoPipeline,
    )

    system = HunyuanVideo15ImageToVideoPipeline._get_mllm_prompt_embeds.__defaults__[2]
    tok = _unigram_tokenizer(
        specials=["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<unk>"],
        template="$A",
        extra_tokens=("\n",),
        words=" ".join(w for w in re.findall(r"[a-z]+", system.lower()) if w != "quantity")
        + " system user assistant",
        model_max_length=4096,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        unk_token="<unk>",
    )
    tok.chat_template = _QWEN_CHAT_TEMPLATE
    return tok


def tiny_t5(vocab_size: int, d_model: int = 32) -> Any:
    """A 2-layer, ``d_model``-wide T5 encoder over ``vocab_size`` ids (eval mode)."""
    from transformers import T5Config, T5EncoderModel

    config = T5Config(
        vocab_size=vocab_size,
        d_model=d_model,
        d_kv=8,
        d_ff=37,
        num_layers=2,
        num_heads=4,
        relative_attention_num_buckets=8,
        relative_attention_max_distance=32,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    return T5EncoderModel(config).eval()


def llama_config(tokenizer: Any) -> Any:
    """A 2-layer, 16-wide Llama config matching ``tokenizer``'s special ids."""
    from transformers import LlamaConfig

    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=37,
        num_attention_heads=4,
        num_key_value_heads=4,
        num_hidden_layers=2,  # the pipelines read hidden_states[-3]
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        max_position_embeddings=2048,
        hidden_act="silu",
    )


def clip_text_model(tokenizer: Any) -> Any:
    """A 1-layer, 8-wide CLIP text encoder over ``tokenizer``'s vocabulary."""
    from transformers import CLIPTextConfig, CLIPTextModel

    return CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=8,
            intermediate_size=16,
            num_attention_heads=2,
            num_hidden_layers=1,
            max_position_embeddings=77,
            projection_dim=8,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
        )
    ).eval()

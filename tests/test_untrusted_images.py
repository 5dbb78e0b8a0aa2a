"""Untrusted images (issue 11, items 2 and 6): a catalogue of hostile or odd inputs, each loading
as an RGB uint8 image or failing with an ``ImageInputError``/``ParameterError`` that says what to
do, and a seeded mutation fuzz test over valid PNG/JPEG/GIF/TIFF/WebP/PSD/BMP/ICO bytes."""

from __future__ import annotations

import collections
import http.server
import io
import math
import os
import struct
import threading
import time
import warnings
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from i2v_nb import ImageInputError, ParameterError, fit_image, load_image
from i2v_nb.io import DEFAULT_MAX_PIXELS, AnimatedImageWarning


# ---------------------------------------------------------------- helpers

def gradient(height: int = 16, width: int = 16) -> np.ndarray:
    """A small (H, W, 3) uint8 image whose every pixel differs from its neighbours."""
    yy, xx = np.mgrid[0:height, 0:width]
    return np.stack([xx * 255 // max(1, width - 1), yy * 255 // max(1, height - 1),
                     (xx * 7 + yy * 13) % 256], -1).astype(np.uint8)


def encode(image: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **kw)
    return buf.getvalue()


def psd_bytes(rgb: np.ndarray, layer_section: bytes = b"") -> bytes:
    """A minimal Photoshop file built by hand (Pillow reads PSD but cannot write it): header,
    empty colour-mode data, no image resources, ``layer_section`` (empty: a flat file), then the
    merged image as raw planar 8-bit RGB (compression 0)."""
    h, w, _ = rgb.shape
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, h, w, 8, 3)  # version 1, 3 channels, RGB
    return (header + struct.pack(">I", 0) + struct.pack(">I", 0)
            + struct.pack(">I", len(layer_section)) + layer_section
            + struct.pack(">H", 0) + np.ascontiguousarray(rgb.transpose(2, 0, 1)).tobytes())


def psd_layers(layers: list[np.ndarray]) -> bytes:
    """A PSD "layer and mask information" section holding RGB ``layers`` (raw channel data)."""
    records, data = b"", b""
    for layer in layers:
        h, w, _ = layer.shape
        records += struct.pack(">iiiiH", 0, 0, h, w, 3)  # top, left, bottom, right, channels
        for channel in range(3):
            records += struct.pack(">hI", channel, 2 + h * w)
        records += b"8BIMnorm" + bytes([255, 0, 0, 0])  # blend mode, opacity, clip, flags, pad
        extra = struct.pack(">II", 0, 0) + b"\x03top"  # no mask, no blending ranges, a name
        records += struct.pack(">I", len(extra)) + extra
        for channel in range(3):
            data += struct.pack(">H", 0) + layer[..., channel].tobytes()
    info = struct.pack(">h", len(layers)) + records + data
    info += b"\0" * (len(info) % 2)
    return struct.pack(">I", len(info)) + info + struct.pack(">I", 0)  # + empty global mask


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def assert_rgb(image: Image.Image, size: tuple[int, int] | None = None) -> np.ndarray:
    assert isinstance(image, Image.Image) and image.mode == "RGB"
    array = np.asarray(image)
    assert array.dtype == np.uint8 and array.ndim == 3 and array.shape[2] == 3
    assert array.shape[0] > 0 and array.shape[1] > 0
    if size is not None:
        assert image.size == size
    return array


def first_frame_only(data: bytes, **kw) -> Image.Image:
    """load_image, accepting (and requiring nothing of) the warning an animation gives."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AnimatedImageWarning)
        return load_image(data, **kw)


# ---------------------------------------------------------------- every decoder failure

RAW_ERRORS = [TypeError("bad operand"), EOFError("no more data"), SyntaxError("not a PNG file"),
              KeyError((3, 16)), IndexError("index out of range"), NotImplementedError("mode"),
              struct.error("unpack requires a buffer of 4 bytes"), ZeroDivisionError("by zero"),
              MemoryError(), RecursionError("maximum recursion depth exceeded"),
              ValueError("tile cannot extend outside image"), OSError("broken data stream"),
              AttributeError("'NoneType' object has no attribute 'read'"),
              RuntimeError("decoder error -2"), UnicodeDecodeError("utf-8", b"\xff", 0, 1, "x")]


@pytest.mark.parametrize("error", RAW_ERRORS, ids=lambda e: type(e).__name__)
def test_any_exception_while_decoding_becomes_image_input_error(monkeypatch, error):
    data = encode(Image.fromarray(gradient()), "PNG")

    def broken_load(self):
        raise error

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "load", broken_load)
    with pytest.raises(ImageInputError, match=r"<\d+ bytes> \(PNG image\) is (damaged|truncated)"
                                              r".*(Re-download|Re-export)") as info:
        load_image(data)
    assert info.value.__cause__ is error  # chained to what the decoder raised


@pytest.mark.parametrize("error", RAW_ERRORS, ids=lambda e: type(e).__name__)
def test_any_exception_while_identifying_becomes_image_input_error(monkeypatch, error):
    """Image.open itself passes some exceptions through (KeyError, EOFError…), not only
    UnidentifiedImageError."""
    data = encode(Image.fromarray(gradient()), "PNG")

    def broken_open(self):
        raise error

    monkeypatch.setattr(PngImagePlugin.PngImageFile, "_open", broken_open)
    with pytest.raises(ImageInputError, match=r"<\d+ bytes> is") as info:
        load_image(data)
    assert info.value.__cause__ is not None


@pytest.mark.parametrize("error", [ValueError("conversion from La to L not supported"),
                                   KeyError("P;4"), TypeError("bad palette"), MemoryError()],
                         ids=lambda e: type(e).__name__)
def test_any_exception_while_converting_becomes_image_input_error(monkeypatch, error):
    data = encode(Image.fromarray(gradient()).convert("P"), "PNG")

    def broken_convert(self, *a, **k):
        raise error

    monkeypatch.setattr(Image.Image, "convert", broken_convert)
    with pytest.raises(ImageInputError, match="PNG image") as info:
        load_image(data)
    assert info.value.__cause__ is error


def test_exception_from_a_lazy_pil_image_becomes_image_input_error(tmp_path):
    path = tmp_path / "lazy.png"
    Image.fromarray(gradient(64, 64)).save(path)
    path.write_bytes(path.read_bytes()[:200])  # truncated after Pillow would have opened it
    with Image.open(path) as lazy, pytest.raises(ImageInputError, match="lazy.png.*truncated"):
        load_image(lazy)


def _psd_header_with(channels=3, bits=8, mode=3, version=1):
    return b"8BPS" + struct.pack(">H6xHIIHH", version, channels, 4, 4, bits, mode)


def _bmp_with(offset: int, fmt: str, value: int, mode: str = "RGB") -> bytes:
    data = bytearray(encode(Image.fromarray(gradient()).convert(mode), "BMP"))
    data[offset:offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(data)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("data, match, cause", [
    # an IHDR chunk cut short: Pillow raises ValueError from Image.open
    (_PNG_SIGNATURE + png_chunk(b"IHDR", b"\0\0\0\4\0") + png_chunk(b"IEND", b""),
     "damaged|truncated", ValueError),
    # Photoshop modes Pillow has no entry for (its KeyError is caught as "not identified")
    (_psd_header_with(bits=16) + bytes(64), "not an image format Pillow can read", Exception),
    (_psd_header_with(mode=5) + bytes(64), "not an image format Pillow can read", Exception),
    (_psd_header_with(version=2) + bytes(64), "not an image format Pillow can read", Exception),
    # fewer channels than the mode needs
    (_psd_header_with(channels=1) + bytes(64), "damaged", OSError),
    # BMP fields out of range: pixel depth, compression, header size
    (_bmp_with(28, "<H", 7), "damaged.*pixel depth", OSError),
    (_bmp_with(30, "<I", 99), "damaged.*compression", OSError),
    (_bmp_with(14, "<I", 0), "damaged.*header", OSError),
])
def test_real_files_with_damaged_headers(data, match, cause):
    with pytest.raises(ImageInputError, match=match) as info:
        load_image(data)
    assert isinstance(info.value.__cause__, cause)


@pytest.mark.parametrize("fmt, kw", [
    ("PNG", {}), ("JPEG", {}), ("GIF", {}), ("TIFF", {"compression": "tiff_deflate"}),
    ("TIFF", {}), ("WEBP", {}), ("BMP", {}), ("PPM", {}), ("TGA", {}), ("PCX", {}),
    ("SGI", {}), ("QOI", {}), ("JPEG2000", {}),
])
def test_truncated_files_of_every_format(fmt, kw):
    data = encode(Image.fromarray(gradient(40, 40)), fmt, **kw)
    for cut in (len(data) // 3, len(data) // 2, len(data) * 3 // 4):
        with pytest.raises(ImageInputError, match=r"bytes>") as info:
            load_image(data[:cut])
        assert info.value.__cause__ is not None


def test_psd_that_is_all_header_is_refused():
    data = psd_bytes(gradient())
    with pytest.raises(ImageInputError, match=r"PSD image\) is (truncated|damaged)"):
        load_image(data[:40])


def test_huge_declared_buffers_do_not_escape_as_memory_error():
    """Fields that declare gigabytes (a BMP palette of 2**31 colours, a 4 GB PNG chunk, a TIFF
    directory of 65535 entries) give an image or an ImageInputError, never a raw error."""
    with pytest.raises(ImageInputError, match="damaged.*Palette size"):
        load_image(_bmp_with(46, "<I", 0x7FFFFFFF, mode="P"))  # colours used
    png = bytearray(encode(Image.fromarray(gradient()), "PNG"))
    png[33:37] = struct.pack(">I", 0xFFFFFFF0)  # length of the chunk after IHDR (Pillow reads
    assert_rgb(load_image(bytes(png)), (16, 16))  # what there is: the pixels are all there)
    tiff = encode(Image.fromarray(gradient()), "TIFF")
    with pytest.raises(ImageInputError):
        load_image(tiff[:8] + b"\xff\xff" + b"\xff" * 64)


# ---------------------------------------------------------------- multi-frame files

def test_layered_psd_gives_its_merged_image_without_a_warning():
    merged = gradient()
    layers = [np.full((16, 16, 3), 10, np.uint8), np.full((16, 16, 3), 200, np.uint8)]
    data = psd_bytes(merged, psd_layers(layers))
    assert Image.open(io.BytesIO(data)).n_frames == 2  # Pillow does see two layers
    np.testing.assert_array_equal(assert_rgb(load_image(data)), merged)


@pytest.mark.parametrize("damage", ["layer count", "negative size", "garbage records"])
def test_psd_with_damaged_layers_still_gives_its_merged_image(damage):
    merged = gradient()
    section = bytearray(psd_layers([np.full((16, 16, 3), 99, np.uint8)] * 2))
    # section: layer-info length (4 bytes), layer count (2), then the first layer's record:
    # top, left, bottom, right (4 bytes each)…
    if damage == "layer count":  # claims 700 layers: "Layer block too short"
        section[4:6] = struct.pack(">h", 700)
    elif damage == "negative size":  # bottom above top: "negative tile size"
        section[14:18] = struct.pack(">i", -5)
    else:  # channel count and ids overwritten with garbage
        section[22:60] = np.random.default_rng(0).integers(0, 256, 38, np.uint8).tobytes()
    data = psd_bytes(merged, bytes(section))
    with pytest.raises(Exception):  # noqa: B017 - Pillow itself fails on the layers
        Image.open(io.BytesIO(data)).n_frames  # noqa: B018
    np.testing.assert_array_equal(assert_rgb(load_image(data)), merged)


def _frames(n: int = 3, size: int = 16) -> list[Image.Image]:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    return [Image.new("RGB", (size, size), colours[i]) for i in range(n)]


def _multi(fmt: str, n: int = 3, **kw) -> bytes:
    frames = _frames(n)
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], **kw)


@pytest.mark.parametrize("fmt", ["TIFF", "MPO"])
def test_multi_page_files_give_their_first_page_without_a_warning(fmt):
    data = _multi(fmt)
    assert Image.open(io.BytesIO(data)).n_frames == 3
    array = assert_rgb(load_image(data), (16, 16))  # filterwarnings=error: no warning
    assert tuple(array[8, 8]) in ((255, 0, 0), (254, 0, 0))


@pytest.mark.parametrize("fmt", ["TIFF", "MPO"])
@pytest.mark.parametrize("fraction", [0.45, 0.6, 0.8, 0.95])
def test_multi_page_files_with_a_damaged_later_page_give_their_first(fmt, fraction):
    data = _multi(fmt)
    first_page_end = len(_multi(fmt, 1))
    cut = max(first_page_end + 8, int(len(data) * fraction))
    damaged = bytearray(data)
    damaged[cut:] = np.random.default_rng(cut).integers(0, 256, len(data) - cut,
                                                         np.uint8).tobytes()
    for variant in (bytes(damaged), data[:cut]):  # garbage after the first page, or cut short
        array = assert_rgb(load_image(variant), (16, 16))
        assert array[8, 8, 0] >= 250 and array[8, 8, 1:].max() <= 5


@pytest.mark.parametrize("fmt", ["GIF", "PNG"])
@pytest.mark.parametrize("fraction", [0.6, 0.75, 0.9])
def test_animations_with_a_damaged_later_frame_give_their_first(fmt, fraction):
    data = _multi(fmt)
    array = assert_rgb(first_frame_only(data[:int(len(data) * fraction)]), (16, 16))
    assert tuple(array[8, 8]) == (255, 0, 0)


def test_animation_warning_still_counts_frames():
    with pytest.warns(AnimatedImageWarning, match="4 frames"):
        load_image(_multi("WEBP", 4, lossless=True))


def test_ico_gives_its_largest_icon():
    data = encode(Image.fromarray(gradient(48, 48)), "ICO", sizes=[(16, 16), (32, 32), (48, 48)])
    assert_rgb(load_image(data), (48, 48))


def test_ico_whose_embedded_image_is_larger_than_declared_is_still_capped():
    """ICO/ICNS take their size from the embedded image when it is decoded: max_pixels is
    checked again then, so a 16×16 directory entry cannot smuggle in a big image."""
    big = encode(Image.fromarray(gradient(300, 300)), "PNG")
    entry = struct.pack("<BBBBHHII", 16, 16, 0, 0, 1, 32, len(big), 6 + 16)
    data = struct.pack("<HHH", 0, 1, 1) + entry + big
    with pytest.raises(ImageInputError, match=r"embedded image of 300×300.*above the limit.*"
                                              r"refused before decoding"):
        load_image(data, max_pixels=10_000)
    assert_rgb(load_image(data), (300, 300))
    # the same for a BMP entry (its header counts the AND mask in the height)
    bmp_entry = encode(Image.fromarray(gradient(200, 100)), "ICO", sizes=[(100, 200)])
    with pytest.raises(ImageInputError, match="embedded image of"):
        load_image(bmp_entry, max_pixels=1000)


# ---------------------------------------------------------------- text formats Pillow reads

FITS_CARDS = ("SIMPLE  = {true:>20}", "BITPIX  = {bitpix:>20}", "NAXIS   = {two:>20}",
              "NAXIS1  = {w:>20}", "NAXIS2  = {h:>20}", "END")


def fits_bytes(values: np.ndarray, bitpix: int) -> bytes:
    h, w = values.shape
    header = "".join(card.format(true="T", two=2, bitpix=bitpix, w=w, h=h).ljust(80)
                     for card in FITS_CARDS)
    dtype = {8: ">u1", 16: ">i2", 32: ">i4", -32: ">f4", -64: ">f8"}[bitpix]
    body = values.astype(dtype).tobytes()
    return header.ljust(2880).encode() + body + b"\0" * (-len(body) % 2880)


@pytest.mark.parametrize("data, expected", [
    (b"P1\n3 1\n0 1 0\n", [255, 0, 255]),                               # plain PBM: 1 is black
    (b"P1\n# a comment\n3 1\n010\n", [255, 0, 255]),
    (b"P2\n3 1\n255\n0 128 255\n", [0, 128, 255]),                      # plain PGM
    (b"P2\n3 1\n15\n0 7 15\n", [0, 119, 255]),                          # small maxval
    (b"P2\n3 1\n1000\n0 500 1000\n", [0, 128, 255]),                    # 16-bit maxval
    (b"P3\n3 1\n255\n0 0 0 128 128 128 255 255 255\n", [0, 128, 255]),  # plain PPM
    (b"#define im_width 3\n#define im_height 1\nstatic char im_bits[] = {\n0x02\n};\n",
     [0, 255, 0]),                                                      # XBM (Pillow: set=white)
    (b'/* XPM */\nstatic char *x[] = {\n"3 1 2 1",\n"a c #000000",\n"b c #FFFFFF",\n"bab"\n};\n',
     [255, 0, 255]),                                                    # XPM
    (fits_bytes(np.array([[0, 128, 255]]), 8), [0, 128, 255]),          # FITS
    (fits_bytes(np.array([[0.0, 0.5, 1.0]]), -32), [0, 128, 255]),
])
def test_text_formats_pillow_reads_are_loaded_not_refused(data, expected):
    array = assert_rgb(load_image(data), (3, 1))
    assert array[0, :, 0].tolist() == expected
    assert (array[..., 0] == array[..., 2]).all()


def test_text_formats_load_from_a_path_with_any_suffix(tmp_path):
    path = tmp_path / "icon.txt"
    path.write_bytes(b"P1\n2 2\n1 0\n0 1\n")
    assert assert_rgb(load_image(path), (2, 2))[0, 0].tolist() == [0, 0, 0]


@pytest.mark.parametrize("data, match", [
    (b'{"image": "not really"}\n', "a text file"),
    (b"x,y\n1,2\n", "a text file"),
    (b"import numpy as np\nprint(np.zeros(3))\n", "a text file"),
    (b"<!doctype html><html><head></head><body><img src='a.png'></body></html>", "HTML page"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>", "SVG"),
    (b"%PDF-1.4\n1 0 obj << >> endobj\n", "PDF"),
    (b"PK\x03\x04" + bytes(40), "ZIP"),
    (b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic", "HEIF|AVIF"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2mp41", "MP4 video.*read_video"),
    (b"P1\n3 1\n0 1\n", "PPM image.*truncated|damaged"),             # PBM with too few pixels
    (b"#define im_width 3\n#define im_height 1\nstatic char im_bits[] = {\n};\n",
     "XBM image.*truncated|damaged"),
    (b'/* XPM */\nstatic char *x[] = {\n"3 1 2 1",\n"a c #000000",\n};\n', "XPM image|damaged"),
    (b"SIMPLE  =                    T" + b" " * 50, "truncated|damaged"),  # FITS header only
])
def test_text_that_is_not_an_image_keeps_its_clear_message(data, match):
    with pytest.raises(ImageInputError, match=match):
        load_image(data)


# ---------------------------------------------------------------- 32-bit integer and float

def tiff_of(array: np.ndarray, mode: str) -> bytes:
    return encode(Image.fromarray(array, mode), "TIFF")


@pytest.mark.parametrize("values, expected", [
    ([[0, 100, 255]], [0, 100, 255]),                       # 8-bit data in a 32-bit image: kept
    ([[0, 32896, 65535]], [0, 128, 255]),                   # 16-bit range: scaled by 255/65535
    ([[-70000, 0, 70000]], [0, 128, 255]),                  # negative: stretched min..max
    ([[0, 70000, 140000]], [0, 128, 255]),                  # above 65535: stretched, no wrap
    ([[-2**31, 0, 2**31 - 1]], [0, 128, 255]),              # the whole int32 range
    ([[-5, -3, -1]], [0, 128, 255]),                        # all negative
    ([[65536, 65537, 65538]], [0, 128, 255]),               # just above 16 bits
    ([[-7, -7, -7]], [0, 0, 0]),                            # constant negative: black
    ([[10**6, 10**6, 10**6]], [255, 255, 255]),             # constant huge: white
])
def test_32_bit_integer_images_are_scaled_without_wrap_around(values, expected):
    array = np.array(values, np.int32)
    for data in (tiff_of(array, "I"), fits_bytes(array, 32)):
        out = assert_rgb(load_image(data), (3, 1))
        assert out[0, :, 0].tolist() == expected
        assert (out[..., 0] == out[..., 1]).all()


def test_32_bit_integer_order_is_kept():
    """Whatever the range, a brighter value is never darker after conversion (wrap-around
    would break this)."""
    rng = np.random.default_rng(3)
    for lo, hi in ((-2**31, 2**31 - 1), (0, 2**20), (-300, 300), (60000, 70000)):
        values = np.sort(rng.integers(lo, hi, 64, endpoint=True)).astype(np.int32).reshape(1, 64)
        out = assert_rgb(load_image(Image.fromarray(values, "I")))[0, :, 0].astype(int)
        assert (np.diff(out) >= 0).all() and out[0] == 0 and out[-1] == 255


@pytest.mark.parametrize("values, expected", [
    ([[0.0, 0.5, 1.0]], [0, 128, 255]),                     # [0, 1]
    ([[0.0, 128.0, 255.0]], [0, 128, 255]),                 # [0, 255]
    ([[-1e6, 0.0, 1e6]], [0, 128, 255]),                    # any other range: stretched
    ([[np.nan, 0.25, 1.0]], [0, 64, 255]),                  # NaN: black
    ([[np.inf, 0.5, -np.inf]], [255, 128, 0]),              # ±inf: white / black
    ([[np.nan, np.nan, np.nan]], [0, 0, 0]),                # nothing finite
    ([[np.inf, 3.0, 3.0]], [255, 3, 3]),                    # constant finite part in [0, 255]
    ([[-3e38, 0.0, 3e38]], [0, 128, 255]),                  # range that overflows float32
])
def test_float_images_are_scaled_and_robust_to_nan_and_inf(values, expected):
    array = np.array(values, np.float32)
    for data in (tiff_of(array, "F"), fits_bytes(array, -32)):
        out = assert_rgb(load_image(data), (3, 1))
        assert out[0, :, 0].tolist() == expected


# ---------------------------------------------------------------- keyword arguments

@pytest.mark.parametrize("value", ["a", -1, 0, True, False, 1.5, math.nan, math.inf, [10],
                                   "50_000_000", np.float32(-2)])
def test_bad_max_pixels_is_a_parameter_error(value):
    with pytest.raises(ParameterError, match=r"max_pixels must be a positive whole number.*got"):
        load_image(gradient(), max_pixels=value)


@pytest.mark.parametrize("value", [1e8, np.int64(10**6), 256, None, 10**30])
def test_good_max_pixels_values(value):
    assert_rgb(load_image(gradient(), max_pixels=value), (16, 16))


@pytest.mark.parametrize("value", ["a", -1, 0, 0.0, math.nan, math.inf, -math.inf, True, None,
                                   10**400, [3], "3"])
def test_bad_timeout_is_a_parameter_error(value):
    with pytest.raises(ParameterError, match=r"timeout must be a positive, finite number of "
                                             r"seconds.*got"):
        load_image(gradient(), timeout=value)


@pytest.mark.parametrize("value", [(0, 0), (0, 0, 256), (-1, 0, 0), "white", (0.5, 0, 0),
                                   (True, 0, 0), None, {"r": 1}, (0, 0, 0, 0), [1, 2, "3"]])
def test_bad_background_is_a_parameter_error(value):
    with pytest.raises(ParameterError, match=r"background must be an RGB colour.*got"):
        load_image(gradient(), background=value)


def test_bad_value_in_a_message_is_shortened():
    with pytest.raises(ParameterError) as info:
        load_image(gradient(), max_pixels="x" * 100_000)
    assert len(str(info.value)) < 400


def test_keyword_errors_are_value_errors_as_before():
    assert issubclass(ParameterError, ValueError) and issubclass(ImageInputError, ValueError)


# ---------------------------------------------------------------- odd sources

def test_path_with_a_nul_character():
    with pytest.raises(ImageInputError, match="NUL character"):
        load_image("photo\0.png")


def test_path_that_is_too_long():
    with pytest.raises(ImageInputError, match="could not look at|no file at"):
        load_image("x" * 5000 + ".png")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    with pytest.raises(ImageInputError, match="not a regular file"):
        load_image(fifo)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_refused_without_reading_forever():
    with pytest.raises(ImageInputError, match="not a regular file"):
        load_image("/dev/zero")


class _OddReader:
    def __init__(self, result):
        self.result = result

    def read(self, *a):
        if isinstance(self.result, BaseException):
            raise self.result
        return self.result


@pytest.mark.parametrize("reader, match", [
    (_OddReader(10**12), "gave a int, not bytes"),
    (_OddReader([1, 2, 3]), "gave a list"),
    (_OddReader(RuntimeError("socket closed")), "could not read from.*socket closed"),
    (_OddReader(UnicodeDecodeError("utf-8", b"\x89", 0, 1, "invalid")), "text mode.*'rb'"),
])
def test_file_objects_that_misbehave(reader, match):
    with pytest.raises(ImageInputError, match=match):
        load_image(reader)


# ---------------------------------------------------------------- URL deadline

class _SlowServer:
    """Serves on 127.0.0.1: ``/body`` sends its headers then trickles the body one byte every
    50 ms; ``/headers`` trickles the header lines themselves; ``/huge`` declares 1 GB."""

    def __init__(self) -> None:
        png = encode(Image.fromarray(gradient()), "PNG")

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                try:
                    if self.path == "/body":
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(png)))
                        self.end_headers()
                        for byte in png:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(0.05)
                    elif self.path == "/headers":
                        self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                        for i in range(200):
                            self.wfile.write(f"X-Slow-{i}: 1\r\n".encode())
                            self.wfile.flush()
                            time.sleep(0.05)
                    elif self.path == "/huge":
                        self.send_response(200)
                        self.send_header("Content-Length", str(10**9))
                        self.end_headers()
                        self.wfile.write(png)
                        time.sleep(2)
                    else:
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(png)))
                        self.end_headers()
                        self.wfile.write(png)
                except OSError:  # the client hung up: expected here
                    pass

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_server():
    server = _SlowServer()
    try:
        yield server.base
    finally:
        server.close()


@pytest.mark.parametrize("path", ["/body", "/headers"])
def test_url_timeout_is_a_deadline_for_the_whole_download(slow_server, path):
    """Every read succeeds within 50 ms, so a per-read timeout of 0.6 s would wait ~5-10 s."""
    start = time.monotonic()
    with pytest.raises(ImageInputError, match=r"took longer than timeout=0.6 s.*larger timeout="):
        load_image(slow_server + path, timeout=0.6)
    assert time.monotonic() - start < 2.0


def test_url_declaring_too_many_bytes_is_refused_at_once(slow_server):
    start = time.monotonic()
    with pytest.raises(ImageInputError, match="larger than 100 MiB"):
        load_image(slow_server + "/huge", timeout=5)
    assert time.monotonic() - start < 1.5


def test_url_within_its_deadline_loads(slow_server):
    np.testing.assert_array_equal(assert_rgb(load_image(slow_server + "/fast", timeout=5)),
                                  gradient())


# ---------------------------------------------------------------- fit_image memory caps

@pytest.mark.parametrize("width, height", [(10**6, 10**6), (10**9, 8), (8, 10**9),
                                           (DEFAULT_MAX_PIXELS, 2)])
def test_fit_image_refuses_huge_sizes_before_allocating(width, height):
    start = time.monotonic()
    with pytest.raises(ParameterError, match=r"above the limit of 50\.0 MP.*smaller width and "
                                             r"height.*max_pixels="):
        fit_image(gradient(), width, height)
    assert time.monotonic() - start < 0.5


def test_fit_image_cap_uses_the_snapped_size():
    with pytest.raises(ParameterError, match=r"64×64 = 0\.0 megapixels"):
        fit_image(gradient(), 63, 63, multiple_of=64, max_pixels=63 * 63)
    assert fit_image(gradient(), 64, 64, max_pixels=64 * 64).size == (64, 64)


def test_fit_image_max_pixels_can_be_raised_or_lowered():
    with pytest.raises(ParameterError, match="above the limit"):
        fit_image(gradient(), 64, 64, max_pixels=1000)
    assert fit_image(gradient(), 64, 64, max_pixels=None).size == (64, 64)


@pytest.mark.parametrize("kwargs, match", [
    ({"width": "64", "height": 64}, "width must be a positive integer"),
    ({"width": 64.0, "height": 64}, "width must be a positive integer"),
    ({"width": 64, "height": True}, "height must be a positive integer"),
    ({"width": 64, "height": None}, "height must be a positive integer"),
    ({"width": 64, "height": 64, "fill": "black"}, "fill must be an RGB colour"),
    ({"width": 64, "height": 64, "fill": (0, 0, 300)}, "fill must be an RGB colour"),
    ({"width": 64, "height": 64, "max_pixels": "a"}, "max_pixels must be a positive"),
    ({"width": 64, "height": 64, "max_pixels": -5}, "max_pixels must be a positive"),
])
def test_fit_image_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        fit_image(gradient(), **kwargs)


@pytest.mark.parametrize("source_size", [(4000, 1), (1, 4000), (20000, 3)])
def test_fit_crop_of_an_extreme_aspect_ratio_allocates_no_giant_intermediate(source_size):
    """Scaling a 4000×1 strip to cover 512×512 would mean a 2,048,000×512 intermediate (3 GB);
    the crop is resampled straight from the part that is kept."""
    strip = Image.new("RGB", source_size, (200, 100, 50))
    start = time.monotonic()
    out = assert_rgb(fit_image(strip, 512, 512, mode="crop"), (512, 512))
    assert time.monotonic() - start < 2.0
    assert np.abs(out.astype(int) - (200, 100, 50)).max() <= 1


def test_fit_crop_still_keeps_the_centre_of_a_wide_image():
    array = np.zeros((90, 270, 3), np.uint8)
    array[:, 90:180] = 255
    out = np.asarray(fit_image(array, 30, 30, mode="crop", multiple_of=1))
    assert out[:, 2:-2].min() >= 250


# ---------------------------------------------------------------- fuzz

def _fuzz_samples() -> dict[str, bytes]:
    """Small valid files of every kind the fuzz test mutates; each is checked to load first."""
    rgb = gradient()
    base = Image.fromarray(rgb)
    rgba = Image.fromarray(np.dstack([rgb, rgb[..., :1]]))
    pal = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    gif_frames = [pal, pal.rotate(90)]
    samples = {
        "png-rgb": encode(base, "PNG"),
        "png-rgba": encode(rgba, "PNG"),
        "png-16bit": encode(Image.fromarray(rgb[..., 0].astype(np.uint16) * 257), "PNG"),
        "apng": encode(base, "PNG", save_all=True, append_images=[base.rotate(90)]),
        "jpeg": encode(base, "JPEG", quality=90),
        "jpeg-progressive": encode(base, "JPEG", progressive=True),
        "gif": encode(gif_frames[0], "GIF", save_all=True, append_images=gif_frames[1:]),
        "tiff-raw": encode(base, "TIFF", save_all=True, append_images=[base.rotate(90)]),
        "tiff-deflate": encode(base, "TIFF", compression="tiff_deflate"),
        "tiff-packbits": encode(rgba, "TIFF", compression="packbits"),
        "webp-lossy": encode(base, "WEBP", quality=80),
        "webp-lossless": encode(rgba, "WEBP", lossless=True),
        "psd": psd_bytes(rgb),
        "psd-layered": psd_bytes(rgb, psd_layers([rgb[::-1], rgb[:, ::-1]])),
        "bmp": encode(base, "BMP"),
        "ico": encode(base, "ICO", sizes=[(16, 16)]),
    }
    for name, data in samples.items():  # every sample is valid before it is mutated
        assert_rgb(first_frame_only(data), (16, 16)), name
    return samples


_EXTREMES = (0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF)


def mutate(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """One seeded mutation: bit flips, a truncation, inserted or deleted bytes, or a header
    field / random field overwritten with a random or extreme integer."""
    d = bytearray(data)
    kind = ("flip", "truncate", "insert", "delete", "header-field", "field", "repeat")[
        int(rng.integers(7))]
    if kind == "flip":
        for _ in range(int(rng.integers(1, 9))):
            i = int(rng.integers(len(d)))
            d[i] ^= 1 << int(rng.integers(8))
    elif kind == "truncate":
        d = d[:int(rng.integers(len(d)))]
    elif kind == "insert":
        i = int(rng.integers(len(d) + 1))
        d[i:i] = rng.integers(0, 256, int(rng.integers(1, 17)), np.uint8).tobytes()
    elif kind == "delete":
        i = int(rng.integers(len(d)))
        del d[i:i + int(rng.integers(1, 17))]
    elif kind == "repeat":  # a chunk/segment repeated: duplicate a slice in place
        i = int(rng.integers(len(d)))
        d[i:i] = d[i:i + int(rng.integers(1, 64))]
    else:
        width = (1, 2, 4)[int(rng.integers(3))]
        span = min(len(d), 128) if kind == "header-field" else len(d)
        i = int(rng.integers(max(1, span - width + 1)))
        if rng.integers(2):
            value = int(rng.integers(0, 2 ** (8 * width)))
        else:
            value = _EXTREMES[int(rng.integers(len(_EXTREMES)))] % 2 ** (8 * width)
        d[i:i + width] = value.to_bytes(width, "big" if rng.integers(2) else "little")
    return kind, bytes(d)


FUZZ_CASES_PER_SAMPLE = int(os.environ.get("I2V_FUZZ_CASES_PER_SAMPLE", "150"))


def test_fuzz_every_mutated_image_loads_as_rgb_or_is_an_image_input_error():
    """≥ 2,000 seeded mutations (16 samples × 150): each outcome is a loaded RGB uint8 image or an
    ImageInputError, and nothing else. ``max_pixels`` is small so that a mutated header declaring
    a big size is refused quickly (the size check itself is part of what is fuzzed)."""
    samples = _fuzz_samples()
    outcomes: collections.Counter[str] = collections.Counter()
    causes: collections.Counter[str] = collections.Counter()  # what Pillow raised underneath
    third_kind: list[str] = []
    for sample_index, (name, data) in enumerate(samples.items()):
        for seed in range(FUZZ_CASES_PER_SAMPLE):
            rng = np.random.default_rng([seed, sample_index])
            kind, mutated = mutate(data, rng)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", AnimatedImageWarning)
                    image = load_image(mutated, max_pixels=1 << 16)
                assert_rgb(image)
                outcomes["loaded"] += 1
            except ImageInputError as e:
                assert str(e) and "bytes>" in str(e)  # names the input
                outcomes["ImageInputError"] += 1
                causes[type(e.__cause__).__name__ if e.__cause__ else "(our own check)"] += 1
            except BaseException as e:  # noqa: BLE001 - the point of the test
                if isinstance(e, KeyboardInterrupt):
                    raise
                outcomes["other"] += 1
                third_kind.append(f"{name} seed={seed} {kind}: {type(e).__name__}: {e!s:.200}")
    total = sum(outcomes.values())
    assert total == len(samples) * FUZZ_CASES_PER_SAMPLE >= 2000
    assert not third_kind, f"{len(third_kind)} outcomes of a third kind ({dict(outcomes)}):\n" + \
        "\n".join(third_kind[:40])
    # the mutations really exercise both paths, and decoders fail in more than one way
    assert outcomes["loaded"] > total // 20 and outcomes["ImageInputError"] > total // 5, outcomes
    assert len(causes) >= 4, causes
    print(f"fuzz: {dict(outcomes)}; causes of the errors: {dict(causes)}")

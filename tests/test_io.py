"""load_image / fit_image: odd and bad image input, each loading correctly or failing clearly."""

from __future__ import annotations

import io
import pathlib
import socket
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import i2v_nb
from i2v_nb import ImageInputError, ParameterError, fit_image, load_image
from i2v_nb.io import AnimatedImageWarning, ResolutionSnapWarning
from tests.conftest import smooth_image


def png_bytes(image: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=kw.pop("format", "PNG"), **kw)
    return buf.getvalue()


# ---------------------------------------------------------------- sources that load correctly

def test_path_str_pathlib_bytes_filelike_all_give_the_same_pixels(tmp_path):
    array = smooth_image()
    path = tmp_path / "img.png"
    Image.fromarray(array).save(path)
    for source in (str(path), path, path.read_bytes(), io.BytesIO(path.read_bytes()),
                   open(path, "rb")):
        image = load_image(source)
        assert image.mode == "RGB" and image.size == (64, 48)
        np.testing.assert_array_equal(np.asarray(image), array)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "BMP", "TIFF"])
def test_common_formats(fmt):
    array = smooth_image()
    image = load_image(png_bytes(Image.fromarray(array), format=fmt))
    tolerance = 0 if fmt in ("BMP", "TIFF") else 6
    assert np.abs(np.asarray(image).astype(int) - array).mean() <= tolerance


@pytest.mark.parametrize("orientation, expected_size, corner", [
    (1, (40, 20), (255, 0, 0)),      # as stored: top-left quadrant (red) stays top-left
    (3, (40, 20), (255, 255, 255)),  # rotated 180°: bottom-right (white) comes to top-left
    (6, (20, 40), (0, 0, 255)),      # rotated 90° clockwise: bottom-left (blue) to top-left
    (8, (20, 40), (0, 255, 0)),      # rotated 90° counter-clockwise: top-right (green)
])
def test_exif_orientation_is_applied(orientation, expected_size, corner):
    array = np.zeros((20, 40, 3), np.uint8)
    array[:10, :20] = (255, 0, 0)
    array[:10, 20:] = (0, 255, 0)
    array[10:, :20] = (0, 0, 255)
    array[10:, 20:] = (255, 255, 255)
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = png_bytes(Image.fromarray(array), format="JPEG", exif=exif, quality=95)
    image = load_image(data)
    assert image.size == expected_size
    got = np.asarray(image)[1, 1].astype(int)
    assert np.abs(got - corner).max() < 40, got


def test_rgba_is_composited_onto_the_background():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200                # red-ish colour
    rgba[0, 0, 3] = 255               # opaque
    rgba[0, 1, 3] = 0                 # fully transparent
    rgba[0, 2, 3] = 128               # half
    image = np.asarray(load_image(png_bytes(Image.fromarray(rgba, "RGBA")),
                                  background=(0, 100, 0)))
    assert tuple(image[0, 0]) == (200, 0, 0)
    assert tuple(image[0, 1]) == (0, 100, 0)
    assert np.abs(image[0, 2].astype(int) - (100, 50, 0)).max() <= 1


def test_greyscale_with_alpha_and_default_white_background():
    la = Image.fromarray(np.stack([np.full((3, 3), 50, np.uint8), np.zeros((3, 3), np.uint8)],
                                  -1), "LA")
    assert np.asarray(load_image(png_bytes(la))).min() == 255


def test_palette_image_with_transparent_index():
    p = Image.new("P", (4, 4), 0)
    p.putpalette([10, 20, 30, 250, 0, 0] + [0] * 762)
    p.putpixel((1, 1), 1)
    data = png_bytes(p, transparency=0)
    image = np.asarray(load_image(data, background=(1, 2, 3)))
    assert tuple(image[1, 1]) == (250, 0, 0)
    assert tuple(image[0, 0]) == (1, 2, 3)  # index 0 was transparent


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # pure red in CMYK
    image = np.asarray(load_image(png_bytes(cmyk, format="JPEG", quality=95)))
    assert image[..., 0].mean() > 200 and image[..., 1:].mean() < 60


def test_16_bit_greyscale_png_is_scaled_not_clipped():
    values = np.array([[0, 257, 32896, 65535]], np.uint16)
    data = png_bytes(Image.fromarray(values))
    image = np.asarray(load_image(data))
    assert image[0, :, 0].tolist() == [0, 1, 128, 255]
    assert (image[..., 0] == image[..., 1]).all() and (image[..., 1] == image[..., 2]).all()


def test_one_bit_and_greyscale_images():
    bw = Image.fromarray(np.array([[0, 255]], np.uint8)).convert("1")
    assert np.asarray(load_image(png_bytes(bw)))[0, :, 0].tolist() == [0, 255]
    grey = Image.fromarray(np.array([[7, 99]], np.uint8), "L")
    assert np.asarray(load_image(grey))[0].tolist() == [[7, 7, 7], [99, 99, 99]]


def test_animated_gif_gives_first_frame_with_a_warning():
    frames = [Image.new("RGB", (8, 8), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = png_bytes(frames[0], format="GIF", save_all=True, append_images=frames[1:])
    with pytest.warns(AnimatedImageWarning, match="3 frames"):
        image = load_image(data)
    assert tuple(np.asarray(image)[0, 0]) == (255, 0, 0)


@pytest.mark.parametrize("array, expected", [
    (np.full((2, 3), 200, np.uint8), 200),
    (np.full((2, 3, 3), 200, np.uint8), 200),
    (np.full((2, 3, 1), 200, np.uint8), 200),
    (np.full((2, 3, 3), 65535, np.uint16), 255),
    (np.full((2, 3, 3), 0.5, np.float32), 128),
    (np.full((2, 3, 3), 1.0, np.float64), 255),
    (np.ones((2, 3), bool), 255),
])
def test_arrays_of_every_supported_shape_and_dtype(array, expected):
    image = load_image(array)
    assert image.mode == "RGB" and image.size == (3, 2)
    assert (np.asarray(image) == expected).all()


def test_rgba_array_composited():
    rgba = np.zeros((2, 2, 4), np.uint8)
    assert (np.asarray(load_image(rgba, background=(9, 9, 9))) == 9).all()


def test_pil_input_is_not_modified_and_result_is_a_copy():
    original = Image.new("RGBA", (5, 5), (10, 20, 30, 0))
    out = load_image(original)
    assert original.mode == "RGBA" and out.mode == "RGB" and out is not original
    same = Image.new("RGB", (5, 5), (1, 2, 3))
    assert load_image(same) is not same


def test_url_is_downloaded(http_server):
    base, root = http_server
    Image.fromarray(smooth_image()).save(root / "pic.png")
    np.testing.assert_array_equal(np.asarray(load_image(f"{base}/pic.png")), smooth_image())


# ---------------------------------------------------------------- bad input fails clearly

def test_missing_path_names_the_path_and_suggests_a_close_name(tmp_path):
    (tmp_path / "photo.PNG").write_bytes(b"")
    with pytest.raises(ImageInputError, match=r"no file at 'photo.png'.*Did you mean photo.PNG"):
        load_image("photo.png")


def test_directory(tmp_path):
    with pytest.raises(ImageInputError, match="is a folder"):
        load_image(tmp_path)


@pytest.mark.parametrize("data, match", [
    (b"", "is empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "damaged|not an image"),
    (b"hello, this is a text file\n", "text file"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "MP4 video.*read_video"),
    (b"<?xml version='1.0'?><svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG"),
    (b"<!DOCTYPE html><html><body>login</body></html>", "HTML page"),
    (bytes([0, 1, 2, 3, 250, 251, 252]) * 50, "not an image format"),
])
def test_bad_bytes(data, match):
    with pytest.raises(ImageInputError, match=match):
        load_image(data)


def test_wrong_suffix_is_fine_but_content_decides(tmp_path):
    path = tmp_path / "really_a_png.jpg"
    Image.fromarray(smooth_image()).save(path, format="PNG")
    assert load_image(path).size == (64, 48)
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    with pytest.raises(ImageInputError, match=r"notes.jpg' is a text file"):
        load_image(text)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_file(fmt):
    data = png_bytes(Image.fromarray(smooth_image(200, 200)), format=fmt)
    with pytest.raises(ImageInputError, match="truncated|damaged"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_is_refused_before_decoding():
    """A 100 000 × 100 000 PNG header (10 gigapixels) must fail at once, without allocating."""
    import struct
    import zlib

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    with pytest.raises(ImageInputError, match="decompression bomb|megapixels"):
        load_image(bomb, max_pixels=None)  # Pillow's own bomb guard still applies
    with pytest.raises(ImageInputError, match=r"10000000000 pixels.*refused before decoding"):
        load_image(bomb)
    # below Pillow's own guard, our max_pixels still refuses from the header alone
    small_bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 9000, 9000, 8, 2,
                                                                   0, 0, 0))
                  + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    with pytest.raises(ImageInputError, match=r"9000×9000 = 81\.0 megapixels, above the limit"):
        load_image(small_bomb, max_pixels=50_000_000)


def test_max_pixels_applies_to_every_source():
    array = smooth_image(100, 100)
    for source in (array, Image.fromarray(array), png_bytes(Image.fromarray(array))):
        with pytest.raises(ImageInputError, match="0.0 MP"):
            load_image(source, max_pixels=5000)
    assert load_image(array, max_pixels=10_000).size == (100, 100)


def test_unreachable_url_fails_fast_with_advice():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ImageInputError, match="could not reach.*download the file"):
        load_image(f"http://127.0.0.1:{port}/x.png", timeout=3)


def test_http_error(http_server):
    base, _ = http_server
    with pytest.raises(ImageInputError, match="HTTP 404"):
        load_image(f"{base}/missing.png")


def test_other_url_schemes_are_refused():
    with pytest.raises(ImageInputError, match="scheme 'ftp'"):
        load_image("ftp://example.com/a.png")


@pytest.mark.parametrize("array, match", [
    (np.zeros((4, 4, 2), np.uint8), r"\(H, W\), \(H, W, 3\) or \(H, W, 4\); got \(4, 4, 2\)"),
    (np.zeros((3, 32, 32), np.uint8), "channels-first"),
    (np.zeros((2, 8, 8, 3), np.uint8), "pass one frame"),
    (np.zeros((0, 8, 3), np.uint8), "empty size"),
    (np.zeros((4, 4, 3), np.int64), "unsupported dtype int64"),
    (np.zeros((4, 4, 3), np.complex64), "unsupported dtype complex64"),
    (np.full((4, 4, 3), 200.0), r"\[0, 1\].*Divide by 255"),
    (np.full((4, 4, 3), np.nan), "NaN"),
])
def test_bad_arrays(array, match):
    with pytest.raises(ImageInputError, match=match):
        load_image(array)


@pytest.mark.parametrize("source", [42, {"a": 1}, None, ""])
def test_unsupported_types(source):
    with pytest.raises(ImageInputError, match="cannot load an image from|empty string"):
        load_image(source)


def test_text_mode_file(tmp_path):
    path = tmp_path / "a.png"
    Image.fromarray(smooth_image()).save(path)
    with open(path, encoding="latin-1") as f, pytest.raises(ImageInputError, match="'rb'"):
        load_image(f)


def test_bad_background():  # a wrong keyword is a ParameterError (issue 11), not a bad image
    with pytest.raises(ParameterError, match=r"background must be an RGB colour.*got \(0, 0\)"):
        load_image(smooth_image(), background=(0, 0))


def test_image_input_error_is_a_value_error():
    assert issubclass(ImageInputError, ValueError)
    assert i2v_nb.ImageInputError is ImageInputError


# ---------------------------------------------------------------- fit_image

def test_fit_crop_keeps_the_centre():
    array = np.zeros((100, 300, 3), np.uint8)
    array[:, 100:200] = 255  # white centre third
    out = np.asarray(fit_image(array, 64, 64, mode="crop"))
    assert out.shape == (64, 64, 3) and out.mean() > 250


def test_fit_pad_keeps_everything_and_adds_bars():
    array = np.full((100, 300, 3), 255, np.uint8)
    out = np.asarray(fit_image(array, 64, 64, mode="pad", fill=(0, 0, 0)))
    assert out.shape == (64, 64, 3)
    assert out[0].max() == 0 and out[-1].max() == 0          # bars above and below
    assert out[32].min() == 255                               # full width in the middle


def test_fit_stretch_and_multiple_of():
    out = fit_image(smooth_image(), 100, 50, mode="stretch", multiple_of=2)
    assert out.size == (100, 50)
    with pytest.warns(ResolutionSnapWarning, match="100×50 snapped to 96×48"):
        assert fit_image(smooth_image(), 100, 50, multiple_of=16).size == (96, 48)


@pytest.mark.parametrize("kwargs, match", [
    ({"width": 0, "height": 8}, "width must be a positive integer"),
    ({"width": 8, "height": -1}, "height must be a positive integer"),
    ({"width": 8, "height": 8, "mode": "zoom"}, "mode must be"),
    ({"width": 8, "height": 8, "multiple_of": 0}, "multiple_of"),
])
def test_fit_bad_parameters(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        fit_image(smooth_image(), **kwargs)


# ---------------------------------------------------------------- import stays light

def test_import_does_not_load_heavy_libraries():
    code = ("import sys, i2v_nb; i2v_nb.ImageInputError; "
            "print([m for m in ('torch', 'diffusers', 'transformers', 'cv2', 'matplotlib', "
            "'ipywidgets', 'skimage') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=pathlib.Path(__file__).parent.parent)
    assert out.stdout.strip() == "[]"


def test_public_api_names_resolve():
    for name in ("load_image", "fit_image", "read_video", "write_video", "Clip", "History",
                 "sample_image", "sample_names", "ImageInputError", "to_uint8"):
        assert callable(getattr(i2v_nb, name))
    with pytest.raises(AttributeError):
        i2v_nb.not_a_name  # noqa: B018


def test_redirects_only_to_http(tmp_path):
    """A server that redirects the download to file:// or ftp:// is refused."""
    import http.server
    import threading

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd" if "file" in self.path
                             else "ftp://127.0.0.1/secret.png")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(ImageInputError, match="non-http"):
            load_image(f"{base}/ftp", timeout=5)
        with pytest.raises(ImageInputError, match="not allowed"):
            load_image(f"{base}/file", timeout=5)
    finally:
        server.shutdown()
        server.server_close()

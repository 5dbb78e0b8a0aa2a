"""What a file is, from its first bytes: things people upload that are not images, and the sizes
of the images inside icon containers (checked before Pillow decodes them while opening).

>>> sniff(b"%PDF-1.7 ...")[0]
'a PDF document'
"""

from __future__ import annotations

__all__ = ["NOT_IMAGES", "sniff", "embedded_sizes"]

#: Magic bytes of things people upload that are not images Pillow reads:
#: ``(magic, offset, what it is, what to do)``.
NOT_IMAGES: list[tuple[bytes, int, str, str]] = [
    (b"%PDF", 0, "a PDF document", "export the page as PNG or JPEG first"),
    (b"PK\x03\x04", 0, "a ZIP archive (or an Office document)", "unzip it and load an image inside"),
    (b"ftypheic", 4, "a HEIC/HEIF photo (iPhone default)",
     "convert it to JPEG or PNG first (e.g. `pip install pillow-heif` and re-save, or export as "
     "JPEG on the phone)"),
    (b"ftypheix", 4, "a HEIC/HEIF photo", "convert it to JPEG or PNG first"),
    (b"ftypmif1", 4, "a HEIF image", "convert it to JPEG or PNG first"),
    (b"ftypisom", 4, "an MP4 video", "use i2v_nb.read_video() for videos, or pick one frame"),
    (b"ftypmp42", 4, "an MP4 video", "use i2v_nb.read_video() for videos, or pick one frame"),
    (b"ftypqt", 4, "a QuickTime video", "use i2v_nb.read_video() for videos"),
    (b"\x1aE\xdf\xa3", 0, "a WebM/Matroska video", "use i2v_nb.read_video() for videos"),
    (b"ID3", 0, "an MP3 audio file", "load an image file instead"),
    (b"\x7fELF", 0, "a program (ELF binary)", "load an image file instead"),
]


def sniff(head: bytes, *, text: bool = True) -> tuple[str, str] | None:
    """What a file that Pillow could not read probably is, and what to do: ``(what, fix)``.

    Only asked *after* Pillow failed, so text formats Pillow reads (XBM, XPM, plain PBM/PGM/PPM,
    FITS) load. ``text=False`` looks for binary magic numbers only (PDF, ZIP, HEIC, MP4…): used
    when Pillow recognised a header but could not decode the rest.
    """
    for magic, offset, what, fix in NOT_IMAGES:
        if head[offset:offset + len(magic)] == magic:
            return what, fix
    if not text:
        return None
    stripped = head.lstrip()[:256].lower()
    if stripped.startswith((b"<svg", b"<?xml")) and b"<svg" in head[:4096].lower():
        return "an SVG vector drawing", "rasterise it to PNG first (e.g. with cairosvg or Inkscape)"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return ("an HTML page (a web page, not the image itself)",
                "use the image's own address (right-click the image → Copy image address)")
    try:
        head[:512].decode("utf-8")
        if head and all(b >= 9 for b in head[:512]):
            return "a text file", "load an image file (PNG, JPEG, WebP, TIFF, BMP, GIF) instead"
    except UnicodeDecodeError:
        pass
    return None


def embedded_sizes(raw: bytes) -> list[tuple[int, int]]:
    """Sizes of the images inside an ICO/CUR or ICNS container, read from their headers.

    Pillow decodes an icon's embedded PNG or BMP while it *opens* the file (its size is only
    known then), so these are checked against ``max_pixels`` before ``Image.open``.

    >>> embedded_sizes(b"GIF89a")
    []
    """
    import struct

    png = b"\x89PNG\r\n\x1a\n"

    def png_size(block: bytes) -> tuple[int, int] | None:
        if block[:8] == png and len(block) >= 24:
            width, height = struct.unpack(">II", block[16:24])
            return width, height
        return None

    sizes: list[tuple[int, int]] = []
    try:
        if raw[:4] in (b"\0\0\1\0", b"\0\0\2\0"):  # ICO / CUR: a directory of PNG or BMP entries
            (count,) = struct.unpack("<H", raw[4:6])
            for i in range(min(count, 1024)):
                entry = raw[6 + 16 * i:22 + 16 * i]
                if len(entry) < 16:
                    break
                (offset,) = struct.unpack("<I", entry[12:16])
                block = raw[offset:offset + 24]
                size = png_size(block)
                if size is None and len(block) >= 12:  # BITMAPINFOHEADER: height counts the mask
                    width, height = struct.unpack("<ii", block[4:12])
                    size = abs(width), abs(height) // 2
                if size is not None:
                    sizes.append(size)
        elif raw[:4] == b"icns":  # ICNS: typed blocks, the big ones PNG or JPEG 2000
            pos = 8
            for _ in range(1024):
                if pos + 8 > len(raw):
                    break
                (length,) = struct.unpack(">I", raw[pos + 4:pos + 8])
                block = raw[pos + 8:pos + max(8, length)]
                size = png_size(block)
                ihdr = block.find(b"ihdr", 0, 256)  # a JP2 header box: height, width
                if size is None and ihdr >= 0 and len(block) >= ihdr + 12:
                    height, width = struct.unpack(">II", block[ihdr + 4:ihdr + 12])
                    size = width, height
                if size is not None:
                    sizes.append(size)
                if length < 8:
                    break
                pos += length
    except struct.error:  # a header cut short: Image.open reports it
        pass
    return sizes

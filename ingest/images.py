"""Still images: description, derivatives, OCR input, the grey pixels the picture hash
reads (:mod:`ingest.picture_hash`) — the only Pillow importer in ingest.

Derivatives are baseline JPEG (not WebP): every browser and every old phone our commune
officers use shows JPEG, while WebP needs Android 4.2+/iOS 14+ and some stock gallery
apps still refuse it. Files: ``thumbnail.jpg`` (longest side ``thumbnail_px``, default
320) and ``preview.jpg`` (``preview_px``, default 1280); never upscaled; EXIF
orientation applied; no metadata copied (orientation would otherwise apply twice).

Safety: a decompression bomb (more pixels than ``image_max_pixels``) is refused from
the header, before any pixel is decoded, with a message naming the file, its pixel
count and the configured limit. Under that limit, decoding is held to a memory budget
(DECODE_BUDGET_BYTES): a JPEG is decoded by reduction (DCT scaling to near the preview
size), and what an image still needs — its pixels as Pillow stores them (1, 2 or 4
bytes each), a full-size colour conversion for modes shrunk after converting, a
turned copy for an EXIF orientation — is counted from the header before any pixel is
decoded; over the budget it is refused (``image.memory``), so one process never
balloons (a 164 KB PNG of 169 megapixels would take 1.4 GB). Pillow's global guard (``Image.MAX_IMAGE_PIXELS``,
shared by threads) is only ever raised, to the configured limit, so that it never
refuses an image the configuration allows nor answers in its own words; truncated or
corrupt files give a ProcessingError, never a crash.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Iterable

import numpy
import PIL
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from archive.errors import Bytes, ProcessingError, Quantity
from ingest.results import Rendition, json_safe, writing

JPEG_TYPE = "image/jpeg"
PREVIEW_QUALITY = 82
THUMBNAIL_QUALITY = 80
WHITE = (255, 255, 255)
_TESSERACT_READS = {"JPEG", "PNG", "TIFF", "BMP", "PPM", "GIF"}
_TESSERACT_MODES = {"1", "L", "P", "RGB"}
_RESIZE_FIRST = {"L", "RGB", "CMYK", "RGBA", "LA", "YCbCr", "LAB"}
_SWAPS_AXES = {5, 6, 7, 8}          # EXIF orientations that turn the picture by 90°
_BASE_TAGS = ("Make", "Model", "Software", "DateTime", "Artist", "Copyright",
              "ImageDescription", "Orientation")
_EXIF_TAGS = ("DateTimeOriginal", "ExposureTime", "FNumber", "ISOSpeedRatings",
              "FocalLength", "LensModel")
_MAX_TAG_TEXT = 200
DECODE_BUDGET_BYTES = 128 * 1024 * 1024   # pixels decoded at once, with their copies
_STORED_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")   # in Pillow's DecompressionBombError
BOMB_MESSAGE = ("image %(file)s has %(pixels)s pixels (%(width)s × %(height)s), over the "
                "limit of %(limit)s pixels (image_max_pixels): refused as a possible "
                "decompression bomb")


def tool_version() -> str:
    """Pillow's version."""
    return PIL.__version__


def open_checked(path: Path, max_pixels: int) -> Image.Image:
    """Open ``path`` lazily (header only) and refuse images over ``max_pixels``.

    Raises ProcessingError for unknown formats, corrupt headers and bombs. Pillow's own
    global guard is raised to ``max_pixels`` when it is lower (never lowered).
    """
    _raise_pillow_guard(max_pixels)
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as exc:
        found = _BOMB_PIXELS.search(str(exc))
        if found is None:
            raise ProcessingError("image %(file)s has more than %(limit)s pixels "
                                  "(image_max_pixels): refused as a possible decompression "
                                  "bomb", problem="image.bomb", field=path.name,
                                  file=path.name, limit=Quantity(max_pixels)) from None
        raise ProcessingError("image %(file)s has %(pixels)s pixels, over the limit of "
                              "%(limit)s pixels (image_max_pixels): refused as a possible "
                              "decompression bomb", problem="image.bomb", field=path.name,
                              file=path.name, pixels=Quantity(int(found.group(1))),
                              limit=Quantity(max_pixels)) from None
    except UnidentifiedImageError:
        raise ProcessingError("not a readable image: format not supported or file corrupt",
                              problem="image.unreadable") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise ProcessingError(f"file is truncated or corrupt: {exc}",
                              problem="image.truncated") from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ProcessingError(BOMB_MESSAGE, problem="image.bomb", field=path.name,
                              file=path.name,
                              pixels=Quantity(width * height), width=width, height=height,
                              limit=Quantity(max_pixels))
    return image


def _raise_pillow_guard(max_pixels: int) -> None:
    """Let Pillow's global guard (a warning above ``MAX_IMAGE_PIXELS``, an error above
    twice that) never stop an image under ``max_pixels``: our own check, with our own
    message, decides. Only raised, so no thread ever gets a lower guard than before."""
    guard = Image.MAX_IMAGE_PIXELS
    if guard is not None and guard < max_pixels:
        Image.MAX_IMAGE_PIXELS = max_pixels


def exif_of(image: Image.Image) -> Image.Exif:
    """The image's EXIF, read from the header only: Pillow looks for a PNG's ``eXIf``
    chunk after the pixel data by decoding every pixel, so a PNG whose header carries
    none is read as having none (the chunk belongs before the pixel data)."""
    if image.format == "PNG" and "exif" not in image.info:
        return Image.Exif()
    return image.getexif()


def decode_bytes(image: Image.Image, orientation: int = 1) -> int:
    """Bytes decoding ``image`` (at its size now: after ``draft``) takes at once: its
    pixels as stored, a full-size conversion for modes converted before shrinking, a
    turned copy for an EXIF orientation other than 1."""
    stored = _STORED_BYTES.get(image.mode, 4)
    each = stored + (0 if image.mode in _RESIZE_FIRST else 4) \
        + (stored if orientation != 1 else 0)
    return image.width * image.height * each


def check_decode_budget(image: Image.Image, orientation: int = 1) -> None:
    """ProcessingError (``image.memory``) when decoding ``image`` would take more than
    DECODE_BUDGET_BYTES (see :func:`decode_bytes`)."""
    needed = decode_bytes(image, orientation)
    if needed > DECODE_BUDGET_BYTES:
        name = Path(getattr(image, "filename", "") or "image").name
        raise ProcessingError("image %(file)s (%(width)s × %(height)s pixels) needs "
                              "%(needed)s of memory to decode, over the budget of "
                              "%(budget)s", problem="image.memory", field=name, file=name,
                              width=image.width, height=image.height,
                              needed=Bytes(needed), budget=Bytes(DECODE_BUDGET_BYTES))


def decode_upright(image: Image.Image) -> Image.Image:
    """Decode all pixels and apply the EXIF orientation, within the decode budget
    (:func:`check_decode_budget`); broken data -> ProcessingError. An upright image is
    decoded in place (no copy)."""
    orientation = exif_of(image).get(ExifTags.Base.Orientation) or 1
    check_decode_budget(image, orientation)
    try:
        if orientation == 1:
            image.load()
            return image
        upright = ImageOps.exif_transpose(image)
        upright.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ProcessingError(f"file is truncated or corrupt: {exc}",
                              problem="image.truncated") from None
    return upright


def describe(path: Path, max_pixels: int) -> dict[str, Any]:
    """Dimensions (as displayed, after EXIF orientation), DPI, mode, format, EXIF subset."""
    with open_checked(path, max_pixels) as image:
        exif = exif_of(image)
        orientation = exif.get(ExifTags.Base.Orientation) or 1
        width, height = image.size
        if orientation in _SWAPS_AXES:
            width, height = height, width
        dpi = image.info.get("dpi")
        return json_safe({
            "format": image.format, "mode": image.mode,
            "width": width, "height": height, "orientation": orientation,
            "dpi": [round(float(v), 2) for v in dpi] if dpi else None,
            "frames": getattr(image, "n_frames", 1),
            "icc_profile": bool(image.info.get("icc_profile")),
            "exif": useful_exif(exif),
        })


def useful_exif(exif: Image.Exif) -> dict[str, Any]:
    """A small JSON-safe dict of EXIF tags worth cataloguing (camera, dates, GPS)."""
    found: dict[str, Any] = {}
    for name in _BASE_TAGS:
        _keep(found, name, exif.get(getattr(ExifTags.Base, name)))
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    for name in _EXIF_TAGS:
        _keep(found, name, detail.get(getattr(ExifTags.Base, name)))
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    for axis, ref_tag, value_tag in (("latitude", 1, 2), ("longitude", 3, 4)):
        value = _gps_degrees(gps.get(value_tag), gps.get(ref_tag))
        if value is not None:
            found["gps_" + axis] = value
    return found


def _keep(found: dict[str, Any], name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        value = value.replace("\x00", "").strip()[:_MAX_TAG_TEXT]
        if not value:
            return
    elif isinstance(value, tuple):
        value = [_number(v) for v in value]
    else:
        value = _number(value)
    found[name] = json_safe(value)


def _number(value: Any) -> Any:
    try:
        return value if isinstance(value, int) else round(float(value), 6)
    except (TypeError, ValueError, ZeroDivisionError):
        return str(value)


def _gps_degrees(value: Any, ref: Any) -> float | None:
    try:
        degrees = float(value[0]) + float(value[1]) / 60 + float(value[2]) / 3600
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    return round(-degrees if ref in ("S", "W", b"S", b"W") else degrees, 6)


def make_derivatives(path: Path, workdir: Path, max_pixels: int, thumbnail_px: int,
                     preview_px: int) -> list[Rendition]:
    """Decode ``path`` once (JPEG drafted near ``preview_px``) and write preview + thumbnail."""
    with open_checked(path, max_pixels) as image:
        if image.format == "JPEG":
            image.draft(image.mode, (preview_px, preview_px))   # DCT scaling: less memory
        return save_derivatives(decode_upright(image), workdir, thumbnail_px, preview_px)


def save_derivatives(image: Image.Image, workdir: Path, thumbnail_px: int,
                     preview_px: int) -> list[Rendition]:
    """Write ``preview.jpg`` and ``thumbnail.jpg`` from an upright, loaded image.

    ``image`` is shrunk in place (the caller owns it). 8-bit modes are shrunk before the
    colour conversion so the conversion only touches preview-sized pixels.
    """
    if image.mode not in _RESIZE_FIRST:
        image = display_ready(image)
    image.thumbnail((preview_px, preview_px), Image.Resampling.LANCZOS, reducing_gap=3.0)
    preview = display_ready(image)
    thumbnail = preview.copy()
    thumbnail.thumbnail((thumbnail_px, thumbnail_px), Image.Resampling.LANCZOS)
    return [_save_jpeg(preview, workdir / "preview.jpg", "preview", PREVIEW_QUALITY, preview_px),
            _save_jpeg(thumbnail, workdir / "thumbnail.jpg", "thumbnail", THUMBNAIL_QUALITY,
                       thumbnail_px)]


def make_thumbnail(source: Path, workdir: Path, thumbnail_px: int,
                   max_pixels: int) -> Rendition:
    """Write ``thumbnail.jpg`` from an image file (e.g. a video's poster frame)."""
    with open_checked(source, max_pixels) as image:
        upright = decode_upright(image)
    if upright.mode not in _RESIZE_FIRST:
        upright = display_ready(upright)
    upright.thumbnail((thumbnail_px, thumbnail_px), Image.Resampling.LANCZOS, reducing_gap=3.0)
    return _save_jpeg(display_ready(upright), workdir / "thumbnail.jpg", "thumbnail",
                      THUMBNAIL_QUALITY, thumbnail_px)


def _save_jpeg(image: Image.Image, target: Path, name: str, quality: int,
               box_px: int) -> Rendition:
    with writing(target) as part:
        image.save(part, format="JPEG", quality=quality, optimize=True)
    params = {"format": "JPEG", "quality": quality, "max_px": box_px,
              "width": image.width, "height": image.height}
    return Rendition(name=name, path=target, media_type=JPEG_TYPE, params=params)


def display_ready(image: Image.Image) -> Image.Image:
    """``image`` as 8-bit sRGB ``RGB`` or ``L``: alpha flattened on white, 16-bit scaled
    (not clipped), palette expanded, CMYK/Lab/YCbCr converted (via its ICC profile if any).
    """
    mode = image.mode
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16"):
        return image.convert("I").point(lambda v: v * (1 / 257)).convert("L")
    if mode in ("I", "F"):
        low, high = image.getextrema()
        scale = 255 / (high - low) if high > low else 1
        return image.point(lambda v: (v - low) * scale).convert("L")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        return _flatten(image)
    if mode == "L":
        return image
    return _to_srgb(image)


def _flatten(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, WHITE)
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background.convert("L") if image.mode in ("LA", "La") else background


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                                  outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass                       # broken profile: plain conversion below
    return image if image.mode == "RGB" else image.convert("RGB")


def short_side(path: Path, max_pixels: int) -> int:
    """The shorter side in pixels (from the header)."""
    with open_checked(path, max_pixels) as image:
        return min(image.size)


def ocr_input(path: Path, workdir: Path, max_pixels: int) -> Path:
    """A file tesseract can read upright: the original when it is plain and upright,
    else an upright grayscale ``ocr-input.png`` written into ``workdir`` (caller deletes).
    """
    with open_checked(path, max_pixels) as image:
        orientation = exif_of(image).get(ExifTags.Base.Orientation) or 1
        if image.format in _TESSERACT_READS and image.mode in _TESSERACT_MODES \
                and orientation == 1:
            return path
        upright = decode_upright(image)
        target = workdir / "ocr-input.png"
        save_ocr_page(upright, target)
        return target


def save_ocr_page(image: Image.Image, target: Path) -> None:
    """Write ``image`` as a grayscale PNG (fast compression) for tesseract."""
    gray = display_ready(image)
    gray = gray if gray.mode == "L" else gray.convert("L")
    with writing(target) as part:
        gray.save(part, format="PNG", compress_level=1)


def save_page(image: Image.Image, target: Path) -> dict[str, int]:
    """Write a rendered document page (a PDF page from :mod:`ingest.pdf`) as baseline
    JPEG at ``PREVIEW_QUALITY`` to ``target`` (atomically); returns its pixel size."""
    ready = display_ready(image)
    with writing(target) as part:
        ready.save(part, format="JPEG", quality=PREVIEW_QUALITY, optimize=True)
    return {"width": ready.width, "height": ready.height}


def grey_squares(path: Path, max_pixels: int, sides: Iterable[int],
                 draft_px: int) -> tuple[int, list[numpy.ndarray]]:
    """The picture of ``path`` upright and in grey levels, shrunk (Lanczos) to a square
    of each of ``sides`` pixels, as float64 arrays (0–255), with its shorter side in
    pixels (from the header). A JPEG is decoded reduced (DCT scaling) to at least
    ``draft_px``. What :mod:`ingest.picture_hash` hashes; ProcessingError for an
    unreadable picture."""
    with open_checked(path, max_pixels) as image:
        short = min(image.size)
        if image.format == "JPEG":
            image.draft("RGB", (draft_px, draft_px))
        grey = display_ready(decode_upright(image)).convert("L")
    return short, [numpy.asarray(grey.resize((side, side), Image.Resampling.LANCZOS),
                                 dtype=numpy.float64) for side in sides]

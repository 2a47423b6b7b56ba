"""Generators of small test media (ffmpeg lavfi sources, Pillow images, PDFs).

Tests call these with ``tmp_path``; nothing is committed. ffmpeg is run as a plain
command here (the ffmpeg-python wrapper belongs to ``ingest.media``).
"""
from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; raise with its stderr when it fails."""
    done = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                           *args], capture_output=True, timeout=120)
    if done.returncode:
        raise RuntimeError(done.stderr.decode("utf-8", "replace"))


def video(target: Path, *, seconds: float = 3, size: str = "320x240", rate: int = 25,
          video_args: tuple[str, ...] = ("-c:v", "libx264", "-preset", "ultrafast",
                                         "-pix_fmt", "yuv420p"),
          audio_args: tuple[str, ...] | None = ("-c:a", "aac", "-b:a", "64k")) -> Path:
    """A testsrc2 video (with a sine tone when ``audio_args`` is given)."""
    inputs = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio_args is not None:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    ffmpeg(*inputs, *video_args, *(audio_args or ("-an",)), "-shortest", str(target))
    return target


def tone(target: Path, *, seconds: float = 5, channels: int = 2, rate: int = 48000,
         codec_args: tuple[str, ...] = ()) -> Path:
    """A speech-like test signal: a 220 Hz tone whose level swings slowly (so the
    loudness range is not zero, as with real programme), in ``channels`` channels."""
    expr = "0.3*sin(2*PI*220*t)*(0.6+0.4*sin(2*PI*0.5*t))"
    layout = "|".join([expr] * channels)
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc={layout}:s={rate}:d={seconds}",
           *codec_args, str(target))
    return target


def text_image(target: Path, lines: list[str], *, size: tuple[int, int] = (1400, 400),
               font_px: int = 48, fmt: str | None = None) -> Path:
    """Black text on white, drawn with DejaVu Sans (has Vietnamese glyphs)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(DEJAVU), font_px)
    for number, line in enumerate(lines):
        draw.text((40, 40 + number * int(font_px * 1.6)), line, fill="black", font=font)
    image.save(target, format=fmt)
    return target


def text_pdf(target: Path, pages: list[str], *, password_protected: bool = False,
             encoding: str = "") -> Path:
    """A minimal PDF with a real text layer (Helvetica, ASCII text), one page per string.

    ``password_protected`` adds a standard security handler whose user password is not
    empty (random O/U entries), so readers must ask for a password. ``encoding`` names
    the font's encoding (``WinAnsiEncoding``: Latin-1 text, as a legacy .Vn font gives).
    """
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font_number = 3
    named = f" /Encoding /{encoding}".encode() if encoding else b""
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica%s >>" % named)
    for text in pages:
        stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        content_number = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
                       b" /Resources << /Font << /F1 %d 0 R >> >> >>"
                       % (content_number, font_number))
        kids.append(len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    body, offsets = b"%PDF-1.4\n", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, obj)
    extra = b""
    if password_protected:
        offsets.append(len(body))
        body += (b"%d 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>\nendobj\n"
                 % (len(objects) + 1, b"11" * 32, b"22" * 32))
        extra = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (len(objects) + 1, b"ab" * 16, b"ab" * 16)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(offsets) + 1, extra, xref)
    target.write_bytes(body)
    return target


def png_header_only(target: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width``×``height`` pixels but carries no pixel data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    target.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                       + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))
    return target


def mp4_top_level_boxes(path: Path) -> list[str]:
    """Names of the top-level boxes of an MP4, in file order (to check faststart)."""
    import struct
    names, data = [], path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
        names.append(kind.decode("latin-1"))
        if size < 8:
            break
        offset += size
    return names


def one_colour_png(target: Path, width: int, height: int,
                   colour: tuple[int, int, int] = (40, 90, 160)) -> Path:
    """An RGB PNG of ``width``×``height`` pixels of one colour, written row by row
    (never whole in memory): 13,000 × 13,000 compresses to about half a megabyte."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(colour) * width
    packer = zlib.compressobj(9)
    with target.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
            ">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        rows_per_block = max(1, (8 << 20) // len(row))
        for start in range(0, height, rows_per_block):
            data = packer.compress(row * min(rows_per_block, height - start))
            if data:
                out.write(chunk(b"IDAT", data))
        out.write(chunk(b"IDAT", packer.flush()) + chunk(b"IEND", b""))
    return target

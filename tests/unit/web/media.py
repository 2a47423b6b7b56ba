"""Small media generated inside the tests (never committed)."""
from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image, ImageDraw


def png_bytes(size: tuple[int, int] = (320, 200), text: str = "Kho") -> bytes:
    image = Image.new("RGB", size, (200, 40, 40))
    ImageDraw.Draw(image).text((20, 20), text, fill="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def wav_file(target: Path, seconds: float = 2.0) -> Path:
    """A mono 440 Hz tone as 16-bit WAV, made with ffmpeg's lavfi sine source."""
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
                    "-ac", "1", "-ar", "22050", str(target)], check=True, timeout=60)
    return target

"""A picture's perceptual hashes, for near-duplicates (:mod:`ingest.likeness`).

The pixels come from :func:`ingest.images.grey_squares` (Pillow has one home,
:mod:`ingest.images`); here they become numbers with numpy alone: the hashes are
imagehash 4.3's ``phash`` computed without SciPy, so a re-scan or a resized copy of a
poster lands within a few bits of the original while another poster does not.
"""
from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy

from ingest.images import grey_squares

HASH_SIZES = (8, 16)      # pHash of 8×8 (64 bits: look-up keys) and 16×16 (256 bits)
HASH_FREQUENCY_FACTOR = 4  # …low frequencies of the DCT of a 4× larger grey thumbnail
HASH_DRAFT_PX = 128       # a JPEG is decoded reduced (DCT scaling) to at least this


def _dct_matrix(size: int) -> numpy.ndarray:
    """The unnormalised DCT-II matrix (SciPy's ``dct`` type 2: 2·cos(π·k·(2n+1)/2N))."""
    k = numpy.arange(size)[:, None]
    n = numpy.arange(size)[None, :]
    return 2 * numpy.cos(numpy.pi * k * (2 * n + 1) / (2 * size))


class PictureHash(NamedTuple):
    """A picture's perceptual hashes (64 and 256 bits), the grey-level contrast of its
    32×32 thumbnail (0–255) and its shorter side in pixels."""

    phash: int
    phash_fine: int
    contrast: float
    short_side: int


def picture_hash(path: Path, max_pixels: int) -> PictureHash:
    """The picture of ``path`` (a preview JPEG, an image) as its perceptual hashes of 64
    and 256 bits, its contrast and its shorter side in pixels.

    The hashes are imagehash 4.3's ``phash`` with ``hash_size`` 8 and 16 (bits in row
    order, the first the highest), computed with numpy instead of SciPy: a bit is set
    where a coefficient of the hash_size × hash_size lowest frequencies of the DCT of
    the grey thumbnail (4 × hash_size pixels square) is above their median. The 64-bit
    one is coarse (the look-up keys of candidates), the 256-bit one tells a re-scan
    from another poster of the same layout. ``contrast`` is the standard deviation of
    the 32×32 thumbnail's grey levels: a blank page is near 0. A JPEG is decoded
    reduced (DCT scaling), so hashing a 1280 px preview costs milliseconds. Raises
    ProcessingError for an unreadable picture.
    """
    short_side, squares = grey_squares(path, max_pixels,
                                       [size * HASH_FREQUENCY_FACTOR for size in HASH_SIZES],
                                       HASH_DRAFT_PX)
    found = []
    for size, small in zip(HASH_SIZES, squares):
        dct = _dct_matrix(len(small))
        low = (dct @ small @ dct.T)[:size, :size]
        found.append(_bits_value(low > numpy.median(low)))
    contrast = round(float(squares[0].std()), 2)
    return PictureHash(found[0], found[1], contrast, short_side)


def _bits_value(bits: numpy.ndarray) -> int:
    """Booleans (row order) as one integer, the first the highest bit."""
    value = 0
    for bit in bits.flatten():
        value = (value << 1) | int(bit)
    return value

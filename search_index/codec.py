"""The one Whoosh codec every index writer uses."""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec

# Bigger posting blocks than Whoosh's default 128: fewer blocks to decode per term.
POSTING_BLOCK = 1024
# (Inlining short posting lists, inlinelimit > 1, is broken in whoosh-reloaded
# 2.7.5: W3PostingsWriter calls a missing TermInfo.set_inline.)


def writer_codec() -> W3Codec:
    """Whoosh's format with bigger posting blocks and no per-block length statistics.

    Those statistics (shortest/longest field in a block) serve Whoosh's own
    block-skipping, which the numpy evaluator never uses; gathering them read
    each posting's field length back from disk, a sixth of the build time.
    """
    codec = W3Codec(blocklimit=POSTING_BLOCK)
    codec.length_stats = False
    return codec

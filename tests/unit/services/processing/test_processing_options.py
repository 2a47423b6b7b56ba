"""The processing steps run with the instance's settings (timeouts, OCR languages,
loudness, channels), as the worker builds them for every job."""
from __future__ import annotations

from app.bootstrap import Kho
from app.services.processing.pipeline import options_from


def test_options_follow_the_instance_settings(settings):
    runtime = Kho(settings.replace(tool_timeout=60, ocr_languages="vie+eng",
                                   broadcast_channels=2))
    options = options_from(runtime)
    assert (options.tool_timeout, options.ocr_languages, options.broadcast_channels) == (
        60, "vie+eng", 2)
    assert options.thumbnail_px == 320                  # not a setting: default kept

"""Caption and transcript tracks of audio and video files: attached on upload (WebVTT,
SRT converted), extracted from the subtitle streams of a video at processing time,
checked against the media's length, edited, removed and read back for players, the
transcript panel and downloads (``tracks``)."""

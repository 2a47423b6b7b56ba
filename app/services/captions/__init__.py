"""Caption and transcript tracks of audio and video files: attached on upload (WebVTT,
SRT converted), extracted from the subtitle streams of a video at processing time,
checked against the media's length, edited, removed and read back for players, the
transcript panel and downloads: what a track is by its options and name (``naming``),
an upload attached (``attaching``), tracks read back (``reading``) and changed
(``editing``), a video's subtitle streams and the length check (``embedded``)."""

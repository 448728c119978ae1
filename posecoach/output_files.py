"""The one list of the files an analysis writes into its output folder (analyze, live,
web jobs), and what the web app serves them as. Names only: no I/O here."""

from __future__ import annotations

REPORT_JSON = "report.json"     # the versioned report (schema: report/report.schema.json)
REPORT_HTML = "report.html"     # the self-contained page
ANGLES_CSV = "angles.csv"       # one row per frame
VIDEO = "annotated.mp4"         # the annotated video (a live --record recording, adopted)
IMAGE = "annotated.jpg"         # the annotated still, for a photo
PLOTS = "plots"                 # folder of chart PNGs
POSTER = "poster.jpg"           # the video's first annotated frame (shown before it plays)

# File -> media type, for everything at the top of an output folder.
MEDIA_TYPES: dict[str, str] = {REPORT_JSON: "application/json", ANGLES_CSV: "text/csv",
                               VIDEO: "video/mp4", IMAGE: "image/jpeg", REPORT_HTML: "text/html",
                               POSTER: "image/jpeg"}
# Offered as downloads (attachments); the rest are shown inline.
DOWNLOADS: tuple[str, ...] = (REPORT_JSON, ANGLES_CSV)

#!/usr/bin/env python3
"""`make bench`, transcription: uploads a speech WAV through the app's upload protocol, then
follows its transcription to the end, and prints the time from "upload complete" to "transcript
visible", next to the engine's own time on the same file (measured by the transcription_bench
example in the same run): the difference is what the pipeline adds (check job, queueing,
decoding, storing, summarising, page read).

usage: bench_transcription.py APP_URL EMAIL PASSWORD SPEECH.wav ENGINE_MS
"""

import sys
import time
import urllib.request

from bench_client import App

app, email, password, speech, engine_ms = sys.argv[1:6]
origin = app.rstrip("/")
engine_ms = float(engine_ms)
client = App(app)
post = client.post

post("/api/account/log-in", {"email": email, "password": password})
slug = f"bench-speech-{int(time.time())}"
post("/api/workspaces/create", {"name": "Bench speech", "slug": slug})
with open(speech, "rb") as f:
    data = f.read()
plan = post(
    "/api/uploads/start",
    {"workspace": slug, "file_name": "speech.wav", "size_bytes": len(data), "file_modified_ms": None},
    as_json=True,
)
rid, part_size, count = plan["recording_id"], plan["part_size"], plan["part_count"]
urls = post(
    "/api/uploads/parts",
    {"workspace": slug, "id": rid, "done": [], "want": list(range(1, count + 1))},
    as_json=True,
)
done = []
for part in urls:
    n = part["number"]
    chunk = data[(n - 1) * part_size : n * part_size]
    request = urllib.request.Request(
        part["url"] if part["url"].startswith("http") else origin + part["url"], data=chunk, method="PUT"
    )
    with client.opener.open(request) as response:
        done.append({"number": n, "etag": response.headers["ETag"]})
post("/api/uploads/complete", {"workspace": slug, "id": rid, "done": done}, as_json=True)
completed = time.monotonic()
stage = None
while time.monotonic() - completed < 600:
    view = post("/api/transcripts/view", {"workspace": slug, "id": rid})
    stage = (view.get("state") or {}).get("stage")
    if stage in ("Done", "Failed", "Cancelled"):
        break
    time.sleep(0.05)
total_ms = (time.monotonic() - completed) * 1000
if stage != "Done":
    sys.exit(f"the transcription ended {stage!r}: {view}")
print(f"| {'upload complete → transcript visible':<44} | {total_ms:>10.0f} |")
print(f"| {'  of which the engine (tiny.en, same file)':<44} | {engine_ms:>10.0f} |")
print(f"| {'  pipeline overhead (the rest)':<44} | {total_ms - engine_ms:>10.0f} |")

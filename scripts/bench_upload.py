#!/usr/bin/env python3
"""`make bench`, uploads: 1 GiB through the app's upload protocol (start, part URLs in batches,
four parts at once, complete), next to the raw write of the same bytes to the same store, both in
this run. Prints MB/s, the ratio, and the server's peak RSS growth during the upload.

usage: bench_upload.py APP_URL SERVER_PID STORAGE_DIR EMAIL PASSWORD [MIB]
"""

import http.client
import http.cookiejar
import json
import os
import sys
import threading
import time
import urllib.parse
import urllib.request

app, pid, storage_dir, email, password = sys.argv[1:6]
mib = int(sys.argv[6]) if len(sys.argv) > 6 else 1024
size = mib * 1024 * 1024
origin = app.rstrip("/")

jar = http.cookiejar.CookieJar()
opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))


def post(path, data, as_json=False):
    body = json.dumps(data).encode() if as_json else urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(
        origin + path,
        data=body,
        headers={
            "Content-Type": "application/json" if as_json else "application/x-www-form-urlencoded",
            "Accept": "application/json",
            "Origin": origin,
        },
    )
    with opener.open(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def rss_kib(field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


post("/api/account/log-in", {"email": email, "password": password})
slug = f"bench-{int(time.time())}"
post("/api/workspaces/create", {"name": "Bench", "slug": slug})

chunk = os.urandom(8 * 1024 * 1024)


def body(length):
    return chunk[:length] if length <= len(chunk) else (chunk * (length // len(chunk) + 1))[:length]


# Peak RSS counts from here (writing 5 resets the high-water mark to the current size).
with open(f"/proc/{pid}/clear_refs", "w") as refs:
    refs.write("5")
rss_before = rss_kib("VmRSS")
started = time.monotonic()
plan = post(
    "/api/uploads/start",
    {"workspace": slug, "file_name": "bench.wav", "size_bytes": size, "file_modified_ms": None},
    as_json=True,
)
rid, part_size, count = plan["recording_id"], plan["part_size"], plan["part_count"]
pending = list(range(1, count + 1))
done, unreported = [], []
lock = threading.Lock()
host = urllib.parse.urlparse(origin)
cookie = "; ".join(f"{c.name}={c.value}" for c in jar)


def worker():
    conn = http.client.HTTPConnection(host.hostname, host.port)
    while True:
        with lock:
            if not pending:
                break
            batch, pending[:] = pending[:4], pending[4:]
            report, unreported[:] = unreported[:], []
        urls = post(
            "/api/uploads/parts",
            {"workspace": slug, "id": rid, "done": report, "want": batch},
            as_json=True,
        )
        for part in urls:
            number = part["number"]
            length = part_size if number < count else size - part_size * (count - 1)
            conn.request("PUT", part["url"], body=body(length), headers={"Origin": origin, "Cookie": cookie})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                sys.exit(f"part {number}: HTTP {response.status}")
            with lock:
                entry = {"number": number, "etag": response.getheader("ETag")}
                done.append(entry)
                unreported.append(entry)


threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
post("/api/uploads/complete", {"workspace": slug, "id": rid, "done": unreported}, as_json=True)
app_seconds = time.monotonic() - started
peak_growth = rss_kib("VmHWM") - rss_before

# The raw write of the same bytes into the same store's directory, synced like the parts are.
raw_path = os.path.join(storage_dir, f".bench-raw-{os.getpid()}")
started = time.monotonic()
with open(raw_path, "wb") as raw:
    written = 0
    while written < size:
        piece = body(min(part_size, size - written))
        raw.write(piece)
        written += len(piece)
        os.fsync(raw.fileno())
raw_seconds = time.monotonic() - started
os.remove(raw_path)

app_mbs = size / app_seconds / 1e6
raw_mbs = size / raw_seconds / 1e6
label = f"upload {mib} MiB, local backend"
print(f"| {label:<34} | {app_mbs:>8.0f} MB/s | {app_mbs / raw_mbs:>6.2f} | peak RSS +{peak_growth / 1024:.1f} MiB |")
print(f"| {'raw write, same directory':<34} | {raw_mbs:>8.0f} MB/s | {1:>6.2f} | |")

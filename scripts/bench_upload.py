#!/usr/bin/env python3
"""`make bench`, uploads: 1 GiB through the app's upload protocol (start, part URLs in batches,
four parts at once, complete), next to a raw write of the same bytes to the same store in the same
run: a file write for the local backend, one signed PUT for S3. Prints MB/s, the ratio, and the
server's peak RSS growth during the upload.

usage: bench_upload.py APP_URL SERVER_PID EMAIL PASSWORD MIB local STORAGE_DIR
       bench_upload.py APP_URL SERVER_PID EMAIL PASSWORD MIB s3 ENDPOINT BUCKET REGION ACCESS_KEY SECRET_KEY
"""

import datetime
import hashlib
import hmac
import http.client
import os
import sys
import threading
import time
import urllib.parse
import urllib.request

from bench_client import App

app, pid, email, password, mib, backend = sys.argv[1:7]
store_args = sys.argv[7:]
size = int(mib) * 1024 * 1024
origin = app.rstrip("/")

client = App(app)
post = client.post


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


def connection_for(url, conns):
    """A kept-alive connection to the URL's host (the app for local parts, the bucket for S3)."""
    target = urllib.parse.urlparse(url if "://" in url else origin + url)
    key = (target.hostname, target.port)
    if key not in conns:
        conns[key] = http.client.HTTPConnection(target.hostname, target.port)
    path = target.path + ("?" + target.query if target.query else "")
    return conns[key], path


def worker():
    conns = {}
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
            conn, path = connection_for(part["url"], conns)
            conn.request("PUT", path, body=body(length), headers={"Origin": origin, "Cookie": cookie})
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



def raw_local(storage_dir):
    """The same bytes written into the store's directory, synced like the parts are."""
    raw_path = os.path.join(storage_dir, f".bench-raw-{os.getpid()}")
    started = time.monotonic()
    with open(raw_path, "wb") as raw:
        written = 0
        while written < size:
            piece = body(min(part_size, size - written))
            raw.write(piece)
            written += len(piece)
            os.fsync(raw.fileno())
    seconds = time.monotonic() - started
    os.remove(raw_path)
    return seconds


def sign_v4(method, endpoint, path, region, access_key, secret_key, query=()):
    """Headers for an AWS SigV4 request with an unsigned payload."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    host = urllib.parse.urlparse(endpoint).netloc
    headers = {"host": host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical_query = "&".join(
        f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}" for k, v in sorted(query)
    )
    canonical = "\n".join(
        [
            method,
            urllib.parse.quote(path),
            canonical_query,
            *(f"{k}:{headers[k]}" for k in sorted(headers)),
            "",
            signed,
            "UNSIGNED-PAYLOAD",
        ]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )
    return headers


def raw_s3(endpoint, bucket, region, access_key, secret_key):
    """The same bytes in one signed PUT straight to the bucket, then removed."""
    path = f"/{bucket}/bench-raw-{os.getpid()}"
    target = urllib.parse.urlparse(endpoint)
    conn = http.client.HTTPConnection(target.hostname, target.port)

    def pieces():
        sent = 0
        while sent < size:
            piece = body(min(part_size, size - sent))
            sent += len(piece)
            yield piece

    headers = sign_v4("PUT", endpoint, path, region, access_key, secret_key)
    headers["Content-Length"] = str(size)
    started = time.monotonic()
    conn.request("PUT", path, body=pieces(), headers=headers)
    response = conn.getresponse()
    response.read()
    seconds = time.monotonic() - started
    if response.status != 200:
        sys.exit(f"raw PUT: HTTP {response.status}")
    conn.request("DELETE", path, headers=sign_v4("DELETE", endpoint, path, region, access_key, secret_key))
    conn.getresponse().read()
    return seconds


def raw_s3_multipart(endpoint, bucket, region, access_key, secret_key):
    """The same bytes as a multipart upload straight to the bucket, cut and sent like the app's
    (same part size, four at once), then removed: what the store itself costs."""
    path = f"/{bucket}/bench-raw-parts-{os.getpid()}"
    target = urllib.parse.urlparse(endpoint)

    def call(conn, method, query, data=None, extra=None):
        headers = sign_v4(method, endpoint, path, region, access_key, secret_key, query)
        headers.update(extra or {})
        url = path + ("?" + urllib.parse.urlencode(query) if query else "")
        conn.request(method, url, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200 and not (method == "DELETE" and response.status == 204):
            sys.exit(f"raw multipart {method}: HTTP {response.status} {payload[:200]!r}")
        return response, payload

    started = time.monotonic()
    conn = http.client.HTTPConnection(target.hostname, target.port)
    _, created = call(conn, "POST", [("uploads", "")])
    upload_id = created.decode().split("<UploadId>")[1].split("</UploadId>")[0]
    todo = list(range(1, count + 1))
    etags = {}

    def sender():
        own = http.client.HTTPConnection(target.hostname, target.port)
        while True:
            with lock:
                if not todo:
                    return
                number = todo.pop(0)
            length = part_size if number < count else size - part_size * (count - 1)
            response, _ = call(
                own,
                "PUT",
                [("partNumber", str(number)), ("uploadId", upload_id)],
                body(length),
                {"Content-Length": str(length)},
            )
            with lock:
                etags[number] = response.getheader("ETag")

    senders = [threading.Thread(target=sender) for _ in range(4)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    listing = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{etags[n]}</ETag></Part>" for n in sorted(etags)
    )
    document = f"<CompleteMultipartUpload>{listing}</CompleteMultipartUpload>".encode()
    call(conn, "POST", [("uploadId", upload_id)], document, {"Content-Length": str(len(document))})
    seconds = time.monotonic() - started
    call(conn, "DELETE", [])
    return seconds


app_mbs = size / app_seconds / 1e6
label = f"upload {mib} MiB, {backend} backend"
print(f"| {label:<34} | {app_mbs:>8.0f} MB/s | {'':>6} | peak RSS +{peak_growth / 1024:.1f} MiB |")
if backend == "local":
    baselines = [("raw write, same directory", raw_local(*store_args))]
else:
    baselines = [
        ("raw multipart, same bucket", raw_s3_multipart(*store_args)),
        ("raw single PUT, same bucket", raw_s3(*store_args)),
    ]
for raw_label, raw_seconds in baselines:
    raw_mbs = size / raw_seconds / 1e6
    print(f"| {raw_label:<34} | {raw_mbs:>8.0f} MB/s | {app_mbs / raw_mbs:>6.2f} | (app ÷ this) |")

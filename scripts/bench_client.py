"""The benchmarks' HTTP client: the app's server functions as the browser calls them (same
origin, session cookie kept), for bench_upload.py and bench_transcription.py."""

import http.cookiejar
import json
import urllib.parse
import urllib.request


class App:
    def __init__(self, url):
        self.origin = url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path, data, as_json=False):
        body = json.dumps(data).encode() if as_json else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            self.origin + path,
            data=body,
            headers={
                "Content-Type": "application/json" if as_json else "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "Origin": self.origin,
            },
        )
        with self.opener.open(request) as response:
            text = response.read()
            return json.loads(text) if text else None

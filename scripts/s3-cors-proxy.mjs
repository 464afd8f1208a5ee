// Test harness only: s3s-fs (the local S3 server the tests use) has no CORS, which a browser
// needs to PUT parts to presigned URLs and read their ETag. This proxy answers preflights and
// adds CORS headers, forwarding everything else unchanged (Host included, so SigV4 signatures
// made for the proxy's address still verify). Production buckets get CORS rules from
// `audiotricks storage setup`.
//
// node scripts/s3-cors-proxy.mjs LISTEN_PORT TARGET_PORT ALLOWED_ORIGIN[,ORIGIN…]
import http from "node:http";

const [listenPort, targetPort, origins] = process.argv.slice(2);
if (!listenPort || !targetPort || !origins) {
  console.error("usage: s3-cors-proxy.mjs LISTEN_PORT TARGET_PORT ALLOWED_ORIGIN[,ORIGIN…]");
  process.exit(2);
}
const allowed = new Set(origins.split(","));

function cors(req) {
  const origin = req.headers.origin;
  if (!origin || !allowed.has(origin)) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, HEAD, PUT",
    "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "*",
    "access-control-expose-headers": "ETag",
    "access-control-max-age": "600",
    vary: "Origin",
  };
}

http
  .createServer((req, res) => {
    if (req.method === "OPTIONS") {
      res.writeHead(204, cors(req));
      res.end();
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, ...cors(req) });
        answer.pipe(res);
      },
    );
    upstream.on("error", (e) => {
      console.error(`upstream error for ${req.method} ${req.url}: ${e.message}`);
      if (res.headersSent) return;
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`s3 proxy: ${e.message}`);
    });
    // Whole requests (parts are a few MiB): a refusal before the body is read would otherwise
    // reset the connection instead of reaching the browser as the server's answer.
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => upstream.end(Buffer.concat(chunks)));
  })
  .listen(Number(listenPort), "127.0.0.1");

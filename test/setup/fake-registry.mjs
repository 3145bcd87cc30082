// What a real registry would not do, for the pull tests: serves the OCI
// layouts in LAYOUTS as repositories MODE/LAYOUT (tag or digest), where MODE
// says what happens to layer blobs: ok (as they are), corrupt (one byte
// changed), drop (the connection closed half-way through), stall (half
// sent, then nothing more).
//
// Usage: node fake-registry.mjs PORT LAYOUTS
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";

const [port, layouts] = process.argv.slice(2);

function blob(layout, digest) {
  return fs.readFileSync(path.join(layouts, layout, "blobs/sha256", digest.replace(/^sha256:/, "")));
}

http.createServer((req, res) => {
  const m = /^\/v2\/(ok|corrupt|drop|stall)\/([a-z0-9]+)\/(manifests|blobs)\/(.+)$/.exec(req.url);
  if (req.url === "/v2/") {
    res.writeHead(200).end("{}");
    return;
  }
  if (m === null || !fs.existsSync(path.join(layouts, m[2]))) {
    res.writeHead(404, { "Content-Type": "application/json" })
      .end(JSON.stringify({ errors: [{ code: "NAME_UNKNOWN", message: "repository name not known to registry" }] }));
    return;
  }
  const [, mode, layout, kind, version] = m;
  let digest = version;
  if (kind === "manifests" && !version.startsWith("sha256:"))
    digest = JSON.parse(fs.readFileSync(path.join(layouts, layout, "index.json"), "utf8")).manifests[0].digest;
  let data;
  try {
    data = blob(layout, digest);
  } catch {
    res.writeHead(404).end();
    return;
  }
  if (kind === "manifests") {
    res.writeHead(200, { "Content-Type": JSON.parse(data).mediaType, "Docker-Content-Digest": digest }).end(data);
    return;
  }
  const manifest = JSON.parse(blob(layout, JSON.parse(fs.readFileSync(path.join(layouts, layout, "index.json"),
                                                                      "utf8")).manifests[0].digest));
  const isLayer = manifest.layers.some((l) => l.digest === digest);
  if (isLayer && mode === "corrupt") {
    data = Buffer.from(data);
    data[data.length >> 1] ^= 0xff;
  }
  res.writeHead(200, { "Content-Length": data.length, "Content-Type": "application/octet-stream" });
  if (isLayer && mode === "drop") {
    res.write(data.subarray(0, data.length >> 1), () => res.socket.destroy());
    return;
  }
  if (isLayer && mode === "stall") {
    res.write(data.subarray(0, data.length >> 1));
    return;
  }
  res.end(data);
}).listen(Number(port), "127.0.0.1");

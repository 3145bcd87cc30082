// The pull tests' token server (the distribution spec's token
// authentication): docker-registry, configured with this server's realm and
// certificate, accepts the JWTs signed here. Anonymous requests get pull
// access except to private/ repositories; USER:PASSWORD (Basic) gets all.
//
// Usage: node token-server.mjs PORT KEY.pem CERT.pem USER:PASSWORD
import { createPrivateKey, createSign, randomBytes, X509Certificate } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";

const [port, keyFile, certFile, userPass] = process.argv.slice(2);
const key = createPrivateKey(fs.readFileSync(keyFile));
const der = new X509Certificate(fs.readFileSync(certFile)).raw.toString("base64");
const b64url = (b) => Buffer.from(b).toString("base64url");

function sign(claims) {
  const head = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", x5c: [der] }));
  const body = b64url(JSON.stringify(claims));
  const s = createSign("RSA-SHA256").update(`${head}.${body}`).sign(key);
  return `${head}.${body}.${b64url(s)}`;
}

http.createServer((req, res) => {
  const url = new URL(req.url, "http://localhost");
  if (url.pathname !== "/token") {
    res.writeHead(404).end();
    return;
  }
  const auth = req.headers.authorization || "";
  const user = auth.startsWith("Basic ") && Buffer.from(auth.slice(6), "base64").toString() === userPass;
  if (auth !== "" && !user) {
    res.writeHead(401, { "Content-Type": "application/json" })
      .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "bad credentials" }] }));
    return;
  }
  const access = [];
  for (const scope of url.searchParams.getAll("scope")) {
    const [type, name, actions] = scope.split(":");
    const granted = user ? actions.split(",") : name.startsWith("private/") ? [] : ["pull"];
    access.push({ type, name, actions: granted });
  }
  const now = Math.floor(Date.now() / 1000);
  const token = sign({ iss: "skiff-test-tokens", sub: user ? "skiff" : "", aud: url.searchParams.get("service"),
                       exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString("hex"), access });
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ token, expires_in: 300 }));
}).listen(Number(port), "127.0.0.1");

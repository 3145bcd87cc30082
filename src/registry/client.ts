// One registry's HTTP API v2 (the OCI distribution spec): requests with
// the authentication the server asks for (an anonymous or credentialled
// bearer token, or Basic), over HTTPS, or plain HTTP for a registry that
// speaks only that when the user turned TLS verification off.

import { fail, isSysError } from "../log/fail";
import * as log from "../log/log";
import { Sys } from "../sys/sys";
import { Credentials, parseChallenge } from "./auth";
import { Reference } from "./reference";

export interface ClientOptions {
  tlsVerify: boolean;
  /** PEM file of CA certificates for the registry's certificate. */
  caFile?: string;
  credentials: Credentials | null;
  userAgent: string;
  /** Called now and then during each request; what it throws ends it. */
  check?: () => void;
}

/** libcurl's code for a TLS handshake that failed (CURLE_SSL_CONNECT_ERROR):
    a server answering HTTPS in plain HTTP, among others. */
var CURLE_SSL_CONNECT_ERROR = 35;
var CURLE_PEER_FAILED_VERIFICATION = 60;
var CURLE_SSL_CACERT_BADFILE = 77;

/** Header value by name (case-insensitive), or "". */
export function header(headers: string[], name: string): string {
  var want = name.toLowerCase() + ":";
  for (var i = 0; i < headers.length; i++)
    if (headers[i].slice(0, want.length).toLowerCase() === want)
      return headers[i].slice(want.length).replace(/^\s+|\s+$/g, "");
  return "";
}

function query(params: { [name: string]: string }): string {
  var parts: string[] = [];
  for (var k in params)
    if (params.hasOwnProperty(k) && params[k] !== undefined)
      parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(params[k]));
  return parts.join("&");
}

/** The registry's complaint, from its JSON error body, or "". */
function registryError(body: string | undefined): string {
  try {
    var e = JSON.parse(body || "").errors[0];
    return e.message ? String(e.message) + (e.code ? " (" + e.code + ")" : "") : String(e.code || "");
  } catch (x) {
    return "";
  }
}

/** Where a blob's body goes: a file (and the same bytes into a pipe, for
    a reader unpacking it as it comes), with progress. */
export interface BodySink {
  fd: number;
  teeFd?: number;
  progress?: (received: number, total: number) => void;
}

export class Client {
  private scheme = "https";
  private authorization = "";
  private triedAuth = false;

  constructor(private sys: Sys, private ref: Reference, private opts: ClientOptions) {}

  url(kind: "manifests" | "blobs", version: string): string {
    return this.scheme + "://" + this.ref.host + "/v2/" + this.ref.repository + "/" + kind + "/" + version;
  }

  /** GET url (as from this.url(), rebuilt after a scheme change) with the
      headers; the body of the 200 is returned, or goes to sink (only the
      200's: an error's body never lands there). Fails on anything but 200,
      naming what. */
  get(kind: "manifests" | "blobs", version: string, headers: string[], sink?: BodySink): HttpResponse {
    for (;;) {
      var r = this.send(this.url(kind, version), headers, sink);
      if (r.status === 401 && !this.triedAuth) {
        this.triedAuth = true;
        this.authenticate(header(r.headers, "WWW-Authenticate"));
        continue;
      }
      if (r.status === 200)
        return r;
      return this.refuse(r, kind, version);
    }
  }

  private request(headers: string[], sink?: BodySink): HttpRequest {
    var req: HttpRequest = {
      headers: this.authorization !== "" ? headers.concat(["Authorization: " + this.authorization]) : headers,
      verify: this.opts.tlsVerify ? 1 : 0,
      maxRedirects: 10, // registries send blobs from elsewhere (a CDN, S3)
      protocols: "http,https",
      userAgent: this.opts.userAgent,
      connectTimeoutMs: 30000,
      // A stalled registry is an error after a minute, not a hang.
      lowSpeedBytes: 1,
      lowSpeedSeconds: 60,
      maxBody: 4 << 20, // manifests, tokens, errors; the spec's limit for manifests is 4 MiB
    };
    if (this.opts.caFile !== undefined)
      req.caFile = this.opts.caFile;
    if (sink !== undefined) {
      req.fd = sink.fd;
      req.fdStatus = 200;
      req.bufferSize = 1 << 19; // libcurl's largest: few reads of a plain-HTTP body
      req.writeSize = 1 << 20; // few, large writes into the blob file (and the pipe)
      req.sha256 = true; // checked without reading the blob back
      // One long body: HTTP/2's framing (a TLS record more each 16 KiB
      // frame, from Go's registries) costs the download ~15% more CPU.
      req.http11 = 1;
      if (sink.teeFd !== undefined)
        req.teeFd = sink.teeFd;
    }
    var check = this.opts.check;
    var progress = sink !== undefined ? sink.progress : undefined;
    if (check || progress)
      req.progress = function (received, total) {
        if (check)
          check();
        if (progress)
          progress(received, total);
      };
    return req;
  }

  private send(url: string, headers: string[], sink?: BodySink): HttpResponse {
    try {
      log.debug("GET " + url);
      return this.sys.http_get(url, this.request(headers, sink));
    } catch (e) {
      if (!isSysError(e))
        throw e;
      if (e.syscall !== "curl_easy_perform")
        return fail(e.message, undefined, libraryHint(e));
      if (e.errno === CURLE_SSL_CONNECT_ERROR && !this.opts.tlsVerify && this.scheme === "https") {
        log.verbose(this.ref.host + ": no TLS there; trying plain HTTP");
        this.scheme = "http";
        return this.send(url.replace(/^https:/, "http:"), headers, sink);
      }
      var hint = e.errno === CURLE_PEER_FAILED_VERIFICATION || e.errno === CURLE_SSL_CACERT_BADFILE
        ? "give the registry's CA certificate with --ca-file, or (trusting the network) --tls-verify=false"
        : e.errno === CURLE_SSL_CONNECT_ERROR
        ? "if the registry speaks plain HTTP, add --tls-verify=false"
        : "check the registry's name and port, and the network";
      return fail("can't reach registry " + this.ref.registry + ": " + url + ": " + e.strerror, undefined,
                  { hint: hint });
    }
  }

  /** Answer the server's challenge: fetch a bearer token (anonymous unless
      we have credentials) or use Basic credentials. */
  private authenticate(value: string): void {
    var c = parseChallenge(value);
    var creds = this.opts.credentials;
    if (c !== null && c.scheme === "basic" && creds !== null) {
      this.authorization = "Basic " + creds.basic;
      return;
    }
    if (c === null || c.scheme !== "bearer" || !c.params.realm)
      return fail("registry " + this.ref.registry + " wants authentication"
                  + (c !== null ? " (" + c.scheme + ")" : "") + " for " + this.ref.repository, undefined,
                  { hint: creds === null
                    ? "log in with podman login or docker login (skiff reads their credentials files)"
                    : "the credentials from " + creds.file + " were refused" });
    var p: { [name: string]: string } = {
      service: c.params.service,
      scope: c.params.scope || "repository:" + this.ref.repository + ":pull",
    };
    var url = c.params.realm + (c.params.realm.indexOf("?") >= 0 ? "&" : "?") + query(p);
    var headers = creds !== null ? ["Authorization: Basic " + creds.basic] : [];
    var saved = this.authorization;
    this.authorization = "";
    var t = this.send(url, headers);
    this.authorization = saved;
    if (t.status !== 200)
      return fail("can't get a token for " + this.ref.repository + " from " + c.params.realm + ": HTTP "
                  + t.status + (registryError(t.body) ? ": " + registryError(t.body) : ""), undefined,
                  { hint: creds === null ? "this repository may need a login (podman login / docker login)"
                    : "the credentials from " + creds.file + " were refused; log in again" });
    var token: string | undefined;
    try {
      var doc = JSON.parse(t.body || "");
      token = doc.token || doc.access_token;
    } catch (e) {
      token = undefined;
    }
    if (typeof token !== "string" || token === "")
      return fail("token server " + c.params.realm + " sent no token", undefined,
                  { hint: "the server's answer is not the distribution spec's {\"token\": ...}" });
    log.verbose("got a bearer token for " + p.scope + " from " + c.params.realm);
    this.authorization = "Bearer " + token;
  }

  private refuse(r: HttpResponse, kind: string, version: string): never {
    var why = "HTTP " + r.status + (registryError(r.body) ? ": " + registryError(r.body) : "");
    var what = (kind === "manifests" ? "image " : "blob ") + this.ref.registry + "/" + this.ref.repository
      + (kind === "manifests" ? (version.indexOf(":") >= 0 ? "@" : ":") : "@") + version;
    if (r.status === 404)
      return fail(what + " not found: " + why, undefined,
                  { hint: kind === "manifests" ? "check the name and tag (skopeo list-tags docker://...)"
                    : "the registry lost a blob its manifest names" });
    if (r.status === 401 || r.status === 403)
      return fail("not allowed to pull " + what + ": " + why, undefined,
                  { hint: this.opts.credentials === null ? "log in with podman login or docker login"
                    : "the credentials from " + this.opts.credentials.file + " were refused" });
    return fail("can't pull " + what + ": " + why, undefined,
                { hint: r.status === 429 ? "the registry limits pulls: wait, or log in"
                  : "the registry failed; try again later" });
  }
}

/** The hint for an error that is not HTTP's: a missing library. */
function libraryHint(e: unknown): { hint: string } | undefined {
  if (!isSysError(e) || (e.syscall !== "dlopen" && e.syscall !== "dlsym"))
    return undefined;
  return { hint: "pulling needs " + (e.message.indexOf("libcurl") >= 0 ? "libcurl.so.4: install Debian's libcurl4"
                                      : "libcrypto.so.3: install Debian's libssl3") };
}

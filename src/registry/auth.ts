// Registry credentials from the files users already have (Podman's
// auth.json, Docker's config.json), and the server's WWW-Authenticate
// challenge (RFC 7235; the distribution spec's token authentication).

import { fail } from "../log/fail";
import * as log from "../log/log";
import { Getenv, readFile, statOrNull, Sys } from "../sys/sys";
import { decodeBase64, encodeBase64 } from "./base64";
import { Reference } from "./reference";

export interface Credentials {
  /** base64 of "user:password", as HTTP Basic sends it. */
  basic: string;
  /** The file they came from, for messages. */
  file: string;
}

/** Where to look, first found first: Podman's REGISTRY_AUTH_FILE and
    default, then Docker's. */
export function credentialFiles(env: Getenv): string[] {
  var files: string[] = [];
  var add = function (f: string | undefined) {
    if (f !== undefined && f !== "")
      files.push(f);
  };
  add(env("REGISTRY_AUTH_FILE"));
  var runtime = env("XDG_RUNTIME_DIR");
  if (runtime)
    add(runtime + "/containers/auth.json");
  var home = env("HOME");
  if (home) {
    add((env("XDG_CONFIG_HOME") || home + "/.config") + "/containers/auth.json");
    add((env("DOCKER_CONFIG") || home + "/.docker") + "/config.json");
  }
  return files;
}

/** An auths key as a host[/path], without scheme or Docker Hub's /v1/. */
function authKey(key: string): string {
  var k = key.replace(/^[a-z]+:\/\//, "").replace(/\/+$/, "").replace(/\/v[12]$/, "");
  return k === "index.docker.io" || k === "registry-1.docker.io" ? "docker.io" : k;
}

function utf8(s: string): string {
  return unescape(encodeURIComponent(s));
}

/** The entry for ref: the longest key that is its registry or a path
    prefix of its repository there (as Podman matches). */
export function findCredentials(sys: Sys, files: string[], ref: Reference): Credentials | null {
  var registry = authKey(ref.registry);
  var wanted = registry + "/" + ref.repository;
  for (var i = 0; i < files.length; i++) {
    if (statOrNull(sys, files[i], true) === null)
      continue;
    var text = readFile(sys, files[i]);
    var doc: { auths?: { [key: string]: { auth?: string; username?: string; password?: string } } };
    try {
      doc = JSON.parse(text);
    } catch (e) {
      return fail("can't parse credentials file " + files[i] + ": " + (e as Error).message, undefined,
                  { hint: "fix or remove the file; it is JSON as `podman login` or `docker login` writes it" });
    }
    var auths = (doc && doc.auths) || {};
    var best = "", entry: { auth?: string; username?: string; password?: string } | null = null;
    for (var key in auths) {
      if (!auths.hasOwnProperty(key))
        continue;
      var k = authKey(key);
      if ((k === registry || wanted === k || wanted.indexOf(k + "/") === 0) && k.length > best.length) {
        best = k;
        entry = auths[key];
      }
    }
    if (entry === null)
      continue;
    var basic = entry.auth !== undefined && entry.auth !== "" ? entry.auth
      : entry.username !== undefined ? encodeBase64(utf8(entry.username + ":" + (entry.password || ""))) : "";
    var decoded = decodeBase64(basic);
    if (decoded === null || decoded.indexOf(":") < 0)
      return fail("credentials for " + best + " in " + files[i] + " are not base64 of USER:PASSWORD", undefined,
                  { hint: "log in again (podman login / docker login) or fix the \"auth\" field" });
    log.verbose("credentials for " + best + " from " + files[i]);
    return { basic: basic, file: files[i] };
  }
  return null;
}

export interface Challenge {
  /** Lowercase: "bearer", "basic". */
  scheme: string;
  params: { [name: string]: string };
}

/** The first challenge of a WWW-Authenticate value. */
export function parseChallenge(value: string): Challenge | null {
  var m = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s*/.exec(value);
  if (m === null)
    return null;
  var c: Challenge = { scheme: m[1].toLowerCase(), params: {} };
  var rest = value.slice(m[0].length);
  var param = /^([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*,?\s*/;
  while ((m = param.exec(rest)) !== null && m[0] !== "") {
    c.params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3];
    rest = rest.slice(m[0].length);
  }
  return c;
}

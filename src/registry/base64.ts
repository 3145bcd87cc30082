// Base64 (RFC 4648) of byte strings (one character a byte): Duktape has no
// atob/btoa. Credentials files hold "user:password" this way, and HTTP
// Basic authentication sends it.

var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function encodeBase64(bytes: string): string {
  var out = "";
  for (var i = 0; i < bytes.length; i += 3) {
    var a = bytes.charCodeAt(i), b = bytes.charCodeAt(i + 1), c = bytes.charCodeAt(i + 2);
    var n = (a << 16) | ((b || 0) << 8) | (c || 0);
    out += ALPHABET.charAt(n >> 18) + ALPHABET.charAt((n >> 12) & 63)
      + (i + 1 < bytes.length ? ALPHABET.charAt((n >> 6) & 63) : "=")
      + (i + 2 < bytes.length ? ALPHABET.charAt(n & 63) : "=");
  }
  return out;
}

/** The bytes, or null if text is not base64 (padding optional). */
export function decodeBase64(text: string): string | null {
  var s = text.replace(/=+$/, "");
  if (/[^A-Za-z0-9+/]/.test(s) || s.length % 4 === 1)
    return null;
  var out = "", bits = 0, n = 0;
  for (var i = 0; i < s.length; i++) {
    n = (n << 6) | ALPHABET.indexOf(s.charAt(i));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((n >> bits) & 0xff);
    }
  }
  return out;
}

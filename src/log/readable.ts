// Messages show what they are about readably. The binding decodes each
// byte that is not part of valid UTF-8 to U+DC00+byte (native/binding.c,
// "Strings"); in a message that becomes \xNN, as do control characters
// other than tab, so that a file name can neither garble the terminal nor
// split one message over several lines. Data (the command's arguments,
// files, --dry-run output) keeps its bytes: only messages are rendered.
// The pattern is made at the call, not at load: most launches print
// nothing, and every launch would pay for creating it.

/** s as one line of text, unreadable characters as \xNN. */
export function readable(s: string): string {
  return s.replace(/[\x00-\x08\x0a-\x1f\x7f\udc80-\udcff]/g, function (c) {
    var b = c.charCodeAt(0) & 0xff;
    return (b < 0x10 ? "\\x0" : "\\x") + b.toString(16);
  });
}

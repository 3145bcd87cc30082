// JSON as Python's json.dumps(v, indent=2, sort_keys=True) writes it, which
// is how ch-image writes /ch/metadata.json: byte for byte the same file
// for the same image, whichever tool unpacked it.

/** Non-ASCII (and DEL) escaped as \uXXXX, as Python's ensure_ascii. */
function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, function (c) {
    var h = c.charCodeAt(0).toString(16);
    return "\\u" + "0000".slice(h.length) + h;
  });
}

function dump(v: unknown, indent: string): string {
  if (v === null || typeof v !== "object")
    return typeof v === "string" ? quote(v) : JSON.stringify(v);
  var inner = indent + "  ";
  var items: string[] = [];
  if (v instanceof Array) {
    for (var i = 0; i < v.length; i++)
      items.push(inner + dump(v[i], inner));
    return items.length ? "[\n" + items.join(",\n") + "\n" + indent + "]" : "[]";
  }
  var o = v as { [k: string]: unknown };
  var keys = Object.keys(o).sort();
  for (var j = 0; j < keys.length; j++)
    items.push(inner + quote(keys[j]) + ": " + dump(o[keys[j]], inner));
  return items.length ? "{\n" + items.join(",\n") + "\n" + indent + "}" : "{}";
}

export function pythonJson(v: unknown): string {
  return dump(v, "");
}

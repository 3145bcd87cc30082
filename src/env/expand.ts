// `$VAR` expansion of --set-env values (doc/environment.md §2.4), ch-run's
// env_expand(): only whole `:`-separated items that start with `$` expand.

/** Expand value as ch-run does unless --env-no-expand: split at every `:`
    (keeping empty items); an item `$NAME` (longer than just `$`) becomes
    NAME's value, where NAME is the whole rest of the item, and vanishes,
    with its `:`, if NAME is unset or empty. Other items stay verbatim, so
    `bar$SET`, `$` and `*` are literal. */
export function expandValue(value: string, lookup: (name: string) => string | undefined): string {
  if (value.indexOf("$") < 0) // nothing to expand: no garbage (see native/duk_custom.h)
    return value;
  var items = value.split(":");
  var out: string[] = [];
  for (var i = 0; i < items.length; i++) {
    var item = items[i];
    if (item.charAt(0) === "$" && item.length > 1) {
      var v = lookup(item.slice(1));
      if (v === undefined || v === "")
        continue;
      item = v;
    }
    out.push(item);
  }
  return out.join(":");
}

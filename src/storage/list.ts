// The images in a storage directory, as `skiff images` shows them.

import * as path from "../path/path";
import { isDir, statOrNull, Sys } from "../sys/sys";
import { entryToName, imagesDir } from "./storage";
import { treeSize } from "./tree";

export interface StoredImage {
  name: string;
  /** Bytes allocated on disk. */
  size: number;
  format: "dir" | "file";
  /** When it was stored (seconds since the epoch): ch-image's time, its
      /ch/metadata.json's, else the directory's. */
  mtime: number;
}

/** Every image in storage, sorted by name; none if there is no storage. */
export function listImages(sys: Sys, storage: string): StoredImage[] {
  var img = imagesDir(storage);
  if (statOrNull(sys, img, true) === null)
    return [];
  var out: StoredImage[] = [];
  var entries = sys.listdir(img);
  for (var i = 0; i < entries.length; i++) {
    var p = path.join(img, entries[i]);
    var st = sys.lstat(p);
    var dir = isDir(st.mode);
    var metadata = dir ? statOrNull(sys, path.join(p, "ch/metadata.json"), false) : null;
    out.push({
      name: entryToName(entries[i]),
      size: treeSize(sys, p),
      format: dir ? "dir" : "file",
      mtime: (metadata || st).mtime,
    });
  }
  return out.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : 0; });
}

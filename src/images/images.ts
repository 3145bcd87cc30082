// `skiff images`: the images in storage, one a line (doc/commands.md).

import { CommandIO } from "../cli/commands";
import { listImages, StoredImage } from "../storage/list";
import { Sys } from "../sys/sys";
import { parseArgs } from "./args";

/** Bytes as du -h prints them: 1024-based, one decimal below 10. */
function humanSize(bytes: number): string {
  var units = ["B", "K", "M", "G", "T", "P"];
  var v = bytes, u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  var text = u > 0 && v < 10 ? (Math.ceil(v * 10) / 10).toFixed(1) : String(Math.ceil(v));
  return text + units[u];
}

function two(n: number): string {
  return (n < 10 ? "0" : "") + n;
}

/** Local time as YYYY-MM-DD HH:MM. */
function localTime(seconds: number): string {
  var d = new Date(seconds * 1000);
  return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":"
    + two(d.getMinutes());
}

/** Rows in columns as wide as their widest cell, two spaces apart. */
export function columns(rows: string[][]): string {
  var widths: number[] = [];
  for (var r = 0; r < rows.length; r++)
    for (var c = 0; c < rows[r].length; c++)
      widths[c] = Math.max(widths[c] || 0, rows[r][c].length);
  var out = "";
  for (var i = 0; i < rows.length; i++) {
    var line = "";
    for (var j = 0; j < rows[i].length; j++)
      line += j === rows[i].length - 1 ? rows[i][j] : rows[i][j] + new Array(widths[j] - rows[i][j].length + 3).join(" ");
    out += line + "\n";
  }
  return out;
}

function formatImages(images: StoredImage[], namesOnly: boolean): string {
  if (namesOnly)
    return images.map(function (i) { return i.name + "\n"; }).join("");
  var rows = [["NAME", "SIZE", "FORMAT", "STORED"]];
  for (var i = 0; i < images.length; i++)
    rows.push([images[i].name, humanSize(images[i].size), images[i].format, localTime(images[i].mtime)]);
  return columns(rows);
}

export function images(sys: Sys, args: string[], io: CommandIO): number {
  var namesOnly = false;
  var a = parseArgs("images", args, io, 0, 0, { "quiet": function () { namesOnly = true; } });
  io.stdout(formatImages(listImages(sys, a.storage), namesOnly));
  return 0;
}

// This machine's platform as OCI names it (the image spec's "platform":
// GOOS and GOARCH values), for ch-image's "arch" and for choosing an image
// from a multi-platform index.

import { Sys } from "../sys/sys";

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** uname -m → GOARCH (and variant where the spec wants one). */
var ARCHES: { [machine: string]: Platform } = {
  x86_64: { os: "linux", architecture: "amd64" },
  aarch64: { os: "linux", architecture: "arm64", variant: "v8" },
  armv7l: { os: "linux", architecture: "arm", variant: "v7" },
  armv6l: { os: "linux", architecture: "arm", variant: "v6" },
  i686: { os: "linux", architecture: "386" },
  ppc64le: { os: "linux", architecture: "ppc64le" },
  s390x: { os: "linux", architecture: "s390x" },
  riscv64: { os: "linux", architecture: "riscv64" },
  mips64: { os: "linux", architecture: "mips64" },
  loongarch64: { os: "linux", architecture: "loong64" },
};

export function hostPlatform(sys: Sys): Platform {
  var m = sys.uname().machine;
  return ARCHES.hasOwnProperty(m) ? ARCHES[m] : { os: "linux", architecture: m };
}

/** "os/architecture[/variant]", as users write it (--platform). */
export function platformString(p: Platform): string {
  return p.os + "/" + p.architecture + (p.variant ? "/" + p.variant : "");
}

/** True if an index entry's platform p runs here (want): same OS and
    architecture, and the variant if both name one. */
export function matches(p: Platform | undefined, want: Platform): boolean {
  return p !== undefined && p.os === want.os && p.architecture === want.architecture
    && (!p.variant || !want.variant || p.variant === want.variant);
}

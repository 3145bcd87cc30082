// The help unit (src/unit/unit.ts): argp's help from glibc, for --help and --usage.
export * from "./help";

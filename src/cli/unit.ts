// The help unit (src/unit/unit.ts): argp's help from glibc, for --help and
// --usage; and the other questions about skiff itself, --feature and --test.
export * from "./features";
export * from "./help";

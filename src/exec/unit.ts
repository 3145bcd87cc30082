// The seccomp unit (src/unit/unit.ts): the filter --seccomp installs.
export * from "./seccomp";

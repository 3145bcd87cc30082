// The Failure (src/log/fail.ts) that fn throws; the test fails if it
// throws nothing, and anything else is re-thrown.

import * as assert from "node:assert/strict";

import { Failure, isFailure } from "../../src/log/fail.ts";

export function failureOf(fn: () => unknown): Failure {
  try {
    fn();
  } catch (e) {
    if (isFailure(e))
      return e;
    throw e;
  }
  return assert.fail("expected a Failure");
}

// A panic inside the module (release builds abort, which traps) surfaces as an
// InternalError; the module then refuses further calls instead of running on corrupt memory.
import assert from "node:assert/strict";
import { test } from "node:test";

import { InternalError, Policy, panicForTests } from "../pkg/node/index.js";
import { shanghaiSource } from "./helpers.mjs";

test("a panic is an InternalError, never an abort of the process", () => {
  const policy = Policy.compile(shanghaiSource);
  assert.throws(() => panicForTests("deliberate"), (e) => e instanceof InternalError && e.code === "internal" && /trapped/.test(e.message));
  assert.throws(() => policy.evaluate({}, "2026-03-01"), (e) => e instanceof InternalError && /reload/.test(e.message));
  assert.throws(() => Policy.compile(shanghaiSource), InternalError);
});

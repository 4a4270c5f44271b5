// A panic inside the module (release builds abort, which traps) surfaces as an
// InternalError; the module then refuses further calls instead of running on corrupt memory.
import assert from "node:assert/strict";
import { test } from "node:test";

import { InternalError, Policy } from "../pkg/node/index.js";
import { shanghaiSource } from "./helpers.mjs";

const panicForTests = globalThis[Symbol.for("clausula.panicForTests")];

test("the panic hook is not part of the API", async () => {
  const api = await import("../pkg/node/index.js");
  assert.equal(Object.keys(api).some((k) => /panic/i.test(k)), false);
});

test("a panic is an InternalError, never an abort of the process", () => {
  const policy = Policy.compile(shanghaiSource);
  assert.throws(() => panicForTests("deliberate"), (e) => e instanceof InternalError && e.code === "internal" && /trapped/.test(e.message));
  assert.throws(() => policy.evaluate({}, "2026-03-01"), (e) => e instanceof InternalError && /reload/.test(e.message));
  assert.throws(() => Policy.compile(shanghaiSource), InternalError);
});

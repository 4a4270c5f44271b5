// The evaluator-only module (the `web` build without the parser), loaded in Node with
// initSync: it loads graphs compiled elsewhere and decides exactly as the full module does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import * as full from "../pkg/node/index.js";
import * as evaluator from "../pkg/evaluator/index.js";
import { eligibleFund, pkg, shanghaiGraphPath, shanghaiSource } from "./helpers.mjs";

evaluator.initSync(readFileSync(join(pkg, "evaluator", "clausula_wasm_bg.wasm")));

test("it has no compiler and says so", () => {
  assert.equal(evaluator.hasCompiler(), false);
  assert.throws(() => evaluator.Policy.compile(shanghaiSource), (e) => e instanceof evaluator.UnsupportedError && /fromBytes/.test(e.message));
  assert.throws(() => evaluator.format("policy p"), evaluator.UnsupportedError);
});

test("it decides like the full module on the CLI's graph", () => {
  const small = evaluator.Policy.fromBytes(readFileSync(shanghaiGraphPath));
  const big = full.Policy.compile(shanghaiSource);
  assert.deepEqual(small.inputs(), big.inputs());
  const partial = { project: { category: "ZBSJ", total_investment: "30000000" } };
  for (const facts of [eligibleFund, partial, { project: { total_investment: "x" } }]) {
    for (const asOf of ["2013-06-01", "2026-03-01", "2012-01-01"]) {
      assert.equal(small.evaluateToJson(facts, asOf), big.evaluateToJson(facts, asOf));
    }
    if (!("total_investment" in facts.project && facts.project.total_investment === "x")) {
      assert.deepEqual(small.missing(facts, "2026-03-01"), big.missing(facts, "2026-03-01"));
    }
  }
  assert.equal(small.evaluate(eligibleFund, "2026-03-01").outcomes.shanghai_key_tech_fund.amounts.support_amount, "30000000");
});

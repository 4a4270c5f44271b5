// The facts' JSON Schema against AJV (draft 2020-12): every worked case of the policy pack
// validates against its policy's schema; misspelt fields and malformed values do not.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";

import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

import * as clausula from "../pkg/node/index.js";
import { filesUnder, root, shanghaiSource } from "./helpers.mjs";

const { Policy } = clausula;

function ajv() {
  const a = new Ajv2020({ allErrors: true, strict: false });
  addFormats(a);
  return a;
}

const packCases = ["cases.json", "seeds-8-11.json"]
  .map((f) => join(root, "..", "shared", "policy-pack", "cases", f))
  .filter((p) => existsSync(p))
  .flatMap((p) => JSON.parse(readFileSync(p, "utf8")));

test("every worked case of the pack validates against its policy's JSON Schema", (t) => {
  if (packCases.length === 0) {
    t.skip("../shared is not present");
    return;
  }
  const schemas = new Map();
  for (const c of packCases) {
    let validate = schemas.get(c.policy);
    if (validate === undefined) {
      const path = join(root, c.policy);
      const policy = Policy.compile(readFileSync(path, "utf8"), filesUnder(dirname(path), []), { path: c.policy.split("/").pop() });
      validate = ajv().compile(policy.jsonSchema());
      schemas.set(c.policy, validate);
    }
    assert.ok(validate(c.facts), `${c.name}: ${JSON.stringify(validate.errors)}`);
  }
  assert.ok(schemas.size >= 5);
});

test("the schema refuses what the engine refuses, with labels as titles", () => {
  const policy = Policy.compile(shanghaiSource, undefined, { path: "shanghai.cla" });
  const schema = policy.jsonSchema();
  const validate = ajv().compile(schema);
  const project = schema.properties.project.properties;
  assert.equal(project.total_investment.title, "项目总投资");
  assert.equal(project.category.examples[0], "ZBSJ");
  assert.deepEqual(project.category["x-clausula-choices"][0], { value: "ZBSJ", label: "装备升级换代" });
  // A code outside the directory is a valid fact (the membership line fails), as for the engine.
  assert.ok(validate({ project: { category: "XXXX" } }));
  assert.ok(validate({ project: { total_investment: "185000000", category: "ZZLC" } }));
  assert.ok(validate({ project: { total_investment: 185000000, fixed_asset_investment: null } }));
  // Money as the language writes it: the schema and the engine both accept it.
  assert.ok(validate({ project: { total_investment: "1.85亿", fixed_asset_investment: "1500万" } }));
  assert.equal(
    policy.evaluate({ project: { total_investment: "1.85亿" } }, "2026-03-01").errors.length,
    0,
  );
  for (const bad of [
    { project: { totl_investment: "1" } },
    { project: { total_investment: "3亿元" } },
    { project: { category: 7 } },
    { enterprise: { credit_good: "yes" } },
    { unknown: {} },
  ]) {
    assert.equal(validate(bad), false, JSON.stringify(bad));
    // ...and the engine refuses the same facts.
    const d = policy.evaluate(bad, "2026-03-01");
    assert.ok(d.errors.length > 0, JSON.stringify(bad));
  }
});

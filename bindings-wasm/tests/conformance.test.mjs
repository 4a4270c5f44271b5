// The shared conformance corpus through the WebAssembly module: the decision JSON is byte for
// byte the one the Rust runner recorded, and compile errors have the same codes and positions.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { CompileError, Policy } from "../pkg/node/index.js";
import { filesUnder, root } from "./helpers.mjs";

const corpus = join(root, "conformance");
const topics = readdirSync(join(corpus, "eval"))
  .filter((t) => statSync(join(corpus, "eval", t)).isDirectory())
  .sort();

let count = 0;
for (const topic of topics) {
  const dir = join(corpus, "eval", topic);
  const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"));
  const policy = Policy.compile(readFileSync(join(dir, "policy.cla"), "utf8"), filesUnder(dir));
  for (const c of cases) {
    count += 1;
    test(`eval/${topic}/${c.name}`, () => {
      const facts = "facts_json" in c ? c.facts_json : c.facts;
      assert.equal(policy.evaluateToJson(facts, c.as_of), JSON.stringify(c.expect));
      assert.deepEqual(policy.evaluate(facts, c.as_of), c.expect);
      // the summary is the decision without its explanations
      const outcomes = Object.fromEntries(
        Object.entries(c.expect.outcomes).map(([name, o]) => [name, { status: o.status, amounts: o.amounts }]),
      );
      assert.deepEqual(policy.summarize(facts, c.as_of), { ...c.expect, outcomes });
    });
  }
}

// Graphs compiled and stored by the Rust runner decide every case of their topic.
const graphs = readdirSync(join(corpus, "graphs"))
  .filter((f) => f.endsWith(".clag"))
  .sort();
for (const file of graphs) {
  const topic = file.replace(/\.clag$/, "");
  test(`graphs/${file}`, () => {
    const policy = Policy.fromBytes(readFileSync(join(corpus, "graphs", file)));
    const cases = JSON.parse(readFileSync(join(corpus, "eval", topic, "cases.json"), "utf8"));
    for (const c of cases) {
      const facts = "facts_json" in c ? c.facts_json : c.facts;
      assert.equal(policy.evaluateToJson(facts, c.as_of), JSON.stringify(c.expect), c.name);
    }
  });
}

test("a graph of another format version is refused", () => {
  const data = new Uint8Array(readFileSync(join(corpus, "graphs", graphs[0])));
  data[4] = (data[4] + 255) % 256;
  assert.throws(
    () => Policy.fromBytes(data),
    (e) => e.code === "load/unsupported-version",
  );
});

const expected = JSON.parse(readFileSync(join(corpus, "compile", "expected.json"), "utf8"));
for (const name of Object.keys(expected).sort()) {
  count += 1;
  test(`compile/${name}`, () => {
    // invalid UTF-8 is replaced, as the Python runner does
    const text = new TextDecoder("utf-8").decode(readFileSync(join(corpus, "compile", name)));
    assert.throws(
      () => Policy.compile(text),
      (e) => {
        assert.ok(e instanceof CompileError, String(e));
        const got = e.diagnostics.map((d) => ({ code: d.code, severity: d.severity, line: d.line, column: d.column }));
        assert.deepEqual(got, expected[name]);
        return true;
      },
    );
  });
}

test("the corpus is all here", () => {
  assert.ok(count >= 150, `only ${count} cases`);
});

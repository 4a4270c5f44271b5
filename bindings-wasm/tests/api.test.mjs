// The JavaScript API of the full module, in Node (the `nodejs` build).
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";

import * as clausula from "../pkg/node/index.js";
import {
  eligibleFund,
  filesUnder,
  root,
  shanghaiGraphPath,
  shanghaiSource,
} from "./helpers.mjs";

const {
  ClausulaError,
  CompileError,
  EvaluationError,
  FactError,
  LoadError,
  Policy,
} = clausula;

const policy = Policy.compile(shanghaiSource, undefined, { path: "shanghai.cla" });
const FUND = "shanghai_key_tech_fund";
const OWN_LAND = "shanghai_own_land_renovation";

test("a compiled policy tells its name, title and window", () => {
  assert.equal(policy.name, "shanghai_key_tech_transformation");
  assert.equal(policy.title, "上海市重点技术改造支持");
  assert.equal(policy.effective, "from 2013-01-01");
  assert.equal(clausula.hasCompiler(), true);
  assert.match(clausula.version(), /^\d+\.\d+\.\d+$/);
});

test("inputs() gives labels, types, directory suggestions and affected outcomes", () => {
  const schema = policy.inputs();
  assert.deepEqual(
    schema.inputs.map((i) => [i.name, i.label]),
    [
      ["enterprise", "申报单位"],
      ["project", "技术改造项目"],
    ],
  );
  const fields = Object.fromEntries(schema.inputs.flatMap((i) => i.fields).map((f) => [f.path, f]));
  assert.equal(fields["project.total_investment"].type, "money");
  assert.equal(fields["project.total_investment"].label, "项目总投资");
  assert.deepEqual(fields["project.total_investment"].outcomes, [FUND]);
  assert.equal(fields["project.category"].directory, "支持目录");
  assert.deepEqual(fields["project.category"].suggestions[0], { value: "ZBSJ", label: "装备升级换代" });
  assert.equal(fields["project.category"].suggestions.length, 6);
  assert.deepEqual(fields["project.in_planned_zone"].outcomes, [OWN_LAND]);
  assert.deepEqual(
    schema.outcomes.map((o) => [o.name, o.amounts]),
    [
      [FUND, ["support_amount"]],
      [OWN_LAND, []],
    ],
  );
});

test("an eligible application: status, amount, messages, citations and both sides", () => {
  const d = policy.evaluate(eligibleFund, "2026-03-01");
  assert.equal(d.policy, "shanghai_key_tech_transformation");
  assert.equal(d.as_of, "2026-03-01");
  assert.deepEqual(d.errors, []);
  const fund = d.outcomes[FUND];
  assert.equal(fund.status, "eligible");
  assert.deepEqual(fund.amounts, { support_amount: "30000000" });
  assert.deepEqual(fund.missing, []);
  const floor = fund.requirements[5];
  assert.equal(floor.status, "true");
  assert.equal(floor.message, "项目总投资须达到支持目录规定的下限（2000万元）");
  assert.equal(floor.cite, "专项资金管理办法 申报条件（二）");
  assert.deepEqual(floor.compare, {
    left: "300000000",
    op: ">=",
    right: "20000000",
    type: "money",
    left_display: "300,000,000.00",
    right_display: "20,000,000.00",
  });
  assert.equal(floor.id, "line6");
  assert.deepEqual(floor.uses, ["project.total_investment", "支持目录[project.category].min_investment"]);
  // the working: the amount's formula and the param step in force, displayed by the engine
  const [amount] = fund.amount_lines;
  assert.equal(amount.name, "support_amount");
  assert.equal(amount.display, "30,000,000.00");
  assert.equal(amount.formula, "min(project.total_investment * 10%, 单个项目支持上限)");
  assert.deepEqual(amount.uses, ["project.total_investment", "单个项目支持上限"]);
  const cap = fund.values["单个项目支持上限"];
  assert.equal(cap.kind, "param");
  assert.equal(cap.display, "100,000,000.00");
  assert.equal(cap.from, "2026-01-01");
  assert.equal(cap.cite, "市重点技术改造专项资金管理办法（2026年修订）");
  // the object is the parsed JSON text, byte for byte
  assert.equal(JSON.stringify(d), policy.evaluateToJson(eligibleFund, "2026-03-01"));
});

test("the cap is the one in force on as_of (5000万, then 1亿 from 2026)", () => {
  const big = structuredClone(eligibleFund);
  big.project.total_investment = "900000000";
  big.project.fixed_asset_investment = "800000000";
  assert.equal(policy.evaluate(big, "2025-12-31").outcomes[FUND].amounts.support_amount, "50000000");
  assert.equal(policy.evaluate(big, "2026-01-01").outcomes[FUND].amounts.support_amount, "90000000");
});

test("an ineligible application names the failing requirement", () => {
  const low = structuredClone(eligibleFund);
  low.project.total_investment = "19999999";
  low.project.fixed_asset_investment = "15000000";
  const fund = policy.evaluate(low, "2026-03-01").outcomes[FUND];
  assert.equal(fund.status, "ineligible");
  const failing = fund.requirements.filter((r) => r.blocks);
  assert.deepEqual(
    failing.map((r) => r.message),
    ["项目总投资须达到支持目录规定的下限（2000万元）"],
  );
  assert.equal(failing[0].status, "false");
  assert.equal(failing[0].kind, "require");
});

test("missing(): what to ask next, most decisive first, never what cannot matter", () => {
  assert.deepEqual(policy.missing({ project: { category: "ZBSJ" } }, "2026-03-01", FUND).slice(0, 2), [
    "project.total_investment",
    "enterprise.registered_in_shanghai",
  ]);
  // inside the directory with every zone condition met, the zone cannot change the result
  const facts = {
    project: {
      category: "JNJP",
      conforms_city_master_plan: true,
      conforms_land_use_plan: true,
      conforms_industry_plan: true,
      conforms_eco_plan: true,
      env_infrastructure_complete: true,
      within_pollutant_cap: true,
    },
  };
  assert.equal(policy.evaluate(facts, "2014-06-01").outcomes[OWN_LAND].status, "eligible");
  assert.deepEqual(policy.missing(facts, "2014-06-01", OWN_LAND), []);
  // merged over the undetermined outcomes: only the fund is left
  const merged = policy.missing(facts, "2014-06-01");
  assert.ok(!merged.includes("project.in_planned_zone"));
  assert.deepEqual(merged, policy.evaluate(facts, "2014-06-01").outcomes[FUND].missing);
  assert.throws(() => policy.missing({}, "2014-06-01", "no_such_outcome"), EvaluationError);
});

test("bad facts: the contract's errors from evaluate, a FactError from missing", () => {
  const d = policy.evaluate({ project: { totl_investment: "1" } }, "2026-03-01");
  assert.deepEqual(d.outcomes, {});
  assert.deepEqual(d.errors, [
    {
      code: "facts/unknown-field",
      message: "`totl_investment` is not a field of `project`",
      path: "project.totl_investment",
      help: "did you mean `total_investment`?",
      scope: "decision",
    },
  ]);
  const wrong = policy.evaluate({ project: { total_investment: "lots" } }, "2026-03-01");
  assert.equal(wrong.errors[0].code, "facts/invalid-number");
  assert.equal(wrong.errors[0].path, "project.total_investment");
  assert.throws(
    () => policy.missing({ project: { total_investment: true } }, "2026-03-01"),
    (e) => e instanceof FactError && e.errors[0].path === "project.total_investment",
  );
  const cycle = {};
  cycle.self = cycle;
  assert.throws(() => policy.evaluate(cycle, "2026-03-01"), (e) => e instanceof FactError && e.code === "facts/invalid-json");
  // text is read by the strict reader: a repeated key is an error, not a silent overwrite
  const dup = policy.evaluate('{"project":{"category":"ZBSJ","category":"JNJP"}}', "2026-03-01");
  assert.equal(dup.errors[0].code, "facts/duplicate-key");
});

test("fieldErrors: a bad field is an error on it, and every outcome is still decided", () => {
  const facts = {
    enterprise: { registered_in_shanghai: false, credit_good: "yes" },
    project: { total_investment: "3亿元" },
  };
  assert.deepEqual(policy.evaluate(facts, "2026-03-01").outcomes, {});
  const d = policy.evaluate(facts, "2026-03-01", { fieldErrors: true });
  assert.deepEqual(
    d.errors.map((e) => [e.code, e.path]),
    [
      ["facts/wrong-type", "enterprise.credit_good"],
      ["facts/invalid-number", "project.total_investment"],
    ],
  );
  // Registered outside Shanghai decides the fund whatever the bad fields say.
  assert.equal(d.outcomes[FUND].status, "ineligible");
  assert.ok(OWN_LAND in d.outcomes);
});

test("parseInput: what people type, or the engine's refusal", () => {
  assert.equal(clausula.parseInput("3亿", "money"), "300000000");
  assert.equal(clausula.parseInput("１,２００万元", "money"), "12000000");
  assert.equal(clausula.parseInput("3.65%", "percent"), "3.65%");
  assert.equal(clausula.parseInput("是", "bool"), true);
  assert.equal(clausula.parseInput("2026年3月1日", "date"), "2026-03-01");
  assert.equal(clausula.parseInput("", "money"), null);
  assert.throws(
    () => clausula.parseInput("三亿", "money"),
    (e) => e instanceof FactError && e.code === "facts/invalid-number",
  );
  // What it gives, the engine reads.
  const d = policy.evaluate(
    { project: { total_investment: clausula.parseInput("1.85亿", "money") } },
    "2026-03-01",
  );
  assert.deepEqual(d.errors, []);
});

test("a date outside the window is reported; a non-date throws", () => {
  const d = policy.evaluate(eligibleFund, "2012-12-31");
  assert.equal(d.errors[0].code, "eval/outside-effective-window");
  assert.throws(() => policy.evaluate(eligibleFund, "2026-13-01"), EvaluationError);
  assert.throws(() => policy.evaluate(eligibleFund, 20260301), EvaluationError);
});

test("Dates and bigints in facts, a Date as asOf", () => {
  const facts = structuredClone(eligibleFund);
  facts.project.total_investment = 300000000n;
  const viaDate = policy.evaluateToJson(facts, new Date(2026, 2, 1));
  assert.equal(viaDate, policy.evaluateToJson(eligibleFund, "2026-03-01"));
});

test("compile errors are CompileError with diagnostics: code, line, column, frame", () => {
  const source = 'policy p\ninput a { b: money }\noutcome o { require a.c > 1 "m" }\n';
  assert.throws(
    () => Policy.compile(source),
    (e) => {
      assert.ok(e instanceof CompileError);
      assert.ok(e instanceof ClausulaError);
      assert.ok(e instanceof Error);
      assert.equal(e.name, "CompileError");
      assert.equal(e.code, "check/unknown-field");
      const [d] = e.diagnostics;
      assert.deepEqual([d.code, d.severity, d.line, d.column, d.end_column], ["check/unknown-field", "error", 3, 21, 24]);
      assert.match(d.rendered, /policy\.cla:3:21/);
      assert.match(d.rendered, /\^\^\^/);
      return true;
    },
  );
});

test("several independent errors are all reported", () => {
  const source = "policy p\ninput a { b: money }\nrule r = a.x\noutcome o { require a.y > 1 \"m\" }\n";
  assert.throws(
    () => Policy.compile(source),
    (e) => e.diagnostics.filter((d) => d.severity === "error").length === 2,
  );
});

test("syntax errors and absurd nesting are diagnostics, not traps", () => {
  assert.throws(() => Policy.compile("policy p\nrule r = (1 +\n"), (e) => e instanceof CompileError && e.code.startsWith("syntax/"));
  const deep = `policy p\nrule r = ${"(".repeat(5000)}1${")".repeat(5000)}\n`;
  assert.throws(() => Policy.compile(deep), CompileError);
  const long = `policy p\nrule r = ${Array.from({ length: 20000 }, () => "1").join(" + ")}\n`;
  assert.throws(() => Policy.compile(long), CompileError);
  // the module still works
  assert.equal(Policy.compile(shanghaiSource).name, "shanghai_key_tech_transformation");
});

test("imports and directory CSVs come from `files`", () => {
  const dir = `${root}/conformance/eval/imports`;
  const main = readFileSync(`${dir}/policy.cla`, "utf8");
  assert.throws(() => Policy.compile(main), (e) => e.code === "check/import-not-found");
  const p = Policy.compile(main, filesUnder(dir));
  assert.ok(p.inputs().inputs.length > 0);
  const csvDir = `${root}/conformance/eval/directories`;
  const files = new Map(Object.entries(filesUnder(csvDir)));
  const q = Policy.compile(readFileSync(`${csvDir}/policy.cla`, "utf8"), files);
  assert.ok(q.name.length > 0);
});

test("toBytes / fromBytes round trip, and graphs made by the CLI load", () => {
  const bytes = policy.toBytes();
  assert.ok(bytes instanceof Uint8Array);
  const again = Policy.fromBytes(bytes);
  assert.equal(again.evaluateToJson(eligibleFund, "2026-03-01"), policy.evaluateToJson(eligibleFund, "2026-03-01"));
  assert.ok(existsSync(shanghaiGraphPath), "test.sh compiles the policy with the CLI first");
  const fromCli = Policy.fromBytes(readFileSync(shanghaiGraphPath));
  for (const asOf of ["2014-06-01", "2026-03-01"]) {
    for (const facts of [eligibleFund, {}, { project: { category: "JNJP" } }]) {
      assert.equal(fromCli.evaluateToJson(facts, asOf), policy.evaluateToJson(facts, asOf));
    }
  }
});

test("bytes that are not a graph give a LoadError with a code", () => {
  assert.throws(() => Policy.fromBytes(new Uint8Array([1, 2, 3])), (e) => e instanceof LoadError && e.code === "graph/invalid");
  const truncated = policy.toBytes().slice(0, 100);
  assert.throws(() => Policy.fromBytes(truncated), LoadError);
  assert.throws(() => Policy.fromBytes(new ArrayBuffer(0)), LoadError);
});

test("format and check", () => {
  assert.equal(clausula.format("policy   p\ninput a { b: money }"), "policy p\n\ninput a {\n  b: money\n}\n");
  assert.throws(() => clausula.format("policy p\ninput {"), CompileError);
  assert.deepEqual(clausula.check(shanghaiSource), []);
  const found = clausula.check('policy p\ninput a { total: money }\noutcome o { require a.totl > 1 "m" }\n');
  assert.equal(found[0].code, "check/unknown-field");
  assert.equal(found[0].help, "did you mean `total`?");
});

test("a thousand evaluations on one compiled policy agree", () => {
  const first = policy.evaluateToJson(eligibleFund, "2026-03-01");
  for (let i = 0; i < 1000; i++) {
    const facts = structuredClone(eligibleFund);
    facts.project.total_investment = String(20000000 + i * 1000);
    facts.project.fixed_asset_investment = "15000000";
    const d = policy.evaluate(facts, "2026-03-01");
    assert.equal(d.outcomes[FUND].amounts.support_amount, String(2000000 + i * 100));
  }
  assert.equal(policy.evaluateToJson(eligibleFund, "2026-03-01"), first);
});

test("NaN is unknown and infinity is an error naming the fact, as in every binding", () => {
  const facts = structuredClone(eligibleFund);
  facts.project.total_investment = Number.NaN;
  const d = policy.evaluate(facts, "2026-03-01");
  assert.deepEqual(d.errors, []);
  assert.ok(d.outcomes[FUND].missing.includes("project.total_investment"));
  facts.project.total_investment = Number.POSITIVE_INFINITY;
  assert.throws(
    () => policy.evaluate(facts, "2026-03-01"),
    (e) => e instanceof FactError && e.errors[0].path === "project.total_investment" && e.code === "facts/invalid-number",
  );
});

test("an empty string is a fact not given", () => {
  const facts = structuredClone(eligibleFund);
  facts.project.total_investment = "";
  const d = policy.evaluate(facts, "2026-03-01");
  assert.deepEqual(d.errors, []);
  assert.ok(d.outcomes[FUND].missing.includes("project.total_investment"));
});

test("a changed byte in a compiled graph is load/corrupt", () => {
  const bytes = policy.toBytes();
  bytes[Math.floor(bytes.length / 2)] ^= 1;
  assert.throws(() => Policy.fromBytes(bytes), (e) => e instanceof LoadError && e.code === "load/corrupt");
});

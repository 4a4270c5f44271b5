// W1 (high-tech enterprise, 2016 rules) in Node, side by side in one run: clausula (the
// WebAssembly package: `summarize`, statuses and amounts like the peers, and `evaluate`, the
// full explained decision), json-logic-js, Cedar
// (@cedar-policy/cedar-wasm, a preparsed policy set over `context`) and CEL
// (@marcbachmann/cel-js, a parsed expression).
//
// Every engine must return clausula's decision on every record before anything is timed.
// Prints a Markdown table: median of REPEATS runs over all records.
//
//   node benches/js/w1.mjs [RECORDS]     (after `bash bindings-wasm/build.sh`)

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as cedar from "@cedar-policy/cedar-wasm/nodejs";
import { parse as celParse } from "@marcbachmann/cel-js";
import jsonLogic from "json-logic-js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { Policy } = await import(join(root, "bindings-wasm/pkg/node/index.js"));

const N = Number(process.argv[2] ?? 10_000);
const REPEATS = 7;
const AS_OF = "2024-05-20";
const DAY_MS = 86_400_000;
const AS_OF_DAY = Date.parse(AS_OF) / DAY_MS;

// ---- the records: integer yuan, deterministic (mulberry32, seed 20261124) ----------------
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261124);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo)); // [lo, hi)
const pass = () => rand() < 0.93;

function applicant() {
  const latest = [30_000_000, 50_000_000, 80_000_000, 200_000_000, 500_000_000][int(0, 5)];
  const thresholdPct = latest <= 50_000_000 ? 5 : latest <= 200_000_000 ? 4 : 3;
  const sales3y = (latest * 5) / 2;
  const rdTenths = pass() ? thresholdPct * 10 + int(0, 30) : thresholdPct * 10 - int(1, 10);
  const rd = (sales3y / 1000) * rdTenths;
  const total = int(20, 2000);
  const st = pass() ? Math.floor(total / 10) + int(0, Math.floor(total / 4) + 1) : Math.floor(total / 10) - 1;
  const domestic = pass() ? Math.floor(rd / 10) * int(6, 11) : Math.floor(rd / 100) * 59;
  const income = latest + int(0, 1000) * 10_000;
  const hightech = pass() ? Math.floor(income / 10) * int(6, 11) : Math.floor(income / 100) * 59;
  const regDay = pass() ? AS_OF_DAY - int(365, 6000) : AS_OF_DAY - int(30, 365);
  return {
    registration_day: regDay,
    owns_core_ip: pass(),
    tech_in_priority_fields: pass(),
    total_staff: total,
    st_staff: st,
    rd_expense_3y: rd,
    domestic_rd_expense_3y: domestic,
    sales_3y: sales3y,
    latest_year_sales: latest,
    hightech_income: hightech,
    total_income: income,
    innovation_score: pass() ? int(71, 100) : int(50, 71),
    major_incident_past_year: !pass(),
  };
}
const records = Array.from({ length: N }, applicant);
const isoDate = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);

// ---- clausula --------------------------------------------------------------------------------
const policy = Policy.compile(readFileSync(join(root, "policies/national/high-tech-enterprise.cla"), "utf8"));
const clausulaFacts = records.map(({ registration_day, ...rest }) => ({
  enterprise: { registration_date: isoDate(registration_day), ...rest },
}));
const clausulaSummarize = (i) =>
  policy.summarize(clausulaFacts[i], AS_OF).outcomes.high_tech_enterprise.status === "eligible";
const clausulaDecide = (i) =>
  policy.evaluate(clausulaFacts[i], AS_OF).outcomes.high_tech_enterprise.status ===
  "eligible";

// ---- json-logic-js -----------------------------------------------------------------------------
const v = (name) => ({ var: name });
const ratioAtLeast = (num, den, bound) => ({ ">=": [{ "/": [v(num), v(den)] }, bound] });
const logic = {
  and: [
    { ">=": [{ "-": [v("as_of_day"), v("enterprise.registration_day")] }, 365] },
    v("enterprise.owns_core_ip"),
    v("enterprise.tech_in_priority_fields"),
    ratioAtLeast("enterprise.st_staff", "enterprise.total_staff", 0.1),
    ratioAtLeast("enterprise.rd_expense_3y", "enterprise.sales_3y", {
      if: [
        { "<=": [v("enterprise.latest_year_sales"), 50_000_000] },
        0.05,
        { "<=": [v("enterprise.latest_year_sales"), 200_000_000] },
        0.04,
        0.03,
      ],
    }),
    ratioAtLeast("enterprise.domestic_rd_expense_3y", "enterprise.rd_expense_3y", 0.6),
    ratioAtLeast("enterprise.hightech_income", "enterprise.total_income", 0.6),
    { ">": [v("enterprise.innovation_score"), 70] },
    { "!": v("enterprise.major_incident_past_year") },
  ],
};
const dayFacts = records.map((r) => ({ enterprise: r, as_of_day: AS_OF_DAY }));
const jsonLogicDecide = (i) => jsonLogic.apply(logic, dayFacts[i]) === true;

// ---- CEL ---------------------------------------------------------------------------------------------
const cel = celParse(`as_of_day - e.registration_day >= 365.0
  && e.owns_core_ip && e.tech_in_priority_fields
  && e.st_staff / e.total_staff >= 0.1
  && e.rd_expense_3y / e.sales_3y >= (e.latest_year_sales <= 50000000.0 ? 0.05
       : e.latest_year_sales <= 200000000.0 ? 0.04 : 0.03)
  && e.domestic_rd_expense_3y / e.rd_expense_3y >= 0.6
  && e.hightech_income / e.total_income >= 0.6
  && e.innovation_score > 70.0
  && !e.major_incident_past_year`);
const celFacts = records.map((r) => ({ e: r, as_of_day: AS_OF_DAY }));
const celDecide = (i) => cel(celFacts[i]) === true;

// ---- Cedar ------------------------------------------------------------------------------------------
const cedarPolicy = `permit (principal, action, resource) when {
  context.as_of_day - context.registration_day >= 365 &&
  context.owns_core_ip && context.tech_in_priority_fields &&
  context.st_staff * 10 >= context.total_staff &&
  context.rd_expense_3y * 100 >= context.sales_3y *
    (if context.latest_year_sales <= 50000000 then 5
     else if context.latest_year_sales <= 200000000 then 4 else 3) &&
  context.domestic_rd_expense_3y * 10 >= context.rd_expense_3y * 6 &&
  context.hightech_income * 10 >= context.total_income * 6 &&
  context.innovation_score > 70 &&
  !context.major_incident_past_year
};`;
const parsed = cedar.preparsePolicySet("w1", { staticPolicies: cedarPolicy });
if (parsed.type !== "success") throw new Error(JSON.stringify(parsed));
const cedarCalls = records.map((r) => ({
  principal: { type: "Applicant", id: "a" },
  action: { type: "Action", id: "apply" },
  resource: { type: "Policy", id: "hnte" },
  context: { ...r, as_of_day: AS_OF_DAY },
  preparsedPolicySetId: "w1",
  entities: [],
}));
const cedarDecide = (i) => {
  const answer = cedar.statefulIsAuthorized(cedarCalls[i]);
  if (answer.type !== "success") throw new Error(JSON.stringify(answer.errors));
  return answer.response.decision === "allow";
};

// ---- agreement, then timing ------------------------------------------------------------------------
const engines = [
  ["clausula (WebAssembly) `summarize`", clausulaSummarize],
  ["clausula (WebAssembly) `evaluate`, explained", clausulaDecide],
  ["json-logic-js", jsonLogicDecide],
  ["CEL (@marcbachmann/cel-js)", celDecide],
  ["Cedar (@cedar-policy/cedar-wasm, preparsed)", cedarDecide],
];
const expected = records.map((_, i) => clausulaDecide(i));
const eligible = expected.filter(Boolean).length;
if (eligible === 0 || eligible === N) throw new Error(`${eligible} of ${N} eligible: the workload tests nothing`);
for (const [name, decide] of engines) {
  for (let i = 0; i < N; i++) {
    if (decide(i) !== expected[i]) {
      throw new Error(`record ${i}: clausula says ${expected[i]}, ${name} says ${!expected[i]}`);
    }
  }
}
console.log(`agreement: every engine returns clausula's decision on all ${N} records (${((100 * eligible) / N).toFixed(1)}% eligible)`);

function medianNs(decide) {
  const times = [];
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (let i = 0; i < N; i++) n += decide(i) ? 1 : 0;
    times.push(Number(process.hrtime.bigint() - t0) / N);
    if (n !== eligible) throw new Error("changed its mind");
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
const results = engines.map(([name, decide]) => [name, medianNs(decide)]);
const base = results[0][1];
console.log();
console.log("| engine | median per decision | decisions/s | time ÷ clausula |");
console.log("|---|---:|---:|---:|");
for (const [name, ns] of results) {
  console.log(
    `| ${name} | ${Math.round(ns).toLocaleString("en")} ns | ${Math.round(1e9 / ns).toLocaleString("en")} | ${(ns / base).toFixed(2)}× |`,
  );
}

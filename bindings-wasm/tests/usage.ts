// A typed use of the package, checked by `tsc --noEmit` in CI: the declarations generated
// from the Rust structs (tsify) and from the wrapper must describe what the module returns.
// The `@ts-expect-error` lines prove that the types reject misuse (tsc fails if they do not).
import {
  CompileError,
  FactError,
  Policy,
  check,
  init,
  parseInput,
  type Decision,
  type DecisionSummary,
  type DiagnosticReport,
  type ErrorReport,
  type FieldInfo,
  type Line,
  type OutcomeBrief,
  type OutcomeDecision,
  type Schema,
  type Status,
  type ValueEntry,
  type AmountLine,
} from "../pkg/web/index.js";
import * as evaluator from "../pkg/evaluator/index.js";

export async function decide(source: string, graph: Uint8Array): Promise<string[]> {
  await init();
  const policy: Policy = Policy.compile(source, { "shared/common.cla": "…" }, { path: "main.cla" });
  const schema: Schema = policy.inputs();
  const money: FieldInfo[] = schema.inputs.flatMap((i) => i.fields).filter((f) => f.type === "money");
  const labels: (string | null)[] = money.map((f) => f.label);

  const decision: Decision = policy.evaluate({ project: { total_investment: "20000000" } }, "2026-03-01");
  const fund: OutcomeDecision | undefined = decision.outcomes["shanghai_key_tech_fund"];
  const status: Status | undefined = fund?.status;
  const amount: string | undefined = fund?.amounts["support_amount"];
  const lines: Line[] = fund?.requirements ?? [];
  const cites: (string | null)[] = lines.map((l) => l.cite);
  const sides = lines.map((l) => (l.compare ? `${l.compare.left_display} ${l.compare.op} ${l.compare.right_display}` : ""));
  // the working: each line's `uses` are keys of the outcome's `values`
  const used: (ValueEntry | undefined)[] = lines.flatMap((l) => l.uses.map((k) => fund?.values[k]));
  const shown: (string | undefined)[] = used.map((v) => v?.display);
  const ids: string[] = lines.map((l) => l.id);
  const steps: AmountLine[] = fund?.amount_lines ?? [];
  const formulas: string[] = steps.map((a) => `${a.name} = ${a.formula} = ${a.display ?? "?"}`);
  void shown;
  void ids;
  void formulas;
  const problems: ErrorReport[] = decision.errors;
  const next: string[] = policy.missing({}, new Date(), "shanghai_key_tech_fund");
  const verdict: DecisionSummary = policy.summarize({ project: { total_investment: "20000000" } }, "2026-03-01");
  const brief: OutcomeBrief | undefined = verdict.outcomes["shanghai_key_tech_fund"];
  const briefAmount: string | undefined = brief?.amounts["support_amount"];

  // @ts-expect-error asOf is a string or a Date
  policy.evaluate({}, 20260301);
  // @ts-expect-error a status is one of three words
  const wrong: Status = "maybe";

  const diagnostics: DiagnosticReport[] = check(source);
  try {
    Policy.compile(source);
  } catch (e) {
    if (e instanceof CompileError) {
      const first: DiagnosticReport | undefined = e.diagnostics[0];
      console.log(first?.line, first?.column, first?.rendered);
    } else if (e instanceof FactError) {
      console.log(e.errors.map((x) => x.path));
    }
  }

  await evaluator.init(new URL("clausula_wasm_bg.wasm", "https://example.invalid/"));
  const loaded: evaluator.Policy = evaluator.Policy.fromBytes(graph);
  // The evaluator-only module has no compiler, and its types say so.
  // @ts-expect-error: Policy.compile is not declared by the evaluator module
  evaluator.Policy.compile("policy p effective 2024-01-01");
  // @ts-expect-error: nor is format
  evaluator.format("policy p");
  const same: evaluator.Decision = loaded.evaluate({}, "2026-03-01");
  const typed: string | number | boolean | null = parseInput("3亿", "money");
  // @ts-expect-error: not a field type
  parseInput("3亿", "moeny");
  console.log(typed);

  return [String(status), amount ?? "", ...labels.map(String), ...cites.map(String), ...sides, ...next,
    String(problems.length), String(diagnostics.length), String(wrong), same.policy, briefAmount ?? ""];
}

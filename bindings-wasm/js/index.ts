// The public API of the npm package `clausula`.
//
// This file wraps the module that wasm-bindgen generates from `src/lib.rs`. It is compiled
// twice by `build.sh`: as an ES module next to the `web` output and as CommonJS next to the
// `nodejs` output; both import `./clausula_wasm.js`. The output types (`Decision`, `Schema`,
// `DiagnosticReport`, …) are declared by tsify from the Rust structs and re-exported here.

import * as native from "./clausula_wasm.js";
import type {
  Choice,
  Compare,
  Decision,
  DecisionSummary,
  DiagnosticReport,
  ErrorReport,
  FieldInfo,
  InputInfo,
  LabelReport,
  Line,
  LineKind,
  LineStatus,
  OutcomeBrief,
  OutcomeDecision,
  OutcomeInfo,
  Schema,
  Severity,
  Status,
  ValueEntry,
  ValueKind,
  AmountLine,
  LineError,
} from "./clausula_wasm.js";

export type {
  Choice,
  Compare,
  Decision,
  DecisionSummary,
  DiagnosticReport,
  ErrorReport,
  FieldInfo,
  InputInfo,
  LabelReport,
  Line,
  LineKind,
  LineStatus,
  OutcomeBrief,
  OutcomeDecision,
  OutcomeInfo,
  Schema,
  Severity,
  Status,
  ValueEntry,
  ValueKind,
  AmountLine,
  LineError,
};

/** An application: each input's fields, lists of records for list inputs. Money and other
 * decimals are best given as strings (`"20000000"`, `"3.65%"`) to stay exact; `null` or an
 * absent field is unknown. Dates are `"YYYY-MM-DD"` strings (a `Date` is read as its local
 * calendar date); a `bigint` is read as an integer. */
export type Facts = Record<string, unknown>;

/** The files a policy imports (`.cla` files and directory CSVs), by path relative to it. */
export type Files = Record<string, string> | Map<string, string>;

/** An evaluation date: `"YYYY-MM-DD"`, or a `Date` read as its local calendar date. */
export type AsOf = string | Date;

/** Options for {@link Policy.compile} and {@link check}. */
export interface CompileOptions {
  /** The policy file's own path, against which imports are resolved (default `policy.cla`). */
  path?: string;
}

/** Where the WebAssembly module comes from, for {@link init} in the browser. */
export type ModuleSource = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** The base class of every error Clausula throws. */
export class ClausulaError extends Error {
  /** A stable code: `compile`, `facts/wrong-type`, `load/bad-magic`, `internal`, … */
  readonly code: string;
  /** Diagnostics with positions (for a compile error; empty otherwise). */
  readonly diagnostics: DiagnosticReport[];

  constructor(message: string, code: string, diagnostics: DiagnosticReport[] = []) {
    super(message);
    this.name = "ClausulaError";
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

/** The policy does not compile: `diagnostics` lists every error with its line and column. */
export class CompileError extends ClausulaError {
  constructor(message: string, diagnostics: DiagnosticReport[]) {
    super(message, diagnostics[0]?.code ?? "compile", diagnostics);
    this.name = "CompileError";
  }
}

/** The facts do not fit the policy's inputs: `errors` names each bad fact's path. */
export class FactError extends ClausulaError {
  /** One report per bad fact, with its JSON path. */
  readonly errors: ErrorReport[];

  constructor(message: string, errors: ErrorReport[]) {
    super(message, errors[0]?.code ?? "facts/invalid-json");
    this.name = "FactError";
    this.errors = errors;
  }
}

/** The policy cannot be evaluated as asked: a date outside its effective window (from
 * `missing`; `evaluate` reports it in the decision's `errors`), an `asOf` that is not a date
 * or an outcome the policy does not have (code `value`). */
export class EvaluationError extends ClausulaError {
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "EvaluationError";
  }
}

/** Bytes that are not a compiled policy of this format version. */
export class LoadError extends ClausulaError {
  constructor(message: string, code: string) {
    super(message, code);
    this.name = "LoadError";
  }
}

/** The evaluator-only module was asked to compile. */
export class UnsupportedError extends ClausulaError {
  constructor(message: string) {
    super(message, "unsupported");
    this.name = "UnsupportedError";
  }
}

/** A bug inside Clausula (the module trapped). The module cannot be used after it; reload
 * the page (or the worker). Please report it. */
export class InternalError extends ClausulaError {
  constructor(message: string) {
    super(message, "internal");
    this.name = "InternalError";
  }
}

interface NativeFailure {
  kind: string;
  message: string;
  detail: unknown;
}

function isNativeFailure(e: unknown): e is NativeFailure {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as NativeFailure).kind === "string" &&
    typeof (e as NativeFailure).message === "string"
  );
}

/** Set once the module has trapped: its memory can no longer be trusted. */
let trapped: string | null = null;

function translate(e: unknown): Error {
  if (e instanceof WebAssembly.RuntimeError) {
    trapped = e.message;
    return new InternalError(
      `internal error in Clausula (the WebAssembly module trapped: ${e.message}); ` +
        "reload the module and please report it",
    );
  }
  if (isNativeFailure(e)) {
    switch (e.kind) {
      case "compile":
        return new CompileError(e.message, (e.detail as DiagnosticReport[] | null) ?? []);
      case "facts":
        return new FactError(e.message, (e.detail as ErrorReport[] | null) ?? []);
      case "load":
        return new LoadError(e.message, typeof e.detail === "string" ? e.detail : "load");
      case "evaluation":
        return new EvaluationError(e.message, typeof e.detail === "string" ? e.detail : "evaluation");
      case "value":
        return new EvaluationError(e.message, "value");
      case "unsupported":
        return new UnsupportedError(e.message);
      default:
        return new InternalError(e.message);
    }
  }
  if (e instanceof Error) {
    return e;
  }
  return new InternalError(String(e));
}

/** Whether the WebAssembly module is loaded: at once in Node (the module loads on import),
 * after {@link init} or {@link initSync} in the browser builds. */
let ready = typeof (native as unknown as { default?: unknown }).default !== "function";

function call<T>(f: () => T): T {
  if (!ready) {
    throw new Error(
      "call init() first: the Clausula WebAssembly module is not loaded yet (await init() once, or initSync(bytes))",
    );
  }
  if (trapped !== null) {
    throw new InternalError(
      `the Clausula module trapped earlier (${trapped}) and cannot be used; reload it`,
    );
  }
  try {
    return f();
  } catch (e) {
    throw translate(e);
  }
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

function localDate(d: Date): string {
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)}`;
}

function dateText(asOf: AsOf): string {
  if (asOf instanceof Date) {
    if (Number.isNaN(asOf.getTime())) {
      throw new EvaluationError("asOf is an invalid Date", "value");
    }
    return localDate(asOf);
  }
  if (typeof asOf !== "string") {
    throw new EvaluationError(`asOf must be "YYYY-MM-DD" or a Date, not ${typeof asOf}`, "value");
  }
  return asOf;
}

/** The path of the first number that is ±Infinity (JSON has no such number, and
 * `JSON.stringify` would silently write `null`), or `undefined`. */
function infinitePath(value: unknown, path: string, depth: number): string | undefined {
  if (typeof value === "number") {
    return Number.isFinite(value) || Number.isNaN(value) ? undefined : path;
  }
  if (depth > 64 || value === null || typeof value !== "object" || value instanceof Date) {
    return undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = infinitePath(value[i], `${path}[${i}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const found = infinitePath(v, path === "" ? k : `${path}.${k}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function factsText(facts: Facts | string): string {
  if (typeof facts === "string") {
    return facts;
  }
  // One rule in every binding: NaN (how data frames write a missing number) is unknown, and
  // infinity is an error naming the fact, never silently unknown.
  const infinite = infinitePath(facts, "", 0);
  if (infinite !== undefined) {
    const report = {
      code: "facts/invalid-number",
      message: "infinity is not an exact decimal number",
      path: infinite,
      scope: "decision",
    } as ErrorReport;
    throw new FactError(`${infinite}: ${report.message}`, [report]);
  }
  try {
    return JSON.stringify(facts, function (this: Record<string, unknown>, key, value: unknown) {
      const original = key === "" ? value : this[key];
      if (original instanceof Date) {
        return localDate(original);
      }
      if (typeof value === "bigint") {
        return value.toString();
      }
      if (typeof value === "number" && Number.isNaN(value)) {
        return null;
      }
      return value;
    }) ?? "null";
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    const report: ErrorReport = {
      code: "facts/invalid-json",
      message: `the facts cannot be written as JSON: ${why}`,
      scope: "decision",
    } as ErrorReport;
    throw new FactError(report.message, [report]);
  }
}

function filesText(files: Files | undefined): string {
  if (files === undefined || files === null) {
    return "{}";
  }
  const entries = files instanceof Map ? Object.fromEntries(files) : files;
  return JSON.stringify(entries);
}

/**
 * Loads the WebAssembly module (browser build). In Node the module is loaded on import and
 * this does nothing. Call it once before anything else; by default the `.wasm` next to this
 * file is fetched.
 */
export async function init(source?: ModuleSource | Promise<ModuleSource>): Promise<void> {
  const load = (native as unknown as { default?: unknown }).default;
  if (typeof load === "function") {
    await (load as (o?: { module_or_path: unknown }) => Promise<unknown>)(
      source === undefined ? undefined : { module_or_path: source },
    );
  }
  ready = true;
}

/** Loads the WebAssembly module synchronously from its bytes or a compiled module. */
export function initSync(module: BufferSource | WebAssembly.Module): void {
  const load = (native as unknown as { initSync?: unknown }).initSync;
  if (typeof load === "function") {
    (load as (o: { module: unknown }) => unknown)({ module });
  }
  ready = true;
}

/** Options of {@link Policy.evaluate}. */
export interface EvaluateOptions {
  /** What a form needs while the user types: a field whose value is bad is an error on that
   * field (its `path`) and treated as not given, and every outcome is still decided from the
   * rest (without it, bad facts leave `outcomes` empty). */
  fieldErrors?: boolean;
}

/** A compiled policy. Compile (or load) once, evaluate many times. */
export class Policy {
  readonly #native: native.NativePolicy;
  #schema: Schema | undefined;

  private constructor(n: native.NativePolicy) {
    this.#native = n;
  }

  /** Compiles policy source. `files` supplies what it imports (`.cla` files, directory
   * CSVs) by path relative to `options.path`. Throws {@link CompileError}. */
  static compile(source: string, files?: Files, options: CompileOptions = {}): Policy {
    const path = options.path ?? "policy.cla";
    return call(() => new Policy(native.NativePolicy.compile(source, filesText(files), path)));
  }

  /** Loads a compiled graph (made by `clausula compile`, Python's `Policy.to_bytes` or
   * {@link Policy.toBytes}). Works in the evaluator-only module. Throws {@link LoadError}. */
  static fromBytes(bytes: Uint8Array | ArrayBuffer): Policy {
    const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    return call(() => new Policy(native.NativePolicy.fromBytes(data)));
  }

  /** The compiled graph. */
  toBytes(): Uint8Array {
    return call(() => this.#native.toBytes());
  }

  /** The policy's name. */
  get name(): string {
    return call(() => this.#native.name);
  }

  /** The policy's title. */
  get title(): string | undefined {
    return call(() => this.#native.title);
  }

  /** The documents the policy implements. */
  get source(): string | undefined {
    return call(() => this.#native.source);
  }

  /** The effective window, `2013-01-01..` or `2013-01-01..2015-12-31`. */
  get effective(): string {
    return call(() => this.#native.effective);
  }

  /** The input schema: entities, fields with labels, types, enum choices, and which
   * outcomes each field can affect. */
  inputs(): Schema {
    if (this.#schema === undefined) {
      this.#schema = call(() => this.#native.inputs());
    }
    return this.#schema;
  }

  /** The facts as a JSON Schema (draft 2020-12), for AJV and schema-driven form libraries:
   * labels as `title`s, enum values and a small directory's codes as named `const`s,
   * defaults, and the JSON each type accepts (`x-clausula-type` keeps the policy's type). */
  jsonSchema(): Record<string, unknown> {
    return call(() => this.#native.jsonSchema()) as Record<string, unknown>;
  }

  /** Decides an application on `asOf`: the JSON contract as a plain object. Facts that do
   * not fit the inputs and a date outside the window are reported in `errors` (and
   * `outcomes` is empty), not thrown. Throws {@link EvaluationError} for an `asOf` that is
   * not a date. */
  evaluate(facts: Facts | string, asOf: AsOf, options?: EvaluateOptions): Decision {
    const date = dateText(asOf);
    return call(() => this.#native.evaluate(factsText(facts), date, options?.fieldErrors ?? false));
  }

  /** The verdict only: each outcome's status and known amounts, and the errors — the
   * decision of {@link evaluate} without `title`, `requirements` and `missing`. Much faster
   * when a form only needs to know whether the application qualifies. */
  summarize(facts: Facts | string, asOf: AsOf): DecisionSummary {
    const date = dateText(asOf);
    return call(() => this.#native.summarize(factsText(facts), date));
  }

  /** Like {@link evaluate}, returning the JSON text (byte for byte what the CLI prints). */
  evaluateToJson(facts: Facts | string, asOf: AsOf): string {
    const date = dateText(asOf);
    return call(() => this.#native.evaluateToJson(factsText(facts), date));
  }

  /** The unknown facts that could still change the outcome, most decisive first: for one
   * outcome, or merged rank by rank over every undetermined outcome. Facts that cannot
   * change it are not listed. Throws {@link FactError} when the facts do not fit. */
  missing(facts: Facts | string, asOf: AsOf, outcome?: string): string[] {
    const date = dateText(asOf);
    return call(() => this.#native.missing(factsText(facts), date, outcome));
  }

  /** Compile warnings (unreachable table rows, unused CSV columns). */
  warnings(): DiagnosticReport[] {
    return call(() => this.#native.warnings());
  }

  /** The rule graph as Graphviz DOT. */
  toDot(): string {
    return call(() => this.#native.toDot());
  }

  /** Frees the module memory now (otherwise it is freed when the policy is collected). */
  free(): void {
    this.#native.free();
  }
}

/** The type of a fact, as {@link FieldInfo} names it. */
export type FieldType = FieldInfo["type"];

/** What a user typed in a form field of type `type` (`money`, `number`, `int`, `percent`,
 * `bool`, `date`, `text`, `code`, `enum`), as the facts value the engine reads: `"3亿"`,
 * `"2000万元"`, `"1,000,000"` and full-width digits become decimal strings, `"3.65%"` stays a
 * percent, `"是"`/`"否"` become booleans, `"2026年3月1日"` a date, empty input `null`. The
 * engine itself stays strict; this is opt-in. Throws {@link FactError} with the engine's
 * code (`facts/invalid-number`, …) for what it would refuse. */
export function parseInput(text: string, type: FieldType): string | number | boolean | null {
  return call(() => native.parseInput(text, type)) as string | number | boolean | null;
}

/** Checks policy source: every diagnostic, warnings included; empty when all is well. */
export function check(source: string, files?: Files, options: CompileOptions = {}): DiagnosticReport[] {
  const path = options.path ?? "policy.cla";
  return call(() => native.check(source, filesText(files), path));
}

/** Formats policy source canonically (comments kept). Throws {@link CompileError}. */
export function format(source: string): string {
  return call(() => native.format(source));
}

/** Whether this module includes the compiler (`false` for the evaluator-only module). */
export function hasCompiler(): boolean {
  return call(() => native.hasCompiler());
}

/** The engine's version. */
export function version(): string {
  return call(() => native.version());
}

// Panics inside the module on purpose, for the tests of the trap handling. Not part of the
// API: reachable only through a registered symbol, absent from the exports and the types.
Object.defineProperty(globalThis, Symbol.for("clausula.panicForTests"), {
  value: (message: string): void => {
    call(() => native.panicForTests(message));
  },
  enumerable: false,
  configurable: true,
});

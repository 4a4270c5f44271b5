// A self-check form for a Clausula policy, generated from `policy.inputs()`.
//
// By default it loads the evaluator-only module and the compiled graph `policy.clag` (made by
// `clausula compile`); `?mode=compile` loads the full module and compiles the policy source
// in the browser instead. `?graph=URL` or `?source=URL` choose another policy.
//
// On every keystroke the application is decided again: each requirement shows ✓/✗/? with its
// message and citation, `policy.missing()` picks the next question, questions that cannot
// change the selected outcome are hidden (or greyed), and the amount appears once eligible.

const PKG = "../../bindings-wasm/pkg/";
const params = new URLSearchParams(location.search);
const mode = params.get("mode") === "compile" ? "compile" : "graph";
const SOURCE = params.get("source") ?? "../../policies/shanghai/key-tech-transformation.cla";
const GRAPH = params.get("graph") ?? "policy.clag";

// A requirement passes when it holds; an exception (`unless`) passes when it does not apply.
const EFFECT = {
  require: { true: "pass", false: "fail", unknown: "unknown", not_applicable: "na" },
  unless: { true: "fail", false: "pass", unknown: "unknown", not_applicable: "na" },
};
const MARKS = { pass: "✓", fail: "✗", unknown: "?", na: "–" };
const STATUS_TEXT = {
  eligible: "✓ 符合条件",
  ineligible: "✗ 不符合条件",
  undetermined: "? 尚待确定",
};
const OPS = { ">=": "≥", "<=": "≤", "!=": "≠", "==": "=", ">": ">", "<": "<" };
const HINTS = {
  money: "金额（元），可写 2000万、1.5亿",
  percent: "百分比，如 60%",
  number: "数值",
  int: "整数",
  date: "日期",
  text: "文字",
  code: "代码",
};

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k in e && typeof v !== "string") e[k] = v;
    else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};

/** "2000万" → "20000000", "1.5亿" → "150000000", "1,234.5" → "1234.5"; exact (string shifts). */
export function parseMoney(raw) {
  const m = /^\s*([+-]?)([0-9][0-9,_]*)(?:\.([0-9]+))?\s*(万|亿)?\s*元?\s*$/.exec(raw);
  if (!m) return raw.trim();
  const [, sign, int, frac = "", unit] = m;
  const shift = unit === "亿" ? 8 : unit === "万" ? 4 : 0;
  let digits = int.replace(/[,_]/g, "") + frac.padEnd(shift, "0");
  const point = digits.length - Math.max(frac.length - shift, 0);
  let whole = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  let rest = digits.slice(point).replace(/0+$/, "");
  return sign + whole + (rest ? "." + rest : "");
}

// Every number shown is the engine's own `display` (money to the 分, percentages rounded
// half up): the form formats nothing itself.
const shown = (display) => display ?? "未知";

/** What would make a failed line pass, as the engine computed and checked it:
 * "需要：其中固定资产投资 > 9,000,000.00 元（现为 8,000,000.00 元）", then "或：…". */
function recourseBox(outcome, line) {
  const box = el("div", { class: "recourse" });
  for (const [i, r] of line.recourse.entries()) {
    const label = outcome.values?.[r.fact]?.label ?? r.fact;
    const unit = outcome.values?.[r.fact]?.type === "money" ? " 元" : "";
    const value = r.value === "true" ? "是" : r.value === "false" ? "否" : `${r.display ?? r.value}${unit}`;
    const side = r.and ? `，且 ${OPS[r.and.op] ?? r.and.op} ${r.and.value}` : "";
    const now = r.current ? `（现为 ${r.current}${r.value === "true" || r.value === "false" ? "" : unit}）` : "";
    box.append(el("div", {}, `${i === 0 ? "需要" : "或"}：${label} ${OPS[r.op] ?? r.op} ${value}${side}${now}`));
  }
  return box;
}

/** The working behind a line or an amount: each named value it used (`label = display`,
 * its citation, a rule's formula), and under it what that value used. */
function working(outcome, keys, depth = 0, seen = new Set()) {
  const list = el("ul", { class: "working" });
  for (const key of keys) {
    const v = outcome.values[key];
    if (!v) continue;
    const bits = [`${v.label ?? key} = ${shown(v.display)}`];
    if (v.row !== undefined) bits.push(`（第${v.row}行）`);
    if (v.from !== undefined) bits.push(`（${v.from}起）`);
    const item = el("li", { "data-key": key }, bits.join(""));
    if (v.cite) item.append(el("span", { class: "cite" }, ` 依据：${v.cite}`));
    if (v.formula) item.append(el("code", { class: "formula" }, ` = ${v.formula}`));
    if (v.uses.length > 0 && depth < 3 && !seen.has(key)) {
      seen.add(key);
      item.append(working(outcome, v.uses, depth + 1, seen));
    }
    list.append(item);
  }
  return list;
}

function workingBox(outcome, keys, formula) {
  const box = el("details", { class: "how" }, el("summary", {}, "计算过程"));
  if (formula) box.append(el("code", { class: "formula" }, `= ${formula}`));
  box.append(working(outcome, keys));
  return box;
}

async function loadPolicy() {
  if (mode === "compile") {
    const lib = await import(`${PKG}web/index.js`);
    await lib.init();
    const source = await (await fetch(SOURCE)).text();
    return { lib, policy: lib.Policy.compile(source), how: "完整模块，在浏览器内编译政策" };
  }
  const lib = await import(`${PKG}evaluator/index.js`);
  await lib.init();
  const bytes = new Uint8Array(await (await fetch(GRAPH)).arrayBuffer());
  return { lib, policy: lib.Policy.fromBytes(bytes), how: "仅求值模块，载入已编译的规则图" };
}

const { lib, policy, how } = await loadPolicy();
const schema = policy.inputs();
const fields = schema.inputs.flatMap((i) => i.fields.map((f) => ({ ...f, entity: i })));
const fieldByPath = new Map(fields.map((f) => [f.path, f]));
const values = new Map(); // scalar path -> raw text
const items = new Map(); // list entity -> [Map(field -> raw text)]

$("title").textContent = schema.title ?? schema.policy;
$("source").textContent = `${policy.source ?? ""}（${policy.effective}）`;
$("engine").textContent = `Clausula ${lib.version()} · ${how}`;
$("as-of").value = params.get("as_of") ?? new Date().toISOString().slice(0, 10);

// --- the outcome selector --------------------------------------------------------------
for (const [i, o] of schema.outcomes.entries()) {
  const radio = el("input", { type: "radio", name: "outcome", value: o.name, id: `o-${o.name}` });
  radio.checked = i === 0;
  $("outcomes").append(el("label", { for: `o-${o.name}` }, radio, ` ${o.title ?? o.name}`));
}
const selectedOutcome = () => document.querySelector('input[name="outcome"]:checked').value;

// --- the fields ------------------------------------------------------------------------
function control(field, id, read, write) {
  let input;
  const options = (list) => [
    el("option", { value: "" }, "（未填写）"),
    ...list.map((c) => el("option", { value: c.value }, c.label ? `${c.label}（${c.value}）` : c.value)),
  ];
  if (field.type === "bool") {
    input = el(
      "select",
      { id },
      el("option", { value: "" }, "（未填写）"),
      el("option", { value: "true" }, "是"),
      el("option", { value: "false" }, "否"),
    );
  } else if (field.choices || field.suggestions) {
    input = el("select", { id }, ...options(field.choices ?? field.suggestions));
  } else {
    input = el("input", {
      id,
      type: field.type === "date" ? "date" : "text",
      inputmode: ["money", "number", "percent", "int"].includes(field.type) ? "decimal" : "text",
    });
  }
  input.name = id.slice(2);
  input.value = read() ?? "";
  input.addEventListener("input", () => { write(input.value); update(); });
  input.addEventListener("change", () => { write(input.value); update(); });
  return input;
}

function fieldRow(field, path, read, write) {
  const id = `f-${path}`;
  const hint = field.choices || field.suggestions || field.type === "bool" ? null : HINTS[field.type];
  return el(
    "div",
    { class: "field", "data-path": path, "data-template": field.path },
    el("label", { for: id }, field.label ?? field.name),
    control(field, id, read, write),
    hint ? el("span", { class: "hint" }, hint) : null,
    el("span", { class: "problem", hidden: true }),
  );
}

function renderForm() {
  const form = $("application");
  form.replaceChildren();
  for (const entity of schema.inputs) {
    const box = el("fieldset", { class: "entity", "data-entity": entity.name }, el("legend", {}, entity.label ?? entity.name));
    if (!entity.list) {
      for (const f of entity.fields) {
        box.append(fieldRow(f, f.path, () => values.get(f.path), (v) => values.set(f.path, v)));
      }
    } else {
      const list = items.get(entity.name) ?? [];
      items.set(entity.name, list);
      list.forEach((item, i) => {
        const row = el("div", { class: "item" });
        for (const f of entity.fields) {
          row.append(fieldRow(f, `${entity.name}[${i}].${f.name}`, () => item.get(f.name), (v) => item.set(f.name, v)));
        }
        row.append(el("button", { type: "button", onclick: () => { list.splice(i, 1); renderForm(); update(); } }, "删除此项"));
        box.append(row);
      });
      box.append(el("button", { type: "button", onclick: () => { list.push(new Map()); renderForm(); update(); } }, "添加一项"));
    }
    form.append(box);
  }
}

// --- facts from the form ---------------------------------------------------------------
function convert(field, raw) {
  if (raw === undefined || raw.trim() === "") return undefined;
  if (field.type === "bool") return raw === "true";
  if (field.type === "money") return parseMoney(raw);
  return raw.trim();
}

function buildFacts() {
  const facts = {};
  for (const entity of schema.inputs) {
    if (entity.list) {
      const list = items.get(entity.name) ?? [];
      if (list.length > 0) {
        facts[entity.name] = list.map((item) => {
          const o = {};
          for (const f of entity.fields) {
            const v = convert(f, item.get(f.name));
            if (v !== undefined) o[f.name] = v;
          }
          return o;
        });
      }
      continue;
    }
    const o = {};
    for (const f of entity.fields) {
      const v = convert(f, values.get(f.path));
      if (v !== undefined) o[f.name] = v;
    }
    if (Object.keys(o).length > 0) facts[entity.name] = o;
  }
  return facts;
}

function removePath(facts, path) {
  const m = /^([^.[]+)(?:\[(\d+)\])?\.(.+)$/.exec(path);
  if (!m) return false;
  const [, entity, index, name] = m;
  const target = index === undefined ? facts[entity] : facts[entity]?.[Number(index)];
  if (target && name in target) {
    delete target[name];
    return true;
  }
  return false;
}

// --- deciding and showing --------------------------------------------------------------
function decide(asOf) {
  const facts = buildFacts();
  const problems = new Map();
  let decision = policy.evaluate(facts, asOf);
  if (Object.keys(decision.outcomes).length === 0 && decision.errors.some((e) => e.path)) {
    // show each bad value at its field and decide on the rest
    for (const e of decision.errors) {
      if (e.path && removePath(facts, e.path)) problems.set(e.path, e.help ? `${e.message}（${e.help}）` : e.message);
    }
    decision = policy.evaluate(facts, asOf);
  }
  return { facts, decision, problems };
}

function update() {
  const asOf = $("as-of").value;
  const outcomeName = selectedOutcome();
  const info = schema.outcomes.find((o) => o.name === outcomeName);
  const { facts, decision, problems } = decide(asOf);
  const outcome = decision.outcomes[outcomeName];
  let missing = [];
  if (outcome) {
    try {
      missing = policy.missing(facts, asOf, outcomeName);
    } catch (e) {
      if (!(e instanceof lib.ClausulaError)) throw e;
    }
  }
  const asked = new Set(missing);
  const showAll = $("show-all").checked;

  // fields: known ones stay, unknown ones show only when they can still change the outcome
  for (const row of document.querySelectorAll(".field")) {
    const path = row.dataset.path;
    const field = fieldByPath.get(row.dataset.template);
    const input = row.querySelector("input, select");
    const known = input.value.trim() !== "";
    const listPath = field.path.includes("[]");
    const relevant =
      known ||
      asked.has(path) ||
      (listPath && missing.some((m) => m === field.entity.name || m.startsWith(`${field.entity.name}[`)));
    row.classList.toggle("irrelevant", !relevant);
    row.hidden = !relevant && !showAll;
    row.classList.toggle("next", missing[0] === path);
    const problem = row.querySelector(".problem");
    problem.textContent = problems.get(path) ?? "";
    problem.hidden = !problems.has(path);
    row.setAttribute("aria-invalid", problems.has(path) ? "true" : "false");
  }
  for (const box of document.querySelectorAll(".entity")) {
    box.hidden = [...box.querySelectorAll(".field")].every((r) => r.hidden) && !box.querySelector("button");
  }

  // the next question
  const next = missing[0];
  const nextField = next && (fieldByPath.get(next) ?? fieldByPath.get(next.replace(/\[\d+\]/, "[]")));
  $("next-question").hidden = !nextField;
  document.querySelector(".next-label").hidden = !nextField;
  $("next-question").textContent = nextField ? `${nextField.entity.label ?? nextField.entity.name} · ${nextField.label ?? nextField.name}` : "";
  $("next-question").dataset.path = next ?? "";
  $("next-done").hidden = !(outcome && outcome.status !== "undetermined");

  // the outcome
  $("outcome-title").textContent = info?.title ?? outcomeName;
  $("status").dataset.status = outcome?.status ?? "";
  $("status").textContent = outcome ? STATUS_TEXT[outcome.status] : "无法评估";
  const amount = $("amount");
  amount.replaceChildren();
  if (outcome?.status === "eligible") {
    for (const line of outcome.amount_lines) {
      if (line.value === undefined) continue;
      amount.append(
        el("span", { "data-amount": line.name, "data-value": line.value }, `${line.label ?? line.name}：${line.display} 元`),
        workingBox(outcome, line.uses, line.formula),
      );
    }
  }
  amount.hidden = amount.childElementCount === 0;
  const list = $("requirements");
  list.replaceChildren();
  for (const [i, line] of (outcome?.requirements ?? []).entries()) {
    const unit = line.compare?.type === "money" ? " 元" : "";
    const sides = line.compare
      ? `${shown(line.compare.left_display)}${unit} ${OPS[line.compare.op] ?? line.compare.op} ${shown(line.compare.right_display)}${unit}`
      : null;
    const failed = EFFECT[line.kind][line.status] === "fail";
    list.append(
      el(
        "li",
        { "data-index": String(i), "data-status": line.status, "data-kind": line.kind, "data-effect": EFFECT[line.kind][line.status] },
        el("span", { class: "mark" }, MARKS[EFFECT[line.kind][line.status]]),
        el("span", { class: "message" }, line.kind === "unless" ? `例外：${line.message}` : line.message),
        line.cite ? el("span", { class: "cite" }, `依据：${line.cite}`) : null,
        sides ? el("span", { class: "sides" }, sides) : null,
        failed ? workingBox(outcome, line.uses) : null,
        failed && line.recourse?.length ? recourseBox(outcome, line) : null,
      ),
    );
  }
  $("errors").replaceChildren(
    ...decision.errors.filter((e) => !e.path || !problems.has(e.path)).map((e) => el("li", { "data-code": e.code }, e.message)),
  );
  document.body.dataset.ready = "true";
}

$("next-question").addEventListener("click", () => {
  const path = $("next-question").dataset.path;
  document.getElementById(`f-${path}`)?.focus();
});
for (const id of ["as-of", "show-all"]) $(id).addEventListener("input", update);
for (const radio of document.querySelectorAll('input[name="outcome"]')) radio.addEventListener("change", update);

renderForm();
update();

// End-to-end test of examples/web-form in headless Chromium (Debian `chromium`, driven by
// playwright-core), served on 127.0.0.1. It answers the questions in the order the form asks
// them and checks, at each step, that the form asks exactly what `policy.missing()` says is
// most decisive; then it checks statuses, messages, citations and the amount in the DOM, and
// saves screenshots to target/wasm-test/.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { Policy } from "../pkg/node/index.js";
import { root, shanghaiSource } from "./helpers.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const FUND = "shanghai_key_tech_fund";
const AS_OF = "2026-03-01";
const shots = join(root, "target", "wasm-test");
mkdirSync(shots, { recursive: true });

const policy = Policy.compile(shanghaiSource);

/** What an eligible applicant answers (money as people write it). */
const ELIGIBLE = {
  "enterprise.registered_in_shanghai": "true",
  "enterprise.independent_legal_person": "true",
  "enterprise.credit_good": "true",
  "project.category": "ZBSJ",
  "project.in_three_year_pool": "true",
  "project.total_investment": "3亿",
  "project.fixed_asset_investment": "2亿",
  "project.approvals_complete": "true",
  "project.funds_in_place": "true",
  "project.construction_started": "true",
  "project.prior_municipal_support": "false",
};
const ENGINE_VALUE = { "3亿": "300000000", "2亿": "200000000", "1500万": "15000000", "1200万": "12000000" };

function factsOf(answers) {
  const facts = {};
  for (const [path, raw] of Object.entries(answers)) {
    const [entity, field] = path.split(".");
    facts[entity] ??= {};
    facts[entity][field] = raw === "true" ? true : raw === "false" ? false : ENGINE_VALUE[raw] ?? raw;
  }
  return facts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let server;
let browser;
let base;

before(async () => {
  const port = await freePort();
  server = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1"], {
    cwd: root,
    stdio: "ignore",
  });
  base = `http://127.0.0.1:${port}/examples/web-form/index.html`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(base);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (i > 100) throw new Error("the static server did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function open(query = "") {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  await page.goto(`${base}?as_of=${AS_OF}${query}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  return { page, problems };
}

const field = (path) => `[id="f-${path}"]`;

async function answer(page, path, raw) {
  const sel = field(path);
  const tag = await page.$eval(sel, (e) => e.tagName);
  if (tag === "SELECT") await page.selectOption(sel, raw);
  else await page.fill(sel, raw);
}

async function requirements(page) {
  return page.$$eval("#requirements > li", (lis) =>
    lis.map((li) => ({
      status: li.dataset.status,
      mark: li.querySelector(".mark").textContent,
      message: li.querySelector(".message").textContent,
      cite: li.querySelector(".cite")?.textContent ?? null,
    })),
  );
}

test("an eligible application, asked in the order missing() gives", async () => {
  const { page, problems } = await open();
  assert.equal(await page.textContent("#title"), "上海市重点技术改造支持");
  assert.equal(await page.textContent(`label[for="f-project.total_investment"]`), "项目总投资");
  assert.equal(await page.getAttribute("#status", "data-status"), "undetermined");
  assert.equal(await page.isVisible("#amount"), false);

  const given = {};
  const asked = [];
  for (let step = 0; step < 20; step++) {
    const expected = policy.missing(factsOf(given), AS_OF, FUND);
    const next = await page.getAttribute("#next-question", "data-path");
    if (expected.length === 0) {
      assert.equal(next, "");
      break;
    }
    assert.equal(next, expected[0], `step ${step}: the form asks what missing() ranks first`);
    // the question is highlighted; questions that cannot matter are hidden
    assert.ok(await page.$eval(field(next), (e) => e.closest(".field").classList.contains("next")));
    for (const f of policy.inputs().inputs.flatMap((i) => i.fields)) {
      const visible = await page.isVisible(field(f.path));
      const shouldShow = f.path in given || expected.includes(f.path);
      assert.equal(visible, shouldShow, `step ${step}: ${f.path} ${shouldShow ? "shown" : "hidden"}`);
    }
    assert.ok(next in ELIGIBLE, `${next} is a question of the fund`);
    await answer(page, next, ELIGIBLE[next]);
    given[next] = ELIGIBLE[next];
    asked.push(next);
  }
  assert.equal(asked.length, Object.keys(ELIGIBLE).length, `asked ${asked.join(", ")}`);

  assert.equal(await page.getAttribute("#status", "data-status"), "eligible");
  assert.equal(await page.textContent("#status"), "✓ 符合条件");
  assert.equal(await page.textContent("#amount [data-amount]"), "支持金额：30,000,000.00 元");
  // the working of the amount: its formula, the cap in force with its citation, the investment
  const how = await page.textContent("#amount .how");
  assert.match(how, /= min\(project\.total_investment \* 10%, 单个项目支持上限\)/);
  assert.match(how, /单个项目支持金额上限 = 100,000,000\.00（2026-01-01起） 依据：市重点技术改造专项资金管理办法（2026年修订）/);
  assert.match(how, /项目总投资 = 300,000,000\.00/);
  assert.equal(await page.getAttribute("#amount [data-amount]", "data-value"), "30000000");
  assert.equal(await page.isVisible("#next-done"), true);
  const lines = await requirements(page);
  assert.equal(lines.length, 11);
  assert.deepEqual(lines[5], {
    status: "true",
    mark: "✓",
    message: "项目总投资须达到支持目录规定的下限（2000万元）",
    cite: "依据：专项资金管理办法 申报条件（二）",
  });
  // the exception does not apply: its condition is false, it does not block, it shows ✓
  assert.equal(lines[10].status, "false");
  assert.equal(lines[10].mark, "✓");
  assert.equal(await page.textContent("#requirements li[data-index='9'] .sides"), "66.67% > 60%");
  assert.match(lines[10].message, /^例外：已获得市级财政资金支持/);
  assert.equal(await page.textContent("#requirements li[data-index='5'] .sides"), "300,000,000.00 元 ≥ 20,000,000.00 元");
  // own-land questions stay hidden for the fund
  assert.equal(await page.isVisible(field("project.in_planned_zone")), false);
  await page.check("#show-all");
  assert.equal(await page.isVisible(field("project.in_planned_zone")), true);
  assert.ok(await page.$eval(field("project.in_planned_zone"), (e) => e.closest(".field").classList.contains("irrelevant")));
  await page.uncheck("#show-all");
  await page.screenshot({ path: join(shots, "web-form-eligible.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("an ineligible application shows the failing requirement with ✗ and no amount", async () => {
  const { page, problems } = await open();
  // once the investment is too low nothing else can matter and the form hides the rest;
  // this applicant fills in everything anyway
  await page.check("#show-all");
  for (const [path, raw] of Object.entries(ELIGIBLE)) {
    await answer(page, path, path === "project.total_investment" ? "1500万" : path === "project.fixed_asset_investment" ? "1200万" : raw);
  }
  assert.equal(await page.getAttribute("#status", "data-status"), "ineligible");
  assert.equal(await page.textContent("#status"), "✗ 不符合条件");
  assert.equal(await page.isVisible("#amount"), false);
  const failing = (await requirements(page)).filter((l) => l.mark === "✗");
  assert.deepEqual(failing, [
    {
      status: "false",
      mark: "✗",
      message: "项目总投资须达到支持目录规定的下限（2000万元）",
      cite: "依据：专项资金管理办法 申报条件（二）",
    },
  ]);
  assert.equal(await page.textContent("#requirements li[data-index='5'] .sides"), "15,000,000.00 元 ≥ 20,000,000.00 元");
  // a failed line shows its working: the directory's floor for this category, the investment
  const how = await page.textContent("#requirements li[data-index='5'] .how");
  assert.match(how, /项目总投资下限 = 20,000,000\.00（第\d+行）/);
  assert.match(how, /项目总投资 = 15,000,000\.00/);
  // That line reads the directory: no recourse (R15). The ratio line, once it fails, says
  // what would make it pass (60% of 15,000,000.00), as the engine checked it.
  assert.equal(await page.$("#requirements li[data-index='5'] .recourse"), null);
  await answer(page, "project.fixed_asset_investment", "800万");
  const ratio = await page.textContent("#requirements li[data-index='9'] .recourse");
  assert.match(ratio, /^需要：其中固定资产投资 > 9,000,000\.00 元（现为 8,000,000\.00 元）或：项目总投资 ≤ 13,333,333\.33 元，且 > 0（现为 15,000,000\.00 元）$/);
  await page.screenshot({ path: join(shots, "web-form-ineligible.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the browser module before init() says so, then works", async () => {
  const page = await browser.newPage();
  await page.goto(base.replace("examples/web-form/index.html", ""));
  const result = await page.evaluate(async () => {
    const lib = await import("/bindings-wasm/pkg/evaluator/index.js");
    let before;
    try {
      lib.Policy.fromBytes(new Uint8Array([1, 2, 3]));
    } catch (e) {
      before = `${e.constructor.name}: ${e.message}`;
    }
    await lib.init();
    let after;
    try {
      lib.Policy.fromBytes(new Uint8Array([1, 2, 3]));
    } catch (e) {
      after = `${e.constructor.name}: ${e.code}`;
    }
    return { before, after };
  });
  assert.match(result.before, /^Error: call init\(\) first/);
  assert.match(result.after, /^LoadError: /);
  await page.close();
});

test("a bad value is shown at its field and the rest is still decided", async () => {
  const { page, problems } = await open();
  await answer(page, "project.total_investment", "很多");
  await answer(page, "enterprise.registered_in_shanghai", "false");
  const problem = await page.textContent(`.field[data-path="project.total_investment"] .problem`);
  assert.match(problem, /total_investment|数|number|decimal/);
  assert.equal(await page.getAttribute(`.field[data-path="project.total_investment"]`, "aria-invalid"), "true");
  assert.equal(await page.getAttribute("#status", "data-status"), "ineligible");
  assert.deepEqual(problems, []);
  await page.close();
});

test("the other outcome, and the full module compiling the source in the page", async () => {
  const { page, problems } = await open("&mode=compile");
  assert.match(await page.textContent("#engine"), /完整模块/);
  await page.check("#o-shanghai_own_land_renovation");
  assert.equal(await page.textContent("#outcome-title"), "利用自有土地进行技术改造");
  const answers = {
    "project.category": "JNJP",
    "project.conforms_city_master_plan": "true",
    "project.conforms_land_use_plan": "true",
    "project.conforms_industry_plan": "true",
    "project.conforms_eco_plan": "true",
    "project.env_infrastructure_complete": "true",
    "project.within_pollutant_cap": "true",
  };
  for (const [path, raw] of Object.entries(answers)) await answer(page, path, raw);
  // every plan holds and the zone conditions are met: the zone is never asked
  assert.equal(await page.getAttribute("#status", "data-status"), "eligible");
  assert.equal(await page.isVisible(field("project.in_planned_zone")), false);
  assert.equal(await page.getAttribute("#next-question", "data-path"), "");
  assert.deepEqual(problems, []);
  await page.close();
});

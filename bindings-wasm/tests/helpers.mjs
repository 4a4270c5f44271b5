// Shared paths and fixtures for the Node tests of the `clausula` package.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const pkg = join(here, "..", "pkg");

export const shanghaiPath = join(root, "policies", "shanghai", "key-tech-transformation.cla");
export const shanghaiSource = readFileSync(shanghaiPath, "utf8");

/** The graph `clausula compile` made of the Shanghai policy (written by test.sh). */
export const shanghaiGraphPath = join(root, "target", "wasm-test", "shanghai.clag");

/** Every file under `dir` except `skip`, by path relative to `dir` (for `files`). */
export function filesUnder(dir, skip = ["cases.json", "policy.cla"]) {
  const out = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        walk(p);
      } else {
        const rel = relative(dir, p).split("\\").join("/");
        if (!skip.includes(rel)) {
          out[rel] = readFileSync(p, "utf8");
        }
      }
    }
  };
  walk(dir);
  return out;
}

export const eligibleFund = {
  enterprise: { registered_in_shanghai: true, independent_legal_person: true, credit_good: true },
  project: {
    category: "ZBSJ",
    in_three_year_pool: true,
    total_investment: "300000000",
    fixed_asset_investment: "200000000",
    approvals_complete: true,
    funds_in_place: true,
    construction_started: true,
    prior_municipal_support: false,
  },
};

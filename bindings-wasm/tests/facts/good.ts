// Facts typed by `clausula types` (test.sh writes the file): this must compile.
import type { Facts } from "../../../target/wasm-test/shanghai-facts";

export const eligible: Facts = {
  enterprise: { registered_in_shanghai: true, independent_legal_person: true, credit_good: true },
  project: {
    category: "ZZLC",
    total_investment: "185000000",
    fixed_asset_investment: 150000000,
    prior_municipal_support: null,
  },
};

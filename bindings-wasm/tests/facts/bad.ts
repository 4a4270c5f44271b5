// A misspelt field: test.sh expects tsc to refuse this file, naming the field.
import type { Facts } from "../../../target/wasm-test/shanghai-facts";

export const typo: Facts = { project: { total_investmnet: "185000000" } };

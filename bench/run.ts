import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// `npm run bench [name…]`: each benchmark in its own process (a fresh heap and JIT, so one cannot
// skew the next), one after the other; each prints its figure and its ratio to a baseline. Without
// names, every one in BENCHMARKS; the long ON_REQUEST ones run only when named.

const BENCHMARKS = ["decrypt", "render-expand", "helm-render", "hub-publish", "spoke-apply", "fanout-converge", "reconnect-storm", "e2e-commit-to-converged", "hub-incremental", "footprint", "payload-limits", "dashboard-fleet"] as const;
/** Long runs (minutes each): run only when named, e.g. `npm run bench soak`. */
const ON_REQUEST = ["ha-failover", "soak"] as const;

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const known: readonly string[] = [...BENCHMARKS, ...ON_REQUEST];
const unknown = wanted.filter((w) => !known.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(", ")}; choose from ${BENCHMARKS.join(", ")}, or by name only: ${ON_REQUEST.join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length === 0 ? BENCHMARKS : wanted) {
  console.log(`\n== ${name}`);
  const result = spawnSync(process.execPath, [join(here, `${name}.js`)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

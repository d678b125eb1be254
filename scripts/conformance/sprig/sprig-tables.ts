import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GoTime, renderTemplate } from "../../../template/index.js";
import { parseGoTime } from "../../../template/go-time.js";
import { extractCases, GO_STRUCT_TYPE, GoTestTime, type GoCase } from "./go-test-cases.js";

/**
 * `node dist/scripts/conformance/sprig/sprig-tables.js /path/to/sprig-checkout [--verbose]`
 *
 * Runs the template cases of Masterminds/sprig's own Go tests (`runt`, `runtv` and `runRaw`
 * compared with a string) through our engine with the `sprig` function set, the way sprig's
 * `runtv` does (template named "test", `missingkey=default`), and prints passed/total per file,
 * the failures, and the cases not run with the reason. Time is a fixed clock that the Go test's
 * `time.Now()` also reads, so `ago` cases are deterministic; randomness comes from node:crypto.
 */

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const clock = { now: () => NOW, sleep: () => Promise.resolve() };

/** Functions a GitOps render refuses or that depend on state outside the template. */
const NOT_RUN: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(env|expandenv)\b/, "reads the process environment (removed by Helm and Argo CD; not in any set)"],
  [/\bgetHostByName\b/, "network lookup (we refuse it: no network in a render)"],
  [/\bshuffle\b/, "expects Go's math/rand sequence for rand.Seed(1)"],
];

function toEngine(v: unknown): unknown {
  if (v instanceof GoTestTime) return new GoTime(v.ms);
  if (Array.isArray(v)) return v.map(toEngine);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toEngine(x)]));
  return v;
}

function run(c: GoCase): { ok: boolean; got: string } {
  let got: string;
  try {
    got = renderTemplate(c.template, toEngine(c.data), { name: "test", missingKey: "default", functionSet: "sprig", clock });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: c.wantError, got: `error: ${message}` };
  }
  const match = got === c.expect;
  return { ok: c.wantError ? !match : match, got };
}

const dir = process.argv[2];
const verbose = process.argv.includes("--verbose");
if (dir === undefined) {
  console.error("usage: sprig-tables.js SPRIG_CHECKOUT [--verbose]");
  process.exit(2);
}
if (!existsSync(join(dir, "functions_test.go"))) {
  console.error(`sprig-tables: ${dir} is not a Masterminds/sprig checkout (no functions_test.go)`);
  process.exit(2);
}
const files = readdirSync(dir).filter((f) => f.endsWith("_test.go") && !f.includes("windows")).sort();
let passed = 0;
let total = 0;
const notRun: string[] = [];
for (const file of files) {
  const src = readFileSync(join(dir, file), "utf8");
  const { cases, skipped, checkedInGo } = extractCases(src, {
    now: NOW,
    parseTime: (layout, value) => parseGoTime(layout, value).ms,
  });
  let filePassed = 0;
  let fileTotal = 0;
  const failures: string[] = [];
  for (const c of cases) {
    const structType = typeof c.data === "object" && c.data !== null ? (c.data as Record<symbol, unknown>)[GO_STRUCT_TYPE] : undefined;
    if (typeof structType === "string" && /\b(typeOf|typeIs|typeIsLike|kindOf|kindIs)\b/.test(c.template)) {
      notRun.push(`${file}:${c.line} ${c.test} ${JSON.stringify(c.template)}: reflects on the Go struct type ${structType} of the data (our data is JSON/YAML maps)`);
      continue;
    }
    const reason = NOT_RUN.find(([re]) => re.test(c.template));
    if (reason !== undefined) {
      notRun.push(`${file}:${c.line} ${c.test} ${JSON.stringify(c.template)}: ${reason[1]}`);
      continue;
    }
    fileTotal++;
    const r = run(c);
    if (r.ok) filePassed++;
    else failures.push(`  FAIL ${file}:${c.line} ${c.test}\n    template: ${JSON.stringify(c.template)}\n    want:     ${c.wantError ? "an error" : JSON.stringify(c.expect)}\n    got:      ${JSON.stringify(r.got)}`);
  }
  for (const s of skipped) notRun.push(`${file}:${s.line} ${s.test} ${s.template === undefined ? "" : JSON.stringify(s.template) + " "}: test code we cannot evaluate (${s.reason})`);
  const seen = new Set<string>();
  for (const c of checkedInGo) if (!seen.has(`${c.line} ${c.template}`) && seen.add(`${c.line} ${c.template}`)) notRun.push(`${file}:${c.line} ${c.test} ${JSON.stringify(c.template)}: output checked by Go code (parsing, randomness), not by a string`);
  passed += filePassed;
  total += fileTotal;
  if (fileTotal > 0 || failures.length > 0) console.log(`${file}: ${filePassed}/${fileTotal}`);
  for (const f of failures) console.log(f);
}
console.log(`\ntotal: ${passed}/${total} passed`);
console.log(`not run: ${notRun.length}`);
if (verbose || notRun.length > 0) for (const n of notRun) console.log(`  - ${n}`);
process.exit(passed === total ? 0 : 1);

/**
 * Conformance of `flotilla health --lua` with Argo CD's Lua health scripts.
 *
 *   node dist/scripts/conformance/health/argocd-lua-health.js <dir>
 *
 * <dir> is an argo-cd checkout or its `resource_customizations/` directory (e.g. extracted with
 * `git archive HEAD resource_customizations | tar -x`). Each `<group>/<kind>/health_test.yaml`
 * lists inputs (`testdata/*.yaml`) and the health Argo CD's own test (util/lua/health_test.go)
 * expects. Every input goes through the built `flotilla health -o json --lua <resource_customizations>`
 * in one run, the scripts supplied as a user supplies them. Prints passed/total (status and
 * message both equal, as Argo's test compares them), the status-only figure, and every other case
 * with the reason; exits 1 when any case does not pass.
 *
 * An input our YAML reader refuses (Argo CD's sigs.k8s.io/yaml is more lenient) fails the CLI for
 * the whole run: it is reported as that case's reason and the run repeats without it.
 *
 * Argo's test runs the script alone; Argo CD's controller (gitops-engine GetResourceHealth) rates an
 * object with a deletionTimestamp "Progressing: Pending deletion" before any script, and so does
 * `flotilla health`. Such cases are counted apart ("as Argo CD's controller rates them").
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "yaml";

const CLI = fileURLToPath(new URL("../../../cli/main.js", import.meta.url));

interface Case {
  readonly label: string;
  readonly input: string;
  readonly status: string;
  readonly message: string;
}

interface Row {
  readonly file: string;
  readonly health: { status: string; message?: string; rule: string } | null;
}

/** Go's encoding/json (through sigs.k8s.io/yaml) matches field names case-insensitively. */
function get(value: unknown, key: string): unknown {
  if (typeof value !== "object" || value === null) return undefined;
  const hit = Object.entries(value).find(([k]) => k.toLowerCase() === key.toLowerCase());
  return hit?.[1];
}

async function testFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name === "health_test.yaml") out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

async function loadCases(root: string): Promise<Case[]> {
  const cases: Case[] = [];
  for (const file of await testFiles(root)) {
    const spec: unknown = parse(await readFile(file, "utf8"));
    const tests = get(spec, "tests");
    for (const t of Array.isArray(tests) ? tests : []) {
      const input = get(t, "inputPath");
      const expected = get(t, "healthStatus");
      if (typeof input !== "string") continue;
      const status = get(expected, "status");
      const message = get(expected, "message");
      cases.push({
        label: `${relative(root, dirname(file))}/${input}`,
        input: resolve(dirname(file), input),
        status: typeof status === "string" ? status : "",
        message: typeof message === "string" ? message : "",
      });
    }
  }
  return cases;
}

/** Runs the CLI over every input; an input it refuses is set aside with the CLI's reason and the run repeats. */
async function rate(root: string, inputs: readonly string[]): Promise<{ rows: Row[]; refused: Map<string, string> }> {
  const refused = new Map<string, string>();
  for (;;) {
    const files = inputs.filter((f) => !refused.has(f));
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [CLI, "health", "-o", "json", "--lua", root, ...files], { maxBuffer: 256 * 1024 * 1024 });
      return { rows: (JSON.parse(stdout) as { objects: Row[] }).objects, refused };
    } catch (err) {
      const raw = (err as { stderr?: unknown }).stderr;
      const stderr = typeof raw === "string" ? raw : Buffer.isBuffer(raw) ? raw.toString("utf8") : "";
      const culprit = files.find((f) => stderr.includes(f));
      if (culprit === undefined) throw err;
      refused.set(culprit, stderr.trim().split("\n")[0] ?? "refused");
    }
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const arg = argv[0];
  if (arg === undefined) {
    process.stderr.write("usage: argocd-lua-health <argo-cd checkout or its resource_customizations directory>\n");
    return 2;
  }
  const root = existsSync(join(resolve(arg), "resource_customizations")) ? join(resolve(arg), "resource_customizations") : resolve(arg);
  const cases = await loadCases(root);
  const { rows, refused } = await rate(root, [...new Set(cases.map((c) => c.input))]);
  let passed = 0;
  let statusPassed = 0;
  let asController = 0;
  const rest: string[] = [];
  for (const c of cases) {
    const reason = refused.get(c.input);
    if (reason !== undefined) {
      rest.push(`${c.label}: input refused: ${reason}`);
      continue;
    }
    // Argo's test reads the first document of a file (sigs.k8s.io/yaml); so do we.
    const row = rows.find((r) => r.file === c.input);
    const status = row?.health?.status ?? "";
    const message = row?.health?.message ?? "";
    if (status === c.status) statusPassed++;
    if (status === c.status && message === c.message) passed++;
    else if (row?.health?.rule === "deletion") {
      asController++;
      rest.push(`${c.label}: deletion pending, rated "Progressing: Pending deletion" before the script as Argo CD's controller does (the script alone gives ${c.status} ${JSON.stringify(c.message)})`);
    } else rest.push(`${c.label}: want ${c.status} ${JSON.stringify(c.message)}, got ${status === "" ? "no health" : status} ${JSON.stringify(message)}${row?.health ? ` (${row.health.rule})` : ""}`);
  }
  const pct = (n: number): string => ((100 * n) / Math.max(1, cases.length)).toFixed(1);
  process.stdout.write(`Argo CD Lua health conformance (${root}): ${String(passed)}/${String(cases.length)} passed (${pct(passed)} %); status alone ${String(statusPassed)}/${String(cases.length)} (${pct(statusPassed)} %)\n`);
  process.stdout.write(`  plus ${String(asController)} pending deletion as Argo CD's controller rates them: ${String(passed + asController)}/${String(cases.length)} (${pct(passed + asController)} %)\n`);
  for (const r of rest) process.stdout.write(`FAIL ${r}\n`);
  return passed === cases.length ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));

/**
 * Conformance of `flotilla health` with gitops-engine's built-in health checks.
 *
 *   node dist/scripts/conformance/health/gitops-engine-health.js <checkout>
 *
 * <checkout> is a gitops-engine checkout (github.com/argoproj/gitops-engine) or an Argo CD one
 * (whose `gitops-engine/` holds the same package). The expectations are read from the checkout's
 * `pkg/health/health_test.go` at run time; its testdata files (and the test's inline objects,
 * written to a temp dir) go through the built `flotilla health -o json`, as a user would run it.
 * Prints matched/total and every mismatch; exits 1 when anything does not match.
 *
 * A case where gitops-engine has no health (`assert.Nil`) matches when no built-in rule of ours
 * rated the object: Flotilla then rates custom resources by kstatus, which the line reports.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseHealthTests, type Expectation } from "./go-test-expectations.js";

const CLI = fileURLToPath(new URL("../../../cli/main.js", import.meta.url));

/** The kinds gitops-engine's directly-called check functions rate (the test objects carry no kind). */
const CHECKER_KINDS: Readonly<Record<string, { apiVersion: string; kind: string }>> = {
  getArgoWorkflowHealth: { apiVersion: "argoproj.io/v1alpha1", kind: "Workflow" },
};

interface Row {
  readonly file: string;
  readonly health: { status: string; message?: string; rule: string } | null;
}

function healthDir(checkout: string): string {
  for (const dir of [join(checkout, "pkg", "health"), join(checkout, "gitops-engine", "pkg", "health")]) {
    if (existsSync(join(dir, "health_test.go"))) return dir;
  }
  throw new Error(`${checkout}: no pkg/health/health_test.go (nor gitops-engine/pkg/health/health_test.go)`);
}

async function main(argv: readonly string[]): Promise<number> {
  const checkout = argv[0];
  if (checkout === undefined) {
    process.stderr.write("usage: gitops-engine-health <gitops-engine or argo-cd checkout>\n");
    return 2;
  }
  const dir = healthDir(resolve(checkout));
  const { expectations, notUnderstood } = parseHealthTests(await readFile(join(dir, "health_test.go"), "utf8"));
  const temp = await mkdtemp(join(tmpdir(), "ge-health-"));
  try {
    const pathOf = new Map<Expectation, string>();
    let n = 0;
    for (const e of expectations) {
      if ("file" in e.source) pathOf.set(e, resolve(dir, e.source.file));
      else {
        const gvk = CHECKER_KINDS[e.source.checker];
        if (gvk === undefined) continue;
        const file = join(temp, `inline-${String(++n)}.json`);
        await writeFile(file, JSON.stringify({ ...gvk, ...e.source.object }));
        pathOf.set(e, file);
      }
    }
    const files = [...new Set(pathOf.values())];
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, "health", "-o", "json", ...files], { maxBuffer: 64 * 1024 * 1024 });
    const rows = (JSON.parse(stdout) as { objects: Row[] }).objects;
    let matched = 0;
    const mismatches: string[] = [];
    for (const e of expectations) {
      const label = "file" in e.source ? e.source.file : e.source.label;
      const path = pathOf.get(e);
      const row = rows.find((r) => r.file === path);
      if (path === undefined || row === undefined) {
        mismatches.push(`${label}: not rated (no kind known for ${"checker" in e.source ? e.source.checker : "it"})`);
        continue;
      }
      const got = row.health;
      const problems: string[] = [];
      if (e.status === null) {
        if (got !== null && got.rule.startsWith("builtin:")) problems.push(`want no health, got ${got.status} by ${got.rule}`);
      } else if (e.status !== undefined && got?.status !== e.status) {
        problems.push(`want ${e.status}, got ${got === null ? "no health" : `${got.status} by ${got.rule}`}`);
      }
      if (e.message !== undefined && (got?.message ?? "") !== e.message) problems.push(`want message ${JSON.stringify(e.message)}, got ${JSON.stringify(got?.message ?? "")}`);
      if (problems.length === 0) {
        matched++;
        if (e.status === null) process.stdout.write(`note: ${label}: no built-in rule (gitops-engine: none); Flotilla: ${got === null ? "no health" : `${got.status} by ${got.rule}`}\n`);
      } else mismatches.push(`${label} (health_test.go:${String(e.line)}): ${problems.join("; ")}`);
    }
    for (const u of notUnderstood) mismatches.push(`health_test.go:${String(u.line)}: not understood: ${u.text}`);
    const total = expectations.length + notUnderstood.length;
    process.stdout.write(`gitops-engine health conformance (${dir}): ${String(matched)}/${String(total)} matched\n`);
    for (const m of mismatches) process.stdout.write(`MISMATCH ${m}\n`);
    return matched === total ? 0 : 1;
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

process.exitCode = await main(process.argv.slice(2));

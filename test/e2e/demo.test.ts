import { spawn, type ChildProcess } from "node:child_process";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../harness/chromium.js";
import { CLI_PATH, REPO_ROOT, freePort, runFlotilla, until } from "../harness/index.js";

// The README's first command, run as a user runs it: `flotilla demo` as a child process, with real
// nats-server, devclusters, hub and spokes under it. The dashboard is checked in headless Chromium
// against the same running demo, then Ctrl-C (SIGINT) must leave no process behind.

const run = promisify(execFile);

let dir: string;
let demo: ChildProcess;
let stdout = "";
let exited: Promise<number | null>;
let hubUrl = "";
const kubeconfigs = new Map<string, string>();
let browser: Browser | undefined;
/** The sealed Secret's plaintext, read back from a cluster, to look for everywhere else. */
let plaintext = "";

/** Polls until `probe` gives a value; on timeout the error carries what the demo printed last. */
function demoUntil<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  return until(what, probe, { timeoutMs, intervalMs: 250, context: () => `demo printed:\n${stdout.slice(-3000)}` });
}

/** Processes whose command line mentions the demo directory: every child the demo starts does. */
async function processesUsing(path: string): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir("/proc")).filter((e) => /^\d+$/.test(e))) {
    try {
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, "utf8")).replace(/\0/g, " ");
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (cmdline.includes(path) && state !== "Z" && !cmdline.includes("vitest")) found.push(`${pid} ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function kubectl(cluster: string, ...args: string[]): Promise<string> {
  return (await run("kubectl", ["--kubeconfig", kubeconfigs.get(cluster) ?? "", ...args])).stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-demo-e2e-"));
  const port = await freePort();
  demo = spawn(process.execPath, [CLI_PATH, "demo", "--clusters", "3", "--port", String(port), "--dir", join(dir, "demo")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  exited = new Promise((resolve) => demo.once("exit", (code) => resolve(code)));
  demo.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
  demo.stderr?.on("data", (c: Buffer) => (stdout += c.toString()));
  await demoUntil("the demo to converge", () => (stdout.includes("Press Ctrl-C") ? true : demo.exitCode !== null ? Promise.reject(new Error("exited")) : undefined), 300_000);
  hubUrl = /Dashboard:\s+(http\S+?)\/?\n/.exec(stdout)?.[1] ?? "";
  for (const m of stdout.matchAll(/^\s{2}(\S+)\s+(\/\S+\.yaml)$/gm)) if (m[1] !== undefined && m[2] !== undefined) kubeconfigs.set(m[1], m[2]);
}, 320_000);

afterAll(async () => {
  await browser?.close();
  if (demo?.exitCode === null) {
    demo.kill("SIGINT");
    await exited;
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe("flotilla demo", () => {
  it("converges and prints the dashboard URL, kubeconfigs and three things to try", () => {
    expect(stdout).toMatch(/Fleet converged: 3 clusters Synced\/Healthy in \d+\.\ds/);
    expect(hubUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([...kubeconfigs.keys()].sort()).toEqual(["prod-eu", "prod-us", "staging"]);
    expect(stdout).toContain(`1. kubectl --kubeconfig ${kubeconfigs.get("prod-eu") ?? ""} get deploy -A`);
    expect(stdout).toContain(`3. npx flotilla status --hub ${hubUrl} -o wide`);
  });

  it("runs the example apps in the clusters, with the sealed and SOPS Secrets only where they belong", async () => {
    const prod = await kubectl("prod-eu", "get", "deploy", "-A");
    expect(prod).toMatch(/^web\s+web\s+\d+\/\d+/m);
    expect(prod).toMatch(/^myns\s+payments\s+/m);
    expect(prod).toMatch(/^kube-system\s+metrics-server\s+/m);
    const staging = await kubectl("staging", "get", "deploy", "-A");
    expect(staging).toMatch(/^web\s+web-staging\s+/m);
    expect(staging).not.toContain("payments");
    expect(await kubectl("prod-us", "get", "secret", "-n", "myns", "mysecret", "age", "-o", "name")).toBe("secret/mysecret\nsecret/age\n");
    await expect(kubectl("staging", "get", "secret", "-n", "myns", "mysecret")).rejects.toThrow(/NotFound/);
  });

  it("flotilla status shows every cluster online and healthy (exit 0)", async () => {
    const res = await runFlotilla(["status", "--hub", hubUrl]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const rows = res.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(/\s{3,}/));
    expect(rows.map((r) => [r[0], r[2], r[4], r[5]])).toEqual([
      ["prod-eu", "true", "Synced", "Healthy"],
      ["prod-us", "true", "Synced", "Healthy"],
      ["staging", "true", "Synced", "Healthy"],
    ]);
  });

  it("shows the fleet in the dashboard (headless Chromium), live-updated after a commit", async () => {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(`${hubUrl}/`);
    await page.waitForSelector('tr[data-cluster="prod-us"]');
    expect(await page.locator('#fleet tbody tr[data-health="Healthy"][data-online="true"]').count()).toBe(3);
    expect(await page.textContent("main")).toContain("3/3 clusters Synced and Healthy");
    const before = (await page.textContent('tr[data-cluster="staging"] code')) ?? "";

    // A commit that changes staging's web overlay: the page updates itself over SSE, no reload.
    const repo = join(dir, "demo", "fleet");
    const overlay = join(repo, "apps", "web", "overlays", "staging", "kustomization.yaml");
    await writeFile(overlay, `${await readFile(overlay, "utf8")}\ncommonAnnotations:\n  flotilla.dev/e2e: changed\n`);
    await run("git", ["-C", repo, "-c", "user.email=e2e@flotilla.invalid", "-c", "user.name=e2e", "commit", "-qam", "annotate web on staging"]);
    const head = (await run("git", ["-C", repo, "rev-parse", "HEAD"])).stdout.trim();
    // The staging row's revision cell shows `applied → desired` while the change is on its way,
    // then only the new commit once the spoke reports it applied.
    await page.locator('tr[data-cluster="staging"] code', { hasText: new RegExp(`^${head.slice(0, 7)}$`) }).waitFor({ timeout: 120_000 });
    await page.locator('tr[data-cluster="staging"][data-health="Healthy"]').waitFor({ timeout: 120_000 });
    expect(before).not.toContain(head.slice(0, 7));
    // The demo's own output tells the same story as it happens, not only the dashboard.
    await demoUntil("the demo to tell the commit", () => (stdout.includes(`hub: new commit ${head.slice(0, 7)}`) && stdout.includes(`hub: rendered and published ${head.slice(0, 7)}`) ? true : undefined), 60_000);

    await mkdir(join(REPO_ROOT, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, "test-artifacts", "dashboard-fleet.png"), fullPage: true });
    await page.goto(`${hubUrl}/clusters/prod-eu`);
    expect(await page.locator('section.app[data-app="payments-prod-eu"]').count()).toBe(1);
    await page.screenshot({ path: join(REPO_ROOT, "test-artifacts", "dashboard-cluster.png"), fullPage: true });
    // web rolls out with RollingSync in two steps (dev/staging, then prod).
    await page.goto(`${hubUrl}/rollouts`);
    const web = page.locator('section.rollout[data-app-set="web"]');
    expect(await web.count()).toBe(1);
    expect(await web.locator("[data-step]").count()).toBe(2);
  });

  it("never shows a secret value in the hub API, the dashboard or the demo output", async () => {
    const secret = JSON.parse(await kubectl("prod-eu", "get", "secret", "-n", "myns", "mysecret", "-o", "json")) as { data: Record<string, string> };
    const password = Buffer.from(secret.data.password ?? "", "base64").toString();
    expect(password.length).toBeGreaterThan(10);
    plaintext = password;
    const surfaces = await Promise.all(["/", "/clusters/prod-eu", "/rollouts", "/api/v1/clusters", "/api/v1/applications", "/api/v1/rollouts"].map(async (p) => (await fetch(`${hubUrl}${p}`)).text()));
    for (const text of [...surfaces, stdout]) expect(text).not.toContain(password);
  });

  it("writes each child's log as it runs, and tells when a child dies", async () => {
    const demoDir = join(dir, "demo");
    expect(await readFile(join(demoDir, "logs", "hub.log"), "utf8")).toContain("listening on");
    const spoke = (await processesUsing(demoDir)).find((p) => / spoke .*--cluster staging /.test(p));
    expect(spoke).toBeDefined();
    process.kill(Number(spoke?.split(" ")[0]), "SIGKILL");
    await demoUntil("the demo to tell the spoke died", () => (/✗ spoke staging exited \(code null\)/.test(stdout) ? true : undefined), 30_000);
    expect(stdout).toContain(`its log: ${join(demoDir, "logs", "spoke-staging.log")}`);
  });

  it("refuses a --faults file it cannot read before starting anything", async () => {
    const res = await runFlotilla(["demo", "--dir", join(dir, "faults-demo"), "--faults", join(dir, "no-such-faults.json")]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error\[DEVCLUSTER_INVALID_FAULTS\]: .*no-such-faults\.json: --faults: cannot read the faults file: ENOENT/);
    expect(res.stdout).toBe("");
  });

  it("stops every child on Ctrl-C and leaves no process behind", async () => {
    const demoDir = join(dir, "demo");
    // Eight children were started; the staging spoke was killed above.
    expect((await processesUsing(demoDir)).length).toBeGreaterThanOrEqual(7);
    demo.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/Stopped \d+ processes/);
    expect(await processesUsing(demoDir)).toEqual([]);
    // Every child's log, written on the way out, carries no secret value either.
    expect(await readFile(join(demoDir, "logs", "hub.log"), "utf8")).toContain("listening on");
    expect(plaintext).not.toBe("");
    const logs = await readdir(join(demoDir, "logs"));
    expect(logs.length).toBeGreaterThanOrEqual(8);
    for (const log of logs) expect(await readFile(join(demoDir, "logs", log), "utf8")).not.toContain(plaintext);
  });

  it("runs a second time in the same directory, and Ctrl-C during start-up also leaves nothing behind", async () => {
    const demoDir = join(dir, "demo");
    let out = "";
    const second = spawn(process.execPath, [CLI_PATH, "demo", "--clusters", "1", "--port", String(await freePort()), "--dir", demoDir], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    const done = new Promise<number | null>((resolve) => second.once("exit", (code) => resolve(code)));
    second.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    second.stderr?.on("data", (c: Buffer) => (out += c.toString()));
    // The first run's repo and keys are gone: the second one starts from a fresh copy.
    await demoUntil("the second demo's spoke", () => (/✓ 1 spokes connected/.test(out) ? true : second.exitCode !== null ? Promise.reject(new Error(out)) : undefined), 180_000);
    expect(out).toContain("Starting a 1-cluster fleet");
    second.kill("SIGINT");
    expect(await done).toBe(1);
    expect(out).toContain("error[DEMO_INTERRUPTED]: interrupted; every process the demo started has been stopped");
    expect(await processesUsing(demoDir)).toEqual([]);
  });
});

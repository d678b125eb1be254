import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/index.js";
import { ProcessSupervisor } from "../../demo/index.js";
import { generateSigningKey, signHello, signStatusReport, subjects, type SigningKey } from "../../protocol/index.js";
import { readFile, writeFile } from "node:fs/promises";
import type { Browser } from "playwright-core";
import { launchChromium } from "../harness/chromium.js";
import { freePort, makeGitRepo, runFlotilla, startHubProcess, startNats, until, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { exampleFleetFiles } from "./fleet-files.js";

// `flotilla status` against a real hub process (the built CLI) fed by a real nats-server. The
// spokes here are the test itself: it signs hello and status reports with protocol/ exactly as a
// spoke does, so each health state can be produced on demand.

const FLEET = "demo";
let nats: NatsServerHandle;
let repo: GitRepo;
let work: string;
let hubUrl: string;
let hubOutput: () => string;
const API_TOKEN = "status-test-api-token-0f3a";
let nc: NatsConnection;
const supervisor = new ProcessSupervisor({ logger: silentLogger() });
const spokeKeys = new Map<string, SigningKey>();

async function report(cluster: string, health: "Healthy" | "Degraded", revision: string): Promise<void> {
  let key = spokeKeys.get(cluster);
  if (key === undefined) {
    key = generateSigningKey();
    spokeKeys.set(cluster, key);
    nc.publish(subjects.hello(FLEET, cluster), JSON.stringify(signHello({ fleet: FLEET, cluster, sentAt: new Date().toISOString(), spokeVersion: "test", heartbeatSeconds: 60 }, key)));
    await nc.flush();
  }
  // Every app the hub planned for the cluster reports Synced; only web carries the given health.
  const planned = (await (await fetch(`${hubUrl}/api/v1/applications?cluster=${cluster}`)).json()) as { items: { name: string }[] };
  const apps = planned.items.map(({ name }) =>
    name === `web-${cluster}`
      ? { name, sync: "Synced" as const, health, revision, ...(health === "Degraded" ? { message: "Deployment web: 0/3 replicas available" } : {}) }
      : { name, sync: "Synced" as const, health: "Healthy" as const, revision },
  );
  nc.publish(subjects.status(FLEET, cluster), JSON.stringify(signStatusReport({ fleet: FLEET, cluster, sentAt: new Date().toISOString(), generation: 1, revision, apps }, key)));
  await nc.flush();
}

async function clusterHealth(name: string): Promise<string | undefined> {
  const body = (await (await fetch(`${hubUrl}/api/v1/clusters/${name}`)).json()) as { health?: string; connection?: string };
  return body.connection === "Online" ? body.health : undefined;
}

beforeAll(async () => {
  nats = await startNats();
  work = await mkdtemp(join(tmpdir(), "flotilla-status-"));
  repo = await makeGitRepo(await exampleFleetFiles());
  // The hub renders the repo on start: every cluster of the example fleet is listed.
  await writeFile(join(work, "api-token"), API_TOKEN);
  const hub = await startHubProcess({ supervisor, fleet: FLEET, natsUrl: nats.url, repoDir: repo.dir, workDir: work, clusters: 3, extraArgs: ["--api-token-file", join(work, "api-token")] });
  hubUrl = hub.url;
  hubOutput = hub.output;
  nc = await connect({ servers: nats.url });
});

afterAll(async () => {
  await nc?.close();
  await supervisor.stopAll();
  await nats?.stop();
  await repo?.remove();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

describe("flotilla status", () => {
  it("lists every cluster of the fleet as offline before any spoke connects (exit 0)", async () => {
    const res = await runFlotilla(["status", "--hub", hubUrl]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^CLUSTER\s+LABELS\s+CONNECTED\s+APPS\s+SYNC\s+HEALTH\s+REVISION\s+LAST SEEN$/);
    const prodEu = lines.find((l) => l.startsWith("prod-eu "));
    expect(prodEu).toMatch(/env=prod,region=eu-west-1\s+false\s+/);
    expect(prodEu).toMatch(/<never>$/);
  });

  it("shows reported health, and exits 1 naming the Degraded cluster", async () => {
    const head = await repo.head();
    await report("prod-eu", "Healthy", head);
    await report("prod-us", "Degraded", head);
    await until("prod-us Degraded on the hub", async () => ((await clusterHealth("prod-us")) === "Degraded" ? true : undefined));
    await until("prod-eu Healthy on the hub", async () => ((await clusterHealth("prod-eu")) === "Healthy" ? true : undefined));

    const res = await runFlotilla(["status", "--hub", hubUrl]);
    expect(res.code).toBe(1);
    expect(res.stderr).toBe("error[FLEET_DEGRADED]: 1 cluster(s) Degraded: prod-us\n");
    const rows = new Map(res.stdout.trimEnd().split("\n").slice(1).map((l) => [l.split(/\s+/)[0], l.split(/\s{3,}/)]));
    // prod clusters run web, payments and two addons.
    expect(rows.get("prod-eu")?.slice(2, 7)).toEqual(["true", "4/4", "Synced", "Healthy", head.slice(0, 7)]);
    expect(rows.get("prod-us")?.slice(2, 7)).toEqual(["true", "4/4", "Synced", "Degraded", head.slice(0, 7)]);
    expect(rows.get("staging")?.[2]).toBe("false");

    const json = await runFlotilla(["status", "--hub", hubUrl, "-o", "json"]);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { items: { name: string; health: string; apps: { name: string; message?: string }[] }[] };
    const prodUs = parsed.items.find((c) => c.name === "prod-us");
    expect(prodUs?.health).toBe("Degraded");
    expect(prodUs?.apps.find((a) => a.name === "web-prod-us")?.message).toBe("Deployment web: 0/3 replicas available");

    const wide = await runFlotilla(["status", "--hub", hubUrl, "-o", "wide", "--cluster", "prod-eu"]);
    expect(wide.code).toBe(0);
    expect(wide.stdout).toMatch(/DESIRED\s+GENERATION\s+SPOKE\s+ERRORS/);
    expect(wide.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(wide.stdout).toMatch(/\btest\b/);
  });

  it("exits 0 again once the cluster recovers", async () => {
    await report("prod-us", "Healthy", await repo.head());
    await until("prod-us Healthy", async () => ((await clusterHealth("prod-us")) === "Healthy" ? true : undefined));
    const res = await runFlotilla(["status", "--hub", hubUrl]);
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain("Degraded");
  });

  it("makes a commit that does not render visible everywhere, and clears it when the file is fixed", async () => {
    const refresh = async (): Promise<void> => {
      const res = await fetch(`${hubUrl}/api/v1/refresh`, { method: "POST", headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(res.status).toBe(200);
    };
    const good = (await exampleFleetFiles())["apps/web/base/deployment.yaml"] ?? "";
    const broken = await repo.commit({ "apps/web/base/deployment.yaml": good.replace("spec:", "spec: [oops") }, "typo in the web deployment");
    await refresh();

    const status = await runFlotilla(["status", "--hub", hubUrl]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/^error\[FLEET_CONDITION\]: HEAD is not published everywhere: 1 condition\(s\), first ComparisonError GITOPS_KUSTOMIZE \(apps\/web\/base\/deployment\.yaml:\d+\)\n$/);
    const row = status.stdout.split("\n").find((l) => l.startsWith("ComparisonError"));
    expect(row).toContain(broken.slice(0, 7));
    expect(row).toMatch(/apps\/web\/base\/deployment\.yaml:\d+\s+web\s+4\s+kustomize build failed: malformed YAML: yaml: line \d+/);
    // web on prod waits for its RollingSync step (staging is offline), and now HEAD does not render either.
    expect(status.stdout).toMatch(/^prod-eu .*OutOfSync \(behind HEAD\)/m);
    for (const out of [status.stdout, status.stderr]) {
      expect(out).not.toMatch(/\/tmp\/|run\.go:|E\d{4} /);
    }
    const yaml = await runFlotilla(["status", "--hub", hubUrl, "-o", "yaml", "-l", "env=prod"]);
    expect(yaml.code).toBe(1);
    expect(yaml.stdout).toMatch(/conditions:\n {2}- type: ComparisonError\n/);
    expect(yaml.stdout).not.toContain("name: staging");

    const logLine = hubOutput().split("\n").find((l) => l.includes("HEAD not published"));
    expect(JSON.parse(logLine ?? "{}")).toMatchObject({ level: 50, type: "ComparisonError", code: "GITOPS_KUSTOMIZE", revision: broken, file: "apps/web/base/deployment.yaml" });
    const metrics = await (await fetch(`${hubUrl}/metrics`)).text();
    expect(metrics).toContain('flotilla_hub_fleet_conditions{type="ComparisonError",code="GITOPS_KUSTOMIZE"} 1');
    expect(metrics).toMatch(/^flotilla_hub_head_published 0$/m);

    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(hubUrl);
      const banner = page.locator("#conditions");
      expect(await banner.innerText()).toMatch(/HEAD [0-9a-f]{12} is not published everywhere[\s\S]*ComparisonError GITOPS_KUSTOMIZE apps\/web\/base\/deployment\.yaml:\d+ kustomize build failed: [\s\S]*holds back 4 clusters/);
      expect(await page.content()).not.toMatch(/\/tmp\/|run\.go:/);
      expect(await page.locator("#fleet-summary").innerText()).toMatch(/0\/4 clusters Synced and Healthy at HEAD .* 4 behind HEAD/);
      await page.goto(`${hubUrl}/rollouts`);
      await banner.waitFor();

      await repo.commit({ "apps/web/base/deployment.yaml": good }, "fix the typo");
      await refresh();
      // The open page drops the banner by itself (server-sent change event).
      await banner.waitFor({ state: "detached" });
    } finally {
      await browser?.close();
    }
    const fixed = await runFlotilla(["status", "--hub", hubUrl]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).not.toContain("CONDITION");
    expect(await (await fetch(`${hubUrl}/metrics`)).text()).toMatch(/^flotilla_hub_head_published 1$/m);
    expect(hubOutput()).toContain("condition cleared: ComparisonError");
  });

  it("flotilla diff shows an uncommitted change for the clusters it affects, against what the hub published", async () => {
    // metrics-server runs on the prod clusters only (the addons ApplicationSet selects env=prod).
    const file = join(repo.dir, "apps/addons/metrics-server/deployment.yaml");
    const committed = await readFile(file, "utf8");
    await writeFile(file, committed.replace("replicas: 1", "replicas: 2"));
    try {
      const diff = await runFlotilla(["diff", repo.dir, "--hub", hubUrl]);
      expect(diff.code).toBe(1);
      // Web objects the RollingSync has not sent yet are in it too: the diff is against what the hub published.
      expect(diff.stderr).toMatch(/^error\[DIFF_FOUND\]: \d+ object\(s\) would change\n$/);
      expect(diff.stdout).toContain("===== prod-eu prod-eu-metrics-server changed apps/Deployment/kube-system/metrics-server\n");
      expect(diff.stdout).toContain("===== prod-us prod-us-metrics-server changed apps/Deployment/kube-system/metrics-server\n");
      expect(diff.stdout).toContain("-  replicas: 1\n+  replicas: 2\n");
      expect(diff.stdout).not.toMatch(/^===== (staging|dev) \S*metrics-server/m);
      const one = await runFlotilla(["diff", repo.dir, "--hub", hubUrl, "--app", "prod-eu-metrics-server"]);
      expect(one.stderr).toBe("error[DIFF_FOUND]: 1 object(s) would change\n");
    } finally {
      await writeFile(file, committed);
    }
    const clean = await runFlotilla(["diff", repo.dir, "--hub", hubUrl, "--app", "prod-eu-metrics-server", "--app", "prod-us-metrics-server"]);
    expect(clean.stderr).toBe("");
    expect(clean.stdout).toBe("");
    expect(clean.code).toBe(0);
  });

  it("reports an unreachable hub, a bad output format and an unknown cluster clearly", async () => {
    const down = await runFlotilla(["status", "--hub", `http://127.0.0.1:${String(await freePort())}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error\[HUB_UNREACHABLE\]: --hub: cannot reach the hub at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
    const format = await runFlotilla(["status", "--hub", hubUrl, "-o", "xml"]);
    expect(format.stderr).toBe('error[INVALID_FLAG]: --output: unknown output format "xml" (use table, wide, json, yaml)\n');
    const missing = await runFlotilla(["status", "--hub", hubUrl, "--cluster", "nope"]);
    expect(missing.stderr).toBe('error[CLUSTER_NOT_FOUND]: --cluster: the hub knows no cluster "nope"\n');
    const viaEnv = await runFlotilla(["status"], { env: { FLOTILLA_HUB: hubUrl } });
    expect(viaEnv.code).toBe(0);
  });
});

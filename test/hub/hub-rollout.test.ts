import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { startHub, type HubConfig, type RunningHub } from "../../hub/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet, webConfig } from "./fleet-fixture.js";
import { SpokeDriver, eventually } from "./spoke-driver.js";

const FLEET = "prod";
let nats: NatsServerHandle;
let repo: GitRepo;
let dir: string;
let hub: RunningHub;
let eu: SpokeDriver;
let us: SpokeDriver;
let config: HubConfig;
/** The commit eu-1 ran before the broken one (the rollback's target). */
let good: string;
let broken: string;

interface RolloutBody {
  items: {
    appSet: string;
    revision: string;
    phase: string;
    message?: string;
    currentStep: number;
    rolledBackTo?: Record<string, string | null>;
    steps: { index: number; clusters: { cluster: string; state: string }[] }[];
  }[];
}

interface ClusterBody {
  desired: { generation: number; revision: string } | null;
  applied: { generation: number | null; revision: string | null } | null;
  apps: { name: string; revision: string | null; desiredRevision: string | null }[];
}

async function clusterView(name: string): Promise<ClusterBody> {
  return (await (await fetch(`${hub.url}/api/v1/clusters/${name}`)).json()) as ClusterBody;
}

async function rollout(): Promise<RolloutBody["items"][number] | undefined> {
  const res = await fetch(`${hub.url}/api/v1/rollouts`);
  return ((await res.json()) as RolloutBody).items.find((r) => r.appSet === "web");
}

function stateOf(r: RolloutBody["items"][number] | undefined, cluster: string): string | undefined {
  return r?.steps.flatMap((s) => s.clusters).find((c) => c.cluster === cluster)?.state;
}

async function version(spoke: SpokeDriver): Promise<{ generation: number; version: unknown } | undefined> {
  const s = await spoke.fetch();
  if (s === null) return undefined;
  const obj = s.bundle.apps[0]?.objects[0] as { data?: { version?: string } } | undefined;
  return { generation: s.generation, version: obj?.data?.version };
}

beforeAll(async () => {
  nats = await startNats();
  repo = await makeGitRepo(baseFleet("1", true));
  dir = await mkdtemp(join(tmpdir(), "flotilla-rollout-"));
  config = {
    fleet: FLEET,
    nats: { servers: nats.url },
    signingKeyFile: join(dir, "hub.pem"),
    repos: [{ url: repo.dir }],
    listen: { host: "127.0.0.1", port: 0 },
    pollIntervalMs: 0,
    // Rollback must come from the ApplicationSet's strategy.rollingSync.autoRollback.
    autoRollbackDefault: false,
  };
  hub = await startHub(config, { clock: systemClock, logger: silentLogger() });
  eu = await SpokeDriver.connect(nats.url, FLEET, "eu-1", hub.publicKey);
  us = await SpokeDriver.connect(nats.url, FLEET, "us-1", hub.publicKey);
  await hub.service.refresh();
});

afterAll(async () => {
  await eu?.close();
  await us?.close();
  await hub?.close();
  await nats?.stop();
  await repo?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe("RollingSync rollout", () => {
  it("updates the canary step first and holds the next step back", async () => {
    expect(await version(eu)).toEqual({ generation: 1, version: "1" });
    expect((await us.fetch())?.bundle.apps).toEqual([]);
    const r = await rollout();
    expect(r?.phase).toBe("Progressing");
    expect(stateOf(r, "us-1")).toBe("Waiting");
  });

  it("advances when the step is healthy, and an offline cluster is waiting, not failed", async () => {
    await eu.hello();
    await eu.report("Healthy");
    await eventually(async () => ((await version(us))?.version === "1" ? true : undefined), "step 2 to reach us-1");
    const r = await eventually(async () => {
      const x = await rollout();
      return stateOf(x, "us-1") === "Offline" ? x : undefined;
    }, "us-1 reported offline");
    expect(r.phase).toBe("Progressing");
    expect(r.message).toContain("waiting for offline us-1");
    await us.hello();
    await us.report("Healthy");
    await eventually(async () => ((await rollout())?.phase === "Completed" ? true : undefined), "the rollout to complete");
  });

  it("halts at a degraded step and rolls the updated clusters back", async () => {
    good = await repo.head();
    expect((await clusterView("eu-1")).desired?.revision).toBe(good);
    broken = await repo.commit({ "apps/web/config.yaml": webConfig("2-broken") });
    await hub.service.refresh();
    expect(await version(eu)).toEqual({ generation: 2, version: "2-broken" });
    expect((await clusterView("eu-1")).desired).toMatchObject({ generation: 2, revision: broken });
    expect(await version(us)).toEqual({ generation: 2, version: "1" });
    await eu.report("Degraded");
    const r = await eventually(async () => {
      const x = await rollout();
      return x?.phase === "RolledBack" ? x : undefined;
    }, "the rollback");
    expect(r.message).toContain("eu-1 Degraded");
    expect(stateOf(r, "eu-1")).toBe("RolledBack");
    expect(stateOf(r, "us-1")).toBe("Waiting");
    expect(await version(eu)).toEqual({ generation: 3, version: "1" });
    expect(await version(us)).toEqual({ generation: 2, version: "1" });
    // The rollout is about the broken commit and says which commit eu-1 went back to.
    expect(r.revision).toBe(broken);
    expect(r.rolledBackTo).toEqual({ "eu-1": good });
    // The rolled-back envelope names the commit its content comes from (a newer generation, an older revision).
    expect((await eu.fetch())?.revision).toBe(good);
    expect((await clusterView("eu-1")).desired).toEqual({ generation: 3, revision: good, bundleDigest: expect.stringMatching(/^sha256:/) as unknown });
    // Healthy again on the old revision: the broken commit is not retried until Git changes.
    await eu.report("Healthy");
    await hub.service.refresh();
    expect(await version(eu)).toEqual({ generation: 3, version: "1" });
    expect((await rollout())?.phase).toBe("RolledBack");
    // What the spoke reports applying is that same commit, cluster-wide and per app.
    const view = await eventually(async () => {
      const v = await clusterView("eu-1");
      return v.applied?.generation === 3 ? v : undefined;
    }, "eu-1's report of generation 3");
    expect(view.applied).toEqual({ generation: 3, revision: good });
    expect(view.apps.map((a) => [a.revision, a.desiredRevision])).toEqual([[good, good]]);
  });

  it("a restarted hub keeps the halted rollout and republishes nothing", async () => {
    await hub.close();
    hub = await startHub(config, { clock: systemClock, logger: silentLogger() });
    await hub.service.refresh();
    const r = await rollout();
    expect(r?.phase).toBe("RolledBack");
    expect(r?.rolledBackTo).toEqual({ "eu-1": good });
    expect(await version(eu)).toEqual({ generation: 3, version: "1" });
    expect(await version(us)).toEqual({ generation: 2, version: "1" });
    expect((await clusterView("eu-1")).desired).toMatchObject({ generation: 3, revision: good });
  });

  it("a fixed commit starts a new rollout", async () => {
    const fixed = await repo.commit({ "apps/web/config.yaml": webConfig("3") });
    await hub.service.refresh();
    expect(await version(eu)).toEqual({ generation: 4, version: "3" });
    const r = await rollout();
    expect(r?.phase).toBe("Progressing");
    expect(r?.rolledBackTo).toBeUndefined();
    expect((await clusterView("eu-1")).desired).toMatchObject({ generation: 4, revision: fixed });
  });
});

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KvWatchEntry } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubClient, type ClusterSummary } from "../../demo/index.js";
import { hubArgs } from "../../demo/product-commands.js";
import { connectNats } from "../../hub/index.js";
import { DESIRED_BUCKET, parseEnvelope } from "../../protocol/index.js";
import { freePort, runFlotilla, startTcpProxy, type TcpProxy } from "../harness/index.js";
import { startFleet, type TestFleet } from "./fleet-harness.js";
import { clusterNats } from "./nats-cluster-fleet.js";

// Hub failover as an operator would see it: two hubs of one fleet (hub-a started by the fleet
// harness, hub-b beside it, reaching NATS through a TCP proxy the test can cut), three spokes on
// devclusters, a RollingSync ApplicationSet (staging, then prod). The leading hub is killed with
// SIGKILL mid-rollout, then the new leader is partitioned from NATS. Every put to `flotilla-desired`
// is recorded by a watcher from the start: no cluster's generation may repeat or go backwards.
//
// NATS is a JetStream cluster of three servers (test/harness startNatsCluster); hub-b's proxy
// leads to the first of them, everything else is given all three.

const LEASE = "4s";
const TOKEN = "failover-test-token-0123456789";

const WEB_APPSET = `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: web
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: 'web-{{.name}}'
      labels:
        env: '{{index .metadata.labels "env"}}'
    spec:
      source: {repoURL: ., path: apps/web}
      destination: {name: '{{.name}}', namespace: web}
      syncPolicy:
        automated: {prune: true, selfHeal: true}
        syncOptions: [CreateNamespace=true]
  strategy:
    type: RollingSync
    rollingSync:
      steps:
      - matchExpressions: [{key: env, operator: In, values: [staging]}]
      - matchExpressions: [{key: env, operator: In, values: [prod]}]
`;

const webConfig = (release: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
data:
  release: "${release}"
`;

const run = promisify(execFile);

/** SIGKILL for the hub process this test started (found by its unique signing key path and hub id): no lease release, no goodbye. */
async function killHard(signingKey: string, hubId: string): Promise<void> {
  const { stdout } = await run("ps", ["-eo", "pid=,args="]);
  const pids = stdout
    .split("\n")
    .filter((line) => line.includes(signingKey) && line.includes(`--hub-id ${hubId}`))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  expect(pids.length).toBe(1);
  process.kill(pids[0] ?? 0, "SIGKILL");
}

interface LeaderAnswer {
  self: { id: string; role: string };
  leader: { id: string; url?: string } | null;
}

async function leaderOf(url: string): Promise<LeaderAnswer | undefined> {
  try {
    const res = await fetch(`${url}/api/v1/leader`);
    return res.ok ? ((await res.json()) as LeaderAnswer) : undefined;
  } catch {
    return undefined;
  }
}

describe("hub failover: two hubs, one lease", () => {
  let fleet: TestFleet;
  let proxy: TcpProxy;
  let nc: NatsConnection;
  let work: string;
  let hubBUrl = "";
  const puts: { cluster: string; generation: number; kvRevision: number }[] = [];
  const rev: Record<string, string> = {};

  const nats = clusterNats({ size: 3, noAdvertise: true });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "flotilla-failover-"));
    const tokenFile = join(work, "api-token");
    await writeFile(tokenFile, TOKEN, { mode: 0o600 });
    fleet = await startFleet({
      files: { "appsets/web.yaml": WEB_APPSET, "apps/web/config.yaml": webConfig("v1") },
      nats: nats.start,
      hubFlags: ["--lease", LEASE, "--hub-id", "hub-a", "--api-token-file", tokenFile],
    });
    rev.v1 = await fleet.repo.head();
    // Every put to the desired bucket, as it lands (one watcher: the test's, not a spoke's).
    nc = await connectNats({ servers: fleet.natsUrl.split(","), nkeyFile: join(fleet.dir, "nats", "hub.nk"), name: "failover-test" });
    const kv = await new Kvm(jetstream(nc)).open(DESIRED_BUCKET);
    const watch = await kv.watch({ key: ">" });
    void (async () => {
      for await (const e of watch as AsyncIterable<KvWatchEntry>) {
        if (e.operation !== "PUT") continue;
        puts.push({ cluster: e.key, generation: parseEnvelope(e.value).generation, kvRevision: e.revision });
      }
    })();
    proxy = await startTcpProxy({ host: "127.0.0.1", port: nats.cluster().nodes[0]?.port ?? 0 });
    const port = await freePort();
    hubBUrl = `http://127.0.0.1:${String(port)}`;
    const args = hubArgs({ natsUrl: `nats://127.0.0.1:${String(proxy.port)}`, nkey: join(fleet.dir, "nats", "hub.nk"), repo: fleet.repo.dir, port, signingKey: join(fleet.dir, "hub", "signing-key.pem") });
    await fleet.startProcess("hub-b", [...args, "--lease", LEASE, "--hub-id", "hub-b", "--api-token-file", tokenFile], /listening on http/);
  });

  afterAll(async () => {
    await nc.close();
    await fleet.stop();
    await proxy.stop();
    await rm(work, { recursive: true, force: true });
  });

  /** Every cluster Online, Synced and Healthy at what `client`'s hub wants, which is `revision`. */
  const convergedOn = (client: HubClient, revision: string): Promise<ClusterSummary[]> =>
    fleet.waitFor(`all clusters at ${revision.slice(0, 7)} via ${client.url}`, async () => {
      const sources = await client.sources();
      const clusters = await client.clusters();
      if (sources.some((s) => s.publishedRevision !== revision)) return undefined;
      const done =
        clusters.length === 3 &&
        clusters.every((c) => c.connection === "Online" && c.sync === "Synced" && c.health === "Healthy" && c.desired?.revision === revision && c.applied?.generation === c.desired.generation);
      return done ? clusters : undefined;
    });

  it("the first hub leads; the standby serves reads, names the leader and refuses mutations", async () => {
    await fleet.converged(rev.v1 ?? "");
    const b = await fleet.waitFor("hub-b standing by", async () => {
      const view = await leaderOf(hubBUrl);
      return view?.leader?.id === "hub-a" ? view : undefined;
    });
    expect(b.self).toMatchObject({ id: "hub-b", role: "standby" });
    expect((await leaderOf(fleet.hubUrl()))?.self).toMatchObject({ id: "hub-a", role: "leader" });
    // Reads on the standby: the same clusters, at the generations the leader published.
    const onB = await new HubClient({ url: hubBUrl }).clusters();
    const onA = await fleet.hub().clusters();
    expect(onB.map((c) => [c.name, c.desired?.generation])).toEqual(onA.map((c) => [c.name, c.desired?.generation]));
    const page = await (await fetch(`${hubBUrl}/`)).text();
    expect(page).toContain("This hub (hub-b) is a standby");
    // `flotilla status` against the standby says so in its header.
    const status = await runFlotilla(["status", "--hub", hubBUrl]);
    expect(status.stdout).toContain(`hub hub-b (standby; leader: hub-a at ${fleet.hubUrl()})`);
    const refused = await fetch(`${hubBUrl}/api/v1/refresh`, { method: "POST", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string }; leader: { id: string } };
    expect(body.error.code).toBe("HUB_NOT_LEADER");
    expect(body.error.message).toContain("hub-a");
    expect(body.leader.id).toBe("hub-a");
    // Without the token the standby answers like any hub: unauthorised, and says nothing of the leader.
    const anonymous = await fetch(`${hubBUrl}/api/v1/refresh`, { method: "POST" });
    expect(anonymous.status).toBe(401);
  });

  it("kills the leader mid-rollout: the standby takes over, resumes the rollout and every cluster converges", async () => {
    // Staging (step one) is down, so the rollout of v2 cannot pass its first step while hub-a leads.
    await fleet.stopSpoke("staging");
    rev.v2 = await fleet.repo.commit({ "apps/web/config.yaml": webConfig("v2") }, "web v2");
    await fleet.waitFor("the v2 rollout waiting at step one on hub-a", async () => {
      const r = (await fleet.hub().rollouts()).find((x) => x.appSet === "web") as { phase: string; revision?: string; currentStep?: number } | undefined;
      return r?.phase === "Progressing" && r.revision === rev.v2 && r.currentStep === 0 ? r : undefined;
    });
    const prodBefore = (await fleet.hub().clusters()).filter((c) => c.name.startsWith("prod-")).map((c) => c.desired?.revision);
    expect(prodBefore).toEqual([rev.v1, rev.v1]);

    await killHard(join(fleet.dir, "hub", "signing-key.pem"), "hub-a");
    await fleet.waitFor("hub-b leading", async () => ((await leaderOf(hubBUrl))?.self.role === "leader" ? true : undefined));
    const b = new HubClient({ url: hubBUrl });
    // The new leader resumed the record hub-a kept: same revision, still at step one.
    const resumed = await fleet.waitFor("the rollout record on hub-b", async () => (await b.rollouts()).find((x) => x.appSet === "web") as { phase: string; revision?: string; currentStep?: number } | undefined);
    expect(resumed).toMatchObject({ revision: rev.v2, currentStep: 0 });
    await fleet.startSpoke("staging");
    await convergedOn(b, rev.v2);
    const done = (await b.rollouts()).find((x) => x.appSet === "web");
    expect(done?.phase).toBe("Completed");
  });

  it("partitions the leader from NATS: it stops publishing, the other hub leads, and it stands by once healed", async () => {
    await fleet.startHub(); // hub-a again, as a standby of hub-b
    await fleet.waitFor("hub-a standing by", async () => ((await leaderOf(fleet.hubUrl()))?.leader?.id === "hub-b" ? true : undefined));
    expect((await leaderOf(fleet.hubUrl()))?.self.role).toBe("standby");

    proxy.cut();
    await fleet.waitFor("hub-a leading after hub-b was cut off", async () => ((await leaderOf(fleet.hubUrl()))?.self.role === "leader" ? true : undefined));
    // hub-b's API still answers (only its NATS link is cut): it knows it does not lead.
    expect((await leaderOf(hubBUrl))?.self.role).toBe("standby");
    rev.v3 = await fleet.repo.commit({ "apps/web/config.yaml": webConfig("v3") }, "web v3");
    await convergedOn(fleet.hub(), rev.v3);

    proxy.restore();
    const healed = await fleet.waitFor("hub-b standing by after the partition healed", async () => {
      const view = await leaderOf(hubBUrl);
      return view?.leader?.id === "hub-a" ? view : undefined;
    });
    expect(healed.self.role).toBe("standby");
    expect(fleet.logs("hub-b")).toContain("no longer leads");
  });

  it("never published a cluster's generation twice or out of order (the whole KV history)", () => {
    const byCluster = new Map<string, number[]>();
    for (const p of [...puts].sort((x, y) => x.kvRevision - y.kvRevision)) byCluster.set(p.cluster, [...(byCluster.get(p.cluster) ?? []), p.generation]);
    expect([...byCluster.keys()].sort()).toEqual(["prod-eu", "prod-us", "staging"]);
    for (const [cluster, generations] of byCluster) {
      // v1, v2 and v3 at least, each newer than the one before.
      expect(generations.length, cluster).toBeGreaterThanOrEqual(3);
      for (let i = 1; i < generations.length; i++) expect(generations[i], `${cluster}: ${generations.join(",")}`).toBeGreaterThan(generations[i - 1] ?? 0);
    }
  });
});

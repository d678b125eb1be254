import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { systemClock } from "../../core/index.js";
import { backupKeys, keyFromPem } from "../../crypto/open.js";
import type { DevCluster } from "../../devcluster/index.js";
import { renderFleet } from "../../gitops/index.js";
import { toAppBundle } from "../../hub/fleet-planner.js";
import type { RestKube, KubeObject } from "../../kube/index.js";
import { bootstrapFromGit, parseSpokeConfig, SpokeRuntime, startSpoke, type SpokeAgent } from "../../spoke/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { kubectlJson } from "../kube/kube-fixtures.js";
import { FLEET, fixture } from "./fleet-repo-fixture.js";
import { HubDouble } from "./hub-double.js";
import { clusterWithCrds, eventually, expected, installFixtureSealingKey, installFixtureSopsKey, kubeFor, SPOKE_NS } from "./spoke-fixtures.js";

let repo: GitRepo;
let nats: NatsServerHandle;
let hub: HubDouble;
let drCluster: DevCluster;
let hubCluster: DevCluster;
let drKube: RestKube;
let drRuntime: SpokeRuntime;
const agents: SpokeAgent[] = [];

/** What a user compares between two clusters: the objects' content, without server bookkeeping. */
async function managedObjects(cluster: DevCluster): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const kind of ["configmaps", "secrets", "deployments", "sealedsecrets"]) {
    const list = await kubectlJson(cluster.kubeconfigPath, ["get", kind, "-n", "myns"]);
    for (const item of list.items as KubeObject[]) {
      const { uid: _u, resourceVersion: _rv, creationTimestamp: _c, generation: _g, managedFields: _m, ownerReferences, ...rest } = item.metadata;
      // Each cluster gives its objects their own uids: compare owners by everything but the uid.
      const owners = (ownerReferences as readonly Record<string, unknown>[] | undefined)?.map(({ uid: _ou, ...ref }) => ref);
      const meta = owners === undefined ? rest : { ...rest, ownerReferences: owners };
      out.push({ apiVersion: item.apiVersion, kind: item.kind, metadata: meta, spec: item.spec, data: item.data, type: item.type });
    }
  }
  return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

beforeAll(async () => {
  repo = await makeGitRepo(FLEET);
  nats = await startNats();
  hub = new HubDouble("prod");
  await hub.connect(nats.url);
  [drCluster, hubCluster] = await Promise.all([clusterWithCrds("dr"), clusterWithCrds("hubpath")]);
  await Promise.all([installFixtureSopsKey(drCluster), installFixtureSopsKey(hubCluster)]);
});

afterAll(async () => {
  for (const a of agents) await a.stop();
  await drRuntime?.stop();
  await hub.close();
  await nats.stop();
  await Promise.all([drCluster.stop(), hubCluster.stop()]);
  await repo.remove();
});

describe("flotilla bootstrap (disaster recovery, no hub)", () => {
  it("restores the sealing key from its age backup, renders from Git and converges", async () => {
    const identity = await generateIdentity();
    const backup = await backupKeys([keyFromPem(fixture("sealed-secrets", "key-a.pem"), fixture("sealed-secrets", "cert-a.pem"))], [await identityToRecipient(identity)]);
    drKube = kubeFor(drCluster);
    drRuntime = new SpokeRuntime({ fleet: "prod", cluster: "eu-1", client: drKube, namespace: SPOKE_NS, clock: systemClock, rotateEveryMs: 0, resyncIntervalMs: 0 });
    const result = await bootstrapFromGit({ repo: repo.dir, cluster: "eu-1", runtime: drRuntime, restore: { backup, identity } });
    expect(result.restoredKeys).toBe(1);
    expect(result.summary.outcome).toEqual({ kind: "done" });
    expect(result.state.apps.map((a) => a.name)).toEqual(["shop-eu-1"]);
    const secret = await kubectlJson(drCluster.kubeconfigPath, ["get", "secret", "mysecret", "-n", "myns"]);
    expect(secret.data).toEqual(expected("sealed-secrets", "strict.sealedsecret.yaml").expectedSecret.data);
    // The restored key is stored the controller's way.
    const keys = await kubectlJson(drCluster.kubeconfigPath, ["get", "secrets", "-n", SPOKE_NS, "-l", "sealedsecrets.bitnami.com/sealed-secrets-key=active"]);
    expect(keys.items).toHaveLength(1);
    expect(keys.items[0].type).toBe("kubernetes.io/tls");
  });

  it("reaches the same objects as the hub path, object by object", async () => {
    // The hub path: the hub renders the same commit, publishes a signed bundle, a spoke applies it.
    await installFixtureSealingKey(hubCluster);
    const render = await renderFleet({ source: repo.dir, clusterFilter: ["eu-1"] });
    const eu1 = render.clusters.find((c) => c.name === "eu-1")!;
    await hub.publish(hub.envelope("eu-1", 1, eu1.apps.map(toAppBundle)));
    const config = parseSpokeConfig({ fleet: "prod", cluster: "eu-1", natsUrl: [nats.url], hubKeys: [hub.key.publicKey], checkIntervalMs: 300, heartbeatSeconds: 1, resyncIntervalMs: 0, rotateEveryMs: 0, keyBits: 2048 });
    const hubAgent = await startSpoke({ config, client: kubeFor(hubCluster), clock: systemClock, spokeVersion: "test" });
    agents.push(hubAgent);
    await eventually(() => Promise.resolve(hub.reports.find((r) => r.generation === 1 && r.apps[0]?.sync === "Synced")), 20_000, "hub-path report");
    await hubAgent.stop();
    agents.pop();
    const [viaGit, viaHub] = await Promise.all([managedObjects(drCluster), managedObjects(hubCluster)]);
    expect(viaGit.length).toBeGreaterThanOrEqual(5);
    expect(viaGit).toEqual(viaHub);
  });

  it("then joins the hub with zero applies", async () => {
    const versions = async (): Promise<string[]> => {
      const out: string[] = [];
      for (const kind of ["configmaps", "secrets", "deployments", "sealedsecrets", "namespaces"]) {
        const list = await kubectlJson(drCluster.kubeconfigPath, ["get", kind, "-A", "-l", "flotilla.dev/app"]);
        for (const i of list.items as KubeObject[]) out.push(`${i.kind}/${i.metadata.namespace ?? ""}/${i.metadata.name}@${i.metadata.resourceVersion ?? ""}`);
      }
      return out.sort();
    };
    const rvBefore = await versions();
    const before = drKube.requestCounts();
    const reportsBefore = hub.reports.length;
    const config = parseSpokeConfig({ fleet: "prod", cluster: "eu-1", natsUrl: [nats.url], hubKeys: [hub.key.publicKey], checkIntervalMs: 300, heartbeatSeconds: 1, resyncIntervalMs: 0, rotateEveryMs: 0 });
    const agent = await startSpoke({ config, client: drKube, clock: systemClock, spokeVersion: "test", runtime: drRuntime });
    agents.push(agent);
    const report = await eventually(() => Promise.resolve(hub.reports.slice(reportsBefore).find((r) => r.generation === 1)), 20_000, "joined report");
    expect(report.apps[0]).toMatchObject({ name: "shop-eu-1", sync: "Synced" });
    const after = drKube.requestCounts();
    // No managed object was touched: every resourceVersion is the same, nothing was created, replaced or deleted.
    expect(await versions()).toEqual(rvBefore);
    for (const method of ["POST", "PUT", "DELETE"]) expect(after[method] ?? 0, method).toBe(before[method] ?? 0);
    // The only writes are the spoke's own bookkeeping in its namespace: its status key and the envelope cache.
    expect((after.PATCH ?? 0) - (before.PATCH ?? 0)).toBeLessThanOrEqual(2);
  });
});

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { restoreKeys } from "../../crypto/open.js";
import { systemClock } from "../../core/index.js";
import type { DevCluster } from "../../devcluster/index.js";
import type { KubeObject } from "../../kube/index.js";
import { createNotify, encodeMessage, subjects, type AppBundle } from "../../protocol/index.js";
import { parseSpokeConfig, startSpoke, type SpokeAgent } from "../../spoke/index.js";
import { startNats, type NatsServerHandle } from "../harness/index.js";
import { kubectl, kubectlJson } from "../kube/kube-fixtures.js";
import { HubDouble, configMap } from "./hub-double.js";
import { clusterWithCrds, eventually, kubeFor } from "./spoke-fixtures.js";

let nats: NatsServerHandle;
let cluster: DevCluster;
let hub: HubDouble;
let agent: SpokeAgent;
let dir: string;
let recovery: { identity: string; recipient: string };

const app = (objects: KubeObject[], selfHeal = true): AppBundle => ({
  name: "web",
  namespace: "web",
  syncPolicy: { automated: { prune: true, selfHeal }, syncOptions: ["CreateNamespace=true"] },
  objects,
});

function config(natsUrl: string) {
  return parseSpokeConfig({
    fleet: "prod",
    cluster: "eu-1",
    natsUrl: [natsUrl],
    hubKeys: [hub.key.publicKey],
    cacheFile: join(dir, "envelope.json"),
    checkIntervalMs: 300,
    heartbeatSeconds: 1,
    resyncIntervalMs: 0,
    keyBits: 2048,
    rotateEveryMs: 0,
    recoveryRecipients: [recovery.recipient],
    connectBackoffMaxMs: 1000,
  });
}

async function configMaps(): Promise<string[]> {
  const list = await kubectlJson(cluster.kubeconfigPath, ["get", "configmaps", "-n", "web"]).catch(() => ({ items: [] }));
  return (list.items as KubeObject[]).map((i) => i.metadata.name).sort();
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "spoke-session-"));
  const identity = await generateIdentity();
  recovery = { identity, recipient: await identityToRecipient(identity) };
  nats = await startNats();
  cluster = await clusterWithCrds("spoke-session");
  hub = new HubDouble("prod");
  await hub.connect(nats.url);
  agent = await startSpoke({ config: config(nats.url), client: kubeFor(cluster), clock: systemClock, spokeVersion: "test" });
  await agent.connected();
});

afterAll(async () => {
  await agent.stop();
  await hub.close().catch(() => undefined);
  await nats.stop();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("spoke session over a real nats-server", () => {
  it("says Hello with its sealing certificate, pulls its key on notify, applies, and sends a signed status report", async () => {
    await eventually(() => Promise.resolve(hub.hellos.length > 0 ? true : undefined), 10_000, "hello");
    expect(hub.hellos[0]?.sealingCert).toMatch(/BEGIN CERTIFICATE/);
    // The sealing key backup travels age-encrypted in the signed Hello; only the recovery identity opens it.
    const backup = hub.hellos[0]?.keyBackup as string;
    expect(backup).toMatch(/BEGIN AGE ENCRYPTED FILE/);
    expect(backup).not.toContain("PRIVATE KEY");
    const restored = await restoreKeys(backup, recovery.identity);
    expect(restored.keys).toHaveLength(1);
    await hub.publish(hub.envelope("eu-1", 1, [app([configMap("a", "web", { v: "1" })])]));
    await eventually(async () => ((await configMaps()).includes("a") ? true : undefined), 15_000, "apply");
    const report = await eventually(() => Promise.resolve(hub.reports.find((r) => r.generation === 1)), 10_000, "report");
    expect(report.apps[0]).toMatchObject({ name: "web", sync: "Synced" });
    expect(hub.badSignatures).toEqual([]);
  });

  it("rejects a tampered envelope and a foreign-cluster envelope, applies nothing of them, and reports why", async () => {
    const good = hub.envelope("eu-1", 2, [app([configMap("a", "web", { v: "1" }), configMap("tampered", "web", { v: "x" })])]);
    const tampered = { ...good.envelope, revision: "evil" };
    await hub.putRaw("eu-1", new TextEncoder().encode(JSON.stringify(tampered)), 2);
    await eventually(() => Promise.resolve(hub.lastReport()?.errors?.some((e) => e.code === "ENVELOPE_SIGNATURE_INVALID") === true ? true : undefined), 10_000, "signature error report");

    const foreign = hub.envelope("us-1", 3, [app([configMap("foreign", "web", { v: "x" })])]);
    await hub.putRaw("eu-1", foreign.value, 3);
    await eventually(() => Promise.resolve(hub.lastReport()?.errors?.some((e) => e.code === "ENVELOPE_WRONG_CLUSTER") === true ? true : undefined), 10_000, "wrong cluster report");

    const impostor = hub.envelope("eu-1", 4, [app([configMap("impostor", "web", { v: "x" })])], (await import("../../protocol/index.js")).generateSigningKey());
    await hub.putRaw("eu-1", impostor.value, 4);
    await eventually(() => Promise.resolve(hub.lastReport()?.errors?.some((e) => e.code === "ENVELOPE_UNKNOWN_KEY") === true ? true : undefined), 10_000, "unknown key report");

    expect(await configMaps()).toEqual(["a"]);
    expect(hub.lastReport()?.generation).toBe(1);
  });

  it("picks up a state whose notify was lost, through the periodic check, and never goes back a generation", async () => {
    await hub.publish(hub.envelope("eu-1", 5, [app([configMap("a", "web", { v: "1" }), configMap("b", "web", { v: "1" })])]), { notify: false });
    await eventually(async () => ((await configMaps()).includes("b") ? true : undefined), 15_000, "periodic check");
    await hub.publish(hub.envelope("eu-1", 4, [app([configMap("old", "web", { v: "1" })])]));
    await eventually(() => Promise.resolve(hub.lastReport()?.errors?.some((e) => e.code === "ENVELOPE_STALE_GENERATION") === true ? true : undefined), 10_000, "stale report");
    expect(await configMaps()).toEqual(["a", "b"]);
  });

  it("partitioned: a restarted spoke with NATS unreachable enforces the cached state and self-heals, then reports when NATS is back", async () => {
    await agent.stop();
    const port = nats.port;
    await hub.close();
    await nats.stop();
    // A fresh process: nothing in memory, NATS down.
    agent = await startSpoke({ config: config(`nats://127.0.0.1:${port}`), client: kubeFor(cluster), clock: systemClock, spokeVersion: "test" });
    await kubectl(cluster.kubeconfigPath, ["delete", "configmap", "b", "-n", "web"]);
    await eventually(async () => ((await configMaps()).includes("b") ? true : undefined), 30_000, "self-heal while partitioned");
    nats = await startNats({ port });
    hub = new HubDouble("prod");
    await hub.connect(nats.url);
    await agent.connected();
    // The spoke may have reconnected (and said Hello) before this new hub subscribed: core NATS
    // does not queue, so ask it to announce itself again, as a hub does after its own restart.
    await agent.session.announce();
    await eventually(() => Promise.resolve(hub.hellos.length > 0 ? true : undefined), 10_000, "Hello after announce");
    const report = await eventually(() => Promise.resolve(hub.reports.find((r) => r.generation === 5)), 30_000, "report after reconnect");
    expect(report.apps[0]?.name).toBe("web");
  });

  it("says Hello again, with its current status report, when the hub asks through a notify", async () => {
    const hellos = hub.hellos.length;
    const reports = hub.reports.length;
    hub.nc.publish(subjects.notify("prod", "eu-1"), encodeMessage(createNotify({ fleet: "prod", cluster: "eu-1", generation: 0, revision: "none", announce: true })));
    await eventually(() => Promise.resolve(hub.hellos.length > hellos ? true : undefined), 10_000, "a Hello on request");
    await eventually(() => Promise.resolve(hub.reports.length > reports ? true : undefined), 10_000, "the report sent with it");
    expect(hub.badSignatures).toEqual([]);
    // Once this hub has a Hello it knows the key: nothing after it goes unverified.
    const unknownBefore = hub.unknownSender.length;
    hub.nc.publish(subjects.notify("prod", "eu-1"), encodeMessage(createNotify({ fleet: "prod", cluster: "eu-1", generation: 0, revision: "none", announce: true })));
    await eventually(() => Promise.resolve(hub.hellos.length > hellos + 1 ? true : undefined), 10_000, "a second Hello on request");
    expect(hub.unknownSender.length).toBe(unknownBefore);
  });
});

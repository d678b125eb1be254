import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, headers, nkeyAuthenticator, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../../hub/index.js";
import { PROTOCOL_ERROR_CODES, encodeMessage, fetchDesiredState, generateSigningKey, isProtocolError, parseEnvelope, signStatusReport, spokeConnectOptions } from "../../protocol/index.js";
import { clusterNats } from "./nats-cluster-fleet.js";
import { PLAIN_WEB_APPSET, startFleet, type TestFleet } from "./fleet-harness.js";

// A region behind a leaf server: prod-eu and staging connect to leaf `eu` (written by
// `flotilla nats-config --leaf eu:prod-eu,staging`), which links each spoke account on its own to the
// same account on a 3-server cluster; prod-us connects to the cluster. The leaf's link is cut for a
// while (LEAF_CUT_SECONDS, default 12; the full minute with LEAF_CUT_SECONDS=60) while a commit
// lands: the region's spokes keep enforcing and self-healing, the hub shows them Offline (stale), not
// failed, and they converge once the link is back. An insider holding prod-eu's seed attacks through
// the leaf the way test/security/reply-subject-injection.test.ts does on the cluster.

const FLEET = "demo";
const ATTACKER = "prod-eu";
const VICTIM = "staging";
const CUT_MS = Number(process.env.LEAF_CUT_SECONDS ?? "12") * 1000;
const nats = clusterNats({ size: 3, leaf: { region: "eu", clusters: [ATTACKER, VICTIM] } });
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  colour: ${value}\n`;
// ~1.3 MiB that gzip cannot shrink below max_payload: each bundle goes through its object bucket, across the leaf.
const BIG = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${randomBytes(1000 * 1024).toString("base64")}\n`;

let fleet: TestFleet;
let hub: NatsConnection;
let jsm: JetStreamManager;
let desired: KV;
let attacker: NatsConnection;
const seen: { subject: string; answered: string | undefined }[] = [];

async function seed(cluster: string): Promise<Uint8Array> {
  return new TextEncoder().encode((await readFile(join(nats.natsDir(), `${cluster}.nk`), "utf8")).trim());
}

async function colourOf(cluster: string): Promise<string | undefined> {
  return (await fleet.getJson<{ data: { colour: string } }>(cluster, "configmap", "web-config", "-n", "web"))?.data.colour;
}

async function expectDenied(promise: Promise<unknown>): Promise<void> {
  const err: unknown = await promise.then(
    () => new Error("expected a permission violation, the call succeeded"),
    (e: unknown) => e,
  );
  expect(`${String(err)} ${String((err as Error).cause)}`).toMatch(/permissions violation/i);
}

beforeAll(async () => {
  fleet = await startFleet({
    files: { "appsets/web.yaml": PLAIN_WEB_APPSET, "apps/web/configmap.yaml": configMap("blue"), "apps/web/big.yaml": BIG },
    clusters: [
      { name: ATTACKER, labels: { env: "prod" } },
      { name: "prod-us", labels: { env: "prod" } },
      { name: VICTIM, labels: { env: "staging" } },
    ],
    nats: nats.start,
    // Short heartbeats so a cut link shows within seconds (the flags given last win).
    spokeFlags: () => ["--heartbeat", "2s", "--check-interval", "2s"],
    hubFlags: ["--missed-heartbeats", "2"],
  });
  await fleet.converged(await fleet.repo.head());
  hub = await connectNats({ servers: [...nats.cluster().urls], nkeyFile: join(nats.natsDir(), "hub.nk"), name: "observer" });
  jsm = await jetstreamManager(hub);
  desired = await new Kvm(hub).open("flotilla-desired");
  attacker = await connect({ servers: nats.leaf().url, authenticator: nkeyAuthenticator(await seed(ATTACKER)), inboxPrefix: spokeConnectOptions(ATTACKER).inboxPrefix, name: "insider", reconnect: false });
  for (const subject of ["$KV.>", "$O.>", "flotilla.>", "$JS.API.STREAM.>", "_R_.>"]) {
    hub.subscribe(subject, { callback: (_e, m: Msg) => void seen.push({ subject: m.subject, answered: m.headers?.get("Nats-Subject") || undefined }) });
  }
  await hub.flush();
}, 300_000);

afterAll(async () => {
  await attacker?.close();
  await hub?.close();
  await fleet?.stop();
});

describe("a region behind a leaf server", () => {
  it("its spokes get their bundles through the leaf, from R3 streams on the cluster", async () => {
    for (const cluster of [ATTACKER, VICTIM]) {
      expect(parseEnvelope((await desired.get(cluster))?.value).bundleRef?.bucket).toBe(`flotilla-bundles-${cluster}`);
      expect((await jsm.streams.info(`OBJ_flotilla-bundles-${cluster}`)).config.num_replicas).toBe(3);
      expect(await colourOf(cluster)).toBe("blue");
    }
  });

  it("an insider's reply subjects aimed at another cluster land nowhere through the leaf; reads of others are refused", async () => {
    const snapshot = async () => ({
      victim: (await desired.get(VICTIM))?.revision,
      lastSeq: (await jsm.streams.info("KV_flotilla-desired")).state.last_seq,
      victimObjects: (await jsm.streams.info(`OBJ_flotilla-bundles-${VICTIM}`)).state.last_seq,
      status: (await jsm.streams.info("KV_flotilla-status")).state.messages,
    });
    const own = `$JS.API.DIRECT.GET.KV_flotilla-desired.$KV.flotilla-desired.${ATTACKER}`;
    // Control: the attacker's own direct get is answered through the leaf.
    expect(parseEnvelope((await attacker.request(own, undefined, { timeout: 5_000 })).data).cluster).toBe(ATTACKER);
    const before = await snapshot();
    const rollup = headers();
    rollup.set("Nats-Rollup", "all");
    const targets = [
      `$KV.flotilla-desired.${VICTIM}`,
      "$KV.flotilla-desired.injected",
      `$KV.flotilla-status.cluster.${VICTIM}`,
      `$O.flotilla-bundles-${VICTIM}.C.injected`,
      `flotilla.${FLEET}.hello.${VICTIM}`,
      `flotilla.${FLEET}.status.${VICTIM}`,
      `flotilla.${FLEET}.notify.${VICTIM}`,
      `$JS.API.STREAM.PURGE.KV_flotilla-desired`,
      `$JS.API.STREAM.DELETE.OBJ_flotilla-bundles-${VICTIM}`,
      `_INBOX_${VICTIM}.injected`,
    ];
    for (const reply of targets) {
      attacker.publish(own, undefined, { reply });
      attacker.publish(own, undefined, { reply, headers: rollup });
      attacker.publish(`$JS.API.DIRECT.GET.OBJ_flotilla-bundles-${ATTACKER}`, JSON.stringify({ seq: 1 }), { reply });
    }
    await attacker.flush();
    await attacker.request(own, undefined, { timeout: 5_000 });
    await hub.flush();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(seen.filter((m) => m.answered?.includes(ATTACKER) === true && !m.subject.startsWith("_R_."))).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await desired.get("injected")).toBeNull();

    // Reads of another cluster's key or objects (behind the same leaf, or on the cluster) are refused.
    for (const other of [VICTIM, "prod-us"]) {
      const err = await fetchDesiredState(attacker, { fleet: FLEET, cluster: other }).catch((e: unknown) => e);
      expect(isProtocolError(err) && err.code).toBe(PROTOCOL_ERROR_CODES.permissionDenied);
      await expectDenied(attacker.request(`$JS.API.DIRECT.GET.OBJ_flotilla-bundles-${other}`, JSON.stringify({ seq: 1 }), { timeout: 5_000 }));
    }
    await expectDenied(attacker.request("$JS.API.DIRECT.GET.KV_flotilla-desired", JSON.stringify({ last_by_subj: `$KV.flotilla-desired.${VICTIM}` }), { timeout: 5_000 }));
    await expectDenied(attacker.request(`$JS.API.CONSUMER.CREATE.OBJ_flotilla-bundles-${ATTACKER}`, JSON.stringify({ config: { deliver_subject: `flotilla.${FLEET}.hello.${VICTIM}` } }), { timeout: 5_000 }));
    for (const subject of [`_INBOX_${VICTIM}.>`, "_INBOX.>", `flotilla.${FLEET}.notify.${VICTIM}`, ">"]) {
      const sub = attacker.subscribe(subject);
      await expectDenied((async () => {
        for await (const _ of sub) return;
      })());
    }
    // Publishing the victim's status is dropped on the leaf and never reaches the hub.
    const forged = encodeMessage(signStatusReport({ fleet: FLEET, cluster: VICTIM, sentAt: new Date().toISOString(), apps: [] }, generateSigningKey()));
    const count = seen.length;
    attacker.publish(`flotilla.${FLEET}.status.${VICTIM}`, forged);
    await attacker.flush();
    await fleet.waitFor("the leaf to log the violation", () => (/Publish Violation.*flotilla\.demo\.status\.staging/.test(nats.leaf().log()) ? true : undefined), 10_000);
    expect(seen.slice(count).filter((m) => m.subject === `flotilla.${FLEET}.status.${VICTIM}` && m.answered === undefined).length).toBeLessThanOrEqual(1);
  });

  it("with the leaf's link cut, its spokes keep enforcing and self-healing and show Offline, not failed; they converge once it is back", async () => {
    nats.cutLeafLink();
    const cutAt = Date.now();
    try {
      const region = await fleet.waitFor("the hub to see the region offline", async () => {
        const cs = await fleet.hub().clusters();
        const r = cs.filter((c) => c.name === ATTACKER || c.name === VICTIM);
        return r.length === 2 && r.every((c) => c.connection === "Offline") ? r : undefined;
      }, 60_000);
      // Stale, not failed: the last reported state stays, no error is invented.
      for (const c of region) {
        expect(c.health, c.name).not.toBe("Degraded");
        expect(c.errors, c.name).toEqual([]);
      }
      // A commit lands while the link is down: the cluster outside the region converges.
      const head = await fleet.repo.commit({ "apps/web/configmap.yaml": configMap("green") }, "green");
      await fleet.converged(head, ["prod-us"]);
      // Drift inside the region is repaired from the cached state (the old commit).
      await fleet.kubectl(VICTIM, "delete", "configmap", "web-config", "-n", "web");
      await fleet.waitFor("the cut-off spoke to repair its drift", async () => ((await colourOf(VICTIM)) === "blue" ? true : undefined), 60_000);
      expect(await colourOf(ATTACKER)).toBe("blue");
      const left = CUT_MS - (Date.now() - cutAt);
      if (left > 0) await new Promise((r) => setTimeout(r, left));
      expect((await fleet.hub().clusters()).find((c) => c.name === ATTACKER)?.connection).toBe("Offline");
    } finally {
      nats.restoreLeafLink();
    }
    const restoredAt = Date.now();
    const converged = await fleet.converged(await fleet.repo.head(), undefined, 120_000);
    console.log(`leaf link cut for ${String(Math.round((restoredAt - cutAt) / 1000))} s; region converged ${((Date.now() - restoredAt) / 1000).toFixed(1)} s after it returned`);
    for (const c of converged) expect(c.errors, c.name).toEqual([]);
    expect(await colourOf(ATTACKER)).toBe("green");
    expect(await colourOf(VICTIM)).toBe("green");
  });
});

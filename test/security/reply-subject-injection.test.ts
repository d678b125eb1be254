import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, headers, nkeyAuthenticator, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PROTOCOL_ERROR_CODES,
  encodeMessage,
  fetchDesiredState,
  generateSigningKey,
  isProtocolError,
  parseEnvelope,
  signStatusReport,
  spokeConnectOptions,
} from "../../protocol/index.js";
import { startFleet, PLAIN_WEB_APPSET, type TestFleet } from "../e2e/fleet-harness.js";

// An insider holding one spoke's valid nkey (prod-eu) against another cluster (prod-us) and the hub,
// on the config `flotilla nats-config` writes (one NATS account per spoke). In one shared account,
// nats-server publishes the answer to a permitted JetStream request on whatever reply subject the
// requester chose (notes/nats-permissions.md §8): that overwrote another cluster's KV key. Each
// attempt here must land nowhere, and the victim's entry, objects and workloads must stay.

const FLEET = "demo";
const ATTACKER = "prod-eu";
const VICTIM = "prod-us";
// Five ConfigMaps of ~700 KiB of random text: a ~3.5 MiB bundle that gzip cannot bring under
// max_payload, so each cluster's bundle travels through its object bucket, across the account boundary.
const BIG = Array.from({ length: 5 }, () => randomBytes(520 * 1024).toString("base64"));
const files: Record<string, string> = {
  "appsets/web.yaml": PLAIN_WEB_APPSET,
  "apps/web/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  colour: blue\n",
};
BIG.forEach((blob, i) => (files[`apps/web/big-${String(i)}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-${String(i)}\ndata:\n  blob: ${blob}\n`));

let fleet: TestFleet;
let hub: NatsConnection;
let jsm: JetStreamManager;
let desired: KV;
let attacker: NatsConnection;
let victimSide: NatsConnection;
/** Every message seen in the hub's account and in the victim's account on the subjects the attacks aim at. */
const seen: { where: string; subject: string; stream: string | undefined; answered: string | undefined; data: Uint8Array }[] = [];

async function seed(cluster: string): Promise<Uint8Array> {
  return new TextEncoder().encode((await readFile(join(fleet.dir, "nats", `${cluster}.nk`), "utf8")).trim());
}

function spokeConnection(cluster: string, inbox = spokeConnectOptions(cluster).inboxPrefix): Promise<NatsConnection> {
  return seed(cluster).then((s) => connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(s), inboxPrefix: inbox, name: `insider-${cluster}`, reconnect: false }));
}

function watch(nc: NatsConnection, where: string, subject: string): void {
  nc.subscribe(subject, {
    callback: (_err, m: Msg) => {
      seen.push({ where, subject: m.subject, stream: m.headers?.get("Nats-Stream") || undefined, answered: m.headers?.get("Nats-Subject") || undefined, data: m.data });
    },
  });
}

/**
 * An answer to one of the attacker's requests (a direct get reply names the message it returns in
 * `Nats-Subject`) seen anywhere but on the mapped `_R_.` reply subject that carries it home.
 */
function landed(): typeof seen {
  return seen.filter((m) => m.answered?.includes(ATTACKER) === true && !m.subject.startsWith("_R_."));
}

async function expectDenied(promise: Promise<unknown>): Promise<void> {
  const err: unknown = await promise.then(
    () => new Error("expected a permission violation, the call succeeded"),
    (e: unknown) => e,
  );
  expect(`${String(err)} ${String((err as Error).cause)}`).toMatch(/permissions violation/i);
}

async function expectLogged(pattern: RegExp): Promise<void> {
  await fleet.waitFor(`nats-server to log ${String(pattern)}`, () => (pattern.test(fleet.logs("nats-server")) ? true : undefined), 10_000);
}

/** The attacker's publishes were read by the server once a later request on the same connection is answered. */
async function settle(): Promise<void> {
  await attacker.request(`$JS.API.DIRECT.GET.KV_flotilla-desired.$KV.flotilla-desired.${ATTACKER}`, undefined, { timeout: 5_000 });
  await hub.flush();
  await victimSide.flush();
  await new Promise((r) => setTimeout(r, 500));
}

interface Snapshot {
  victimEntry: { revision: number; value: string } | null;
  attackerEntry: { revision: number; value: string } | null;
  desiredLastSeq: number;
  victimObjects: { messages: number; lastSeq: number };
  keys: string[];
}

async function snapshot(): Promise<Snapshot> {
  const entry = async (key: string) => {
    const e = await desired.get(key);
    return e === null ? null : { revision: e.revision, value: e.string() };
  };
  const objects = await jsm.streams.info(`OBJ_flotilla-bundles-${VICTIM}`);
  const keys: string[] = [];
  for await (const k of await desired.keys()) keys.push(k);
  return {
    victimEntry: await entry(VICTIM),
    attackerEntry: await entry(ATTACKER),
    desiredLastSeq: (await jsm.streams.info("KV_flotilla-desired")).state.last_seq,
    victimObjects: { messages: objects.state.messages, lastSeq: objects.state.last_seq },
    keys: keys.sort(),
  };
}

async function victimWorkloads(): Promise<string[]> {
  const list = await fleet.getJson<{ items: { metadata: { name: string } }[] }>(VICTIM, "configmaps", "-n", "web");
  return (list?.items ?? []).map((i) => i.metadata.name).sort();
}

beforeAll(async () => {
  fleet = await startFleet({ files, clusters: [{ name: ATTACKER, labels: { env: "prod" } }, { name: VICTIM, labels: { env: "prod" } }] });
  await fleet.converged(await fleet.repo.head());
  hub = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(await seed("hub")), name: "observer-hub-account", reconnect: false });
  jsm = await jetstreamManager(hub);
  desired = await new Kvm(hub).open("flotilla-desired");
  attacker = await spokeConnection(ATTACKER);
  victimSide = await spokeConnection(VICTIM);
  for (const subject of ["$KV.>", "$O.>", "flotilla.>", "$JS.API.STREAM.>", "$JS.API.CONSUMER.>", "_R_.>"]) watch(hub, "hub", subject);
  for (const subject of [`flotilla.${FLEET}.notify.${VICTIM}`, `_INBOX_${VICTIM}.>`]) watch(victimSide, "victim", subject);
  await hub.flush();
  await victimSide.flush();
}, 240_000);

afterAll(async () => {
  await attacker?.close();
  await victimSide?.close();
  await hub?.close();
  await fleet?.stop();
});

describe("a spoke's permitted JetStream requests with reply subjects aimed elsewhere", () => {
  it("each cluster got its ~3.5 MiB bundle through its object bucket, across the account boundary", async () => {
    for (const cluster of [ATTACKER, VICTIM]) {
      const entry = await desired.get(cluster);
      expect(parseEnvelope(entry?.value).bundleRef?.bucket).toBe(`flotilla-bundles-${cluster}`);
    }
    expect(await victimWorkloads()).toEqual(["big-0", "big-1", "big-2", "big-3", "big-4", "web-config"]);
    const big = await fleet.getJson<{ data: { blob: string } }>(VICTIM, "configmap", "big-3", "-n", "web");
    expect(big?.data.blob === BIG[3]).toBe(true);
  });

  it("lands nowhere: not in another cluster's KV key, status, object bucket, hello/status/notify, nor the JS API", async () => {
    const before = await snapshot();
    const ownEnvelope = parseEnvelope((await desired.get(ATTACKER))?.value);
    const ownObject = ownEnvelope.bundleRef?.object ?? "";
    const metaSubject = `$O.flotilla-bundles-${ATTACKER}.M.${Buffer.from(ownObject).toString("base64").replace(/\+/g, "-").replace(/\//g, "_")}`;
    // Control: the same requests with the attacker's own inbox are answered, and the answer crosses
    // into the hub's account only as a mapped `_R_.` reply.
    const control = await attacker.request(`$JS.API.DIRECT.GET.KV_flotilla-desired.$KV.flotilla-desired.${ATTACKER}`, undefined, { timeout: 5_000 });
    expect(parseEnvelope(control.data).cluster).toBe(ATTACKER);
    const meta = await attacker.request(`$JS.API.DIRECT.GET.OBJ_flotilla-bundles-${ATTACKER}`, JSON.stringify({ last_by_subj: metaSubject }), { timeout: 5_000 });
    expect(JSON.parse(meta.string())).toMatchObject({ name: ownObject });
    await settle();
    expect(seen.some((m) => m.where === "hub" && m.subject.startsWith("_R_.") && m.stream !== undefined)).toBe(true);

    const targets = [
      `$KV.flotilla-desired.${VICTIM}`,
      `$KV.flotilla-desired.injected`,
      `$KV.flotilla-status.cluster.${VICTIM}`,
      `$KV.flotilla-status.injected`,
      `$O.flotilla-bundles-${VICTIM}.C.injected`,
      `$O.flotilla-bundles-${VICTIM}.M.aW5qZWN0ZWQ=`,
      `flotilla.${FLEET}.hello.${VICTIM}`,
      `flotilla.${FLEET}.status.${VICTIM}`,
      `flotilla.${FLEET}.notify.${VICTIM}`,
      `$JS.API.STREAM.PURGE.KV_flotilla-desired`,
      `$JS.API.STREAM.PURGE.OBJ_flotilla-bundles-${VICTIM}`,
      `$JS.API.STREAM.DELETE.OBJ_flotilla-bundles-${VICTIM}`,
      `_INBOX_${VICTIM}.injected`,
    ];
    const rollup = headers();
    rollup.set("Nats-Rollup", "all");
    for (const reply of targets) {
      attacker.publish(`$JS.API.DIRECT.GET.KV_flotilla-desired.$KV.flotilla-desired.${ATTACKER}`, undefined, { reply });
      attacker.publish(`$JS.API.DIRECT.GET.KV_flotilla-desired.$KV.flotilla-desired.${ATTACKER}`, undefined, { reply, headers: rollup });
      attacker.publish(`$JS.API.DIRECT.GET.OBJ_flotilla-bundles-${ATTACKER}`, JSON.stringify({ last_by_subj: metaSubject }), { reply });
      attacker.publish(`$JS.API.DIRECT.GET.OBJ_flotilla-bundles-${ATTACKER}`, JSON.stringify({ seq: 1 }), { reply });
      // What the config granted before accounts: now neither permitted nor imported.
      attacker.publish(`$JS.API.STREAM.MSG.GET.OBJ_flotilla-bundles-${ATTACKER}`, JSON.stringify({ last_by_subj: metaSubject }), { reply });
    }
    await attacker.flush();
    await settle();

    expect(landed()).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect(await desired.get("injected")).toBeNull();
    expect(await (await new Kvm(hub).open("flotilla-status")).get("injected")).toBeNull();
    await expectLogged(new RegExp(`Publish Violation.*Subject "\\$JS\\.API\\.STREAM\\.MSG\\.GET\\.OBJ_flotilla-bundles-${ATTACKER}"`));
  });

  it("cannot read another cluster's key or objects (NATS_PERMISSION_DENIED)", async () => {
    const err = await fetchDesiredState(attacker, { fleet: FLEET, cluster: VICTIM }).catch((e: unknown) => e);
    expect(isProtocolError(err) && err.code).toBe(PROTOCOL_ERROR_CODES.permissionDenied);
    await expectDenied(attacker.request(`$JS.API.DIRECT.GET.OBJ_flotilla-bundles-${VICTIM}`, JSON.stringify({ seq: 1 }), { timeout: 5_000 }));
    await expectDenied(attacker.request(`$JS.API.DIRECT.GET.KV_flotilla-desired`, JSON.stringify({ last_by_subj: `$KV.flotilla-desired.${VICTIM}` }), { timeout: 5_000 }));
    await expectDenied(attacker.request(`$JS.API.STREAM.MSG.GET.KV_flotilla-desired`, JSON.stringify({ last_by_subj: `$KV.flotilla-desired.${VICTIM}` }), { timeout: 5_000 }));
  });

  it("cannot subscribe to another cluster's inbox or notify, nor to the shared _INBOX.", async () => {
    for (const subject of [`_INBOX_${VICTIM}.>`, "_INBOX.>", `flotilla.${FLEET}.notify.${VICTIM}`, ">"]) {
      const sub = attacker.subscribe(subject);
      await expectDenied((async () => {
        for await (const _ of sub) return;
      })());
    }
  });

  it("the _INBOX_<cluster> rule: with the default inbox prefix a spoke user gets no answer at all; with its own prefix it does", async () => {
    const defaultInbox = await spokeConnection(ATTACKER, "_INBOX");
    try {
      const err = await fetchDesiredState(defaultInbox, { fleet: FLEET, cluster: ATTACKER }).catch((e: unknown) => e);
      expect(isProtocolError(err) && err.code).toBe(PROTOCOL_ERROR_CODES.permissionDenied);
    } finally {
      await defaultInbox.close();
    }
    // Another cluster's prefix is not the attacker's either.
    const borrowed = await spokeConnection(ATTACKER, `_INBOX_${VICTIM}`);
    try {
      const err = await fetchDesiredState(borrowed, { fleet: FLEET, cluster: ATTACKER }).catch((e: unknown) => e);
      expect(isProtocolError(err) && err.code).toBe(PROTOCOL_ERROR_CODES.permissionDenied);
    } finally {
      await borrowed.close();
    }
    expect((await fetchDesiredState(attacker, { fleet: FLEET, cluster: ATTACKER }))?.envelope.cluster).toBe(ATTACKER);
  });

  it("cannot publish another cluster's hello or status, nor write KV or objects with a Nats-Rollup header", async () => {
    const before = await snapshot();
    const forged = encodeMessage(signStatusReport({ fleet: FLEET, cluster: VICTIM, sentAt: new Date().toISOString(), apps: [] }, generateSigningKey()));
    const rollup = headers();
    rollup.set("Nats-Rollup", "all");
    rollup.set("KV-Operation", "PURGE");
    attacker.publish(`flotilla.${FLEET}.status.${VICTIM}`, forged);
    attacker.publish(`flotilla.${FLEET}.hello.${VICTIM}`, forged);
    attacker.publish(`$KV.flotilla-desired.${ATTACKER}`, new Uint8Array(), { headers: rollup });
    attacker.publish(`$KV.flotilla-status.cluster.${ATTACKER}`, new Uint8Array(), { headers: rollup });
    attacker.publish(`$O.flotilla-bundles-${ATTACKER}.M.x`, new Uint8Array(), { headers: rollup });
    await attacker.flush();
    await settle();
    const forgedText = Buffer.from(forged).toString();
    expect(seen.filter((m) => Buffer.from(m.data).toString() === forgedText)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    await expectLogged(new RegExp(`Publish Violation.*Subject "flotilla\\.${FLEET}\\.status\\.${VICTIM}"`));
    await expectLogged(/Publish Violation.*Subject "\$KV\.flotilla-desired\.prod-eu"/);
  });

  it("cannot create a consumer, so cannot redirect deliveries with deliver_subject", async () => {
    const config = (stream: string, filter: string) =>
      JSON.stringify({ stream_name: stream, config: { deliver_subject: `flotilla.${FLEET}.hello.${VICTIM}`, filter_subject: filter, ack_policy: "none", deliver_policy: "all" } });
    const obj = `OBJ_flotilla-bundles-${ATTACKER}`;
    await expectDenied(attacker.request(`$JS.API.CONSUMER.CREATE.${obj}.x.$O.flotilla-bundles-${ATTACKER}.C.*`, config(obj, `$O.flotilla-bundles-${ATTACKER}.C.*`), { timeout: 5_000 }));
    await expectDenied(attacker.request(`$JS.API.CONSUMER.CREATE.${obj}`, config(obj, `$O.flotilla-bundles-${ATTACKER}.C.*`), { timeout: 5_000 }));
    await expectDenied(
      attacker.request(`$JS.API.CONSUMER.CREATE.KV_flotilla-desired.x.$KV.flotilla-desired.${ATTACKER}`, config("KV_flotilla-desired", `$KV.flotilla-desired.${ATTACKER}`), { timeout: 5_000 }),
    );
    await expectDenied(attacker.request(`$JS.FC.${obj}.x.y`, undefined, { timeout: 5_000 }));
    await settle();
    expect(landed()).toEqual([]);
  });

  it("after all of it and a hub restart, the victim still runs its own workloads at a newer generation", async () => {
    const generation = parseEnvelope((await desired.get(VICTIM))?.value).generation;
    await fleet.stopHub();
    await fleet.startHub();
    const head = await fleet.repo.commit({ "apps/web/configmap.yaml": files["apps/web/configmap.yaml"]?.replace("blue", "green") ?? "" }, "green");
    const [, victim] = await fleet.converged(head);
    expect(victim?.desired?.generation).toBeGreaterThan(generation);
    expect(victim?.errors).toEqual([]);
    expect(await victimWorkloads()).toEqual(["big-0", "big-1", "big-2", "big-3", "big-4", "web-config"]);
    expect((await fleet.getJson<{ data: { colour: string } }>(VICTIM, "configmap", "web-config", "-n", "web"))?.data.colour).toBe("green");
  });
});

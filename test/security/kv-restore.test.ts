import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Kvm, type KV } from "@nats-io/kv";
import { connect, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PROTOCOL_ERROR_CODES,
  createEnvelope,
  encodeBundle,
  generateSigningKey,
  loadSigningKey,
  parseEnvelope,
  verifyEnvelope,
  type SigningKey,
} from "../../protocol/index.js";
import { startFleet, PLAIN_WEB_APPSET, type TestFleet } from "../e2e/fleet-harness.js";

// A hub restarts and rebuilds its memory of what each cluster runs from `flotilla-desired`. Whoever
// could write that bucket (before per-spoke accounts: any spoke, through a JetStream reply subject;
// always: anyone with the hub's NATS credentials) must not be able to choose what the hub then signs.
// Each case writes one bad value into the victim's key with the hub's credentials while the hub is
// down, restarts the hub and checks: the value is reported with its code, never used or re-signed
// for the victim, the generation only moves forward, and the victim's workload is never pruned.

const FLEET = "demo";
const OTHER = "prod-eu";
const VICTIM = "prod-us";
const files = {
  "appsets/web.yaml": PLAIN_WEB_APPSET,
  "apps/web/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  colour: blue\n",
};

let fleet: TestFleet;
let hub: NatsConnection;
let desired: KV;
let hubKey: SigningKey;
let firstVictimValue: Uint8Array;
let workloadUid: string;

async function workloadUidNow(): Promise<string | undefined> {
  return (await fleet.getJson<{ metadata: { uid: string } }>(VICTIM, "configmap", "web-config", "-n", "web"))?.metadata.uid;
}

/** Every value the key held, newest last, with the KV revision. */
async function history(): Promise<{ revision: number; value: Uint8Array }[]> {
  const out: { revision: number; value: Uint8Array }[] = [];
  for await (const e of await desired.history({ key: VICTIM })) if (e.operation === "PUT") out.push({ revision: e.revision, value: e.value });
  return out.sort((a, b) => a.revision - b.revision);
}

/** The highest generation the hub signed for the victim so far. */
async function genuineGeneration(): Promise<number> {
  let max = 0;
  for (const e of await history()) {
    const v = verifyEnvelope({ envelope: e.value, hubPublicKey: fleet.hubKey(), fleet: FLEET, cluster: VICTIM, minGeneration: 0 });
    if (v.ok) max = Math.max(max, v.envelope.generation);
  }
  return max;
}

/** Stops the hub, writes `value` into the victim's key as the hub's NATS user would, starts the hub and waits for the fleet. */
async function restartWith(value: Uint8Array | string, code: string): Promise<void> {
  const before = await genuineGeneration();
  await fleet.stopHub();
  const poisoned = await desired.put(VICTIM, value);
  await fleet.startHub();
  const [, victim] = await fleet.converged(await fleet.repo.head());
  // Reported: in the hub's log with the code, and on the cluster in the API.
  expect(fleet.logs("hub")).toMatch(new RegExp(`"code":"${code}".*desired-state entry rejected on restore|desired-state entry rejected on restore.*"code":"${code}"`));
  expect(victim?.errors.map((e) => e.code)).toContain(code);
  // Never used: everything put after it is the hub's own envelope for the victim, with the victim's
  // own apps, at a generation above every one the hub signed before.
  const after = (await history()).filter((e) => e.revision > poisoned);
  expect(after.length).toBeGreaterThan(0);
  for (const e of after) {
    const v = verifyEnvelope({ envelope: e.value, hubPublicKey: fleet.hubKey(), fleet: FLEET, cluster: VICTIM, minGeneration: before + 1 });
    expect(v.ok ? v.bundle.apps.map((a) => a.name) : v.error.code).toEqual([`web-${VICTIM}`]);
  }
  expect(victim?.desired?.generation).toBe(await genuineGeneration());
  expect(victim?.applied?.generation).toBeGreaterThan(before);
  // The workload was never pruned (same object, not deleted and re-created).
  expect(await workloadUidNow()).toBe(workloadUid);
}

beforeAll(async () => {
  fleet = await startFleet({ files, clusters: [{ name: OTHER, labels: { env: "prod" } }, { name: VICTIM, labels: { env: "prod" } }] });
  await fleet.converged(await fleet.repo.head());
  hub = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(new TextEncoder().encode((await readFile(join(fleet.dir, "nats", "hub.nk"), "utf8")).trim())), reconnect: false });
  desired = await new Kvm(hub).open("flotilla-desired");
  hubKey = loadSigningKey(await readFile(join(fleet.dir, "hub", "signing-key.pem"), "utf8"));
  firstVictimValue = (await desired.get(VICTIM))?.value ?? new Uint8Array();
  workloadUid = (await workloadUidNow()) ?? "";
  expect(workloadUid).not.toBe("");
}, 240_000);

afterAll(async () => {
  await hub?.close();
  await fleet?.stop();
});

function envelopeFor(input: { fleet: string; cluster: string; generation: number; key: SigningKey; apps?: [] }): Uint8Array {
  const bundle = { apiVersion: "flotilla.dev/v1", kind: "Bundle", cluster: input.cluster, revision: "forged", apps: input.apps ?? [] } as const;
  return createEnvelope({ fleet: input.fleet, cluster: input.cluster, generation: input.generation, revision: "forged", issuedAt: Date.now(), bundle: encodeBundle(bundle), signingKey: input.key, maxPayload: 1024 * 1024 }).value;
}

describe("a restarted hub and a bad flotilla-desired entry", () => {
  it("another cluster's genuine envelope in the victim's key: ENVELOPE_WRONG_CLUSTER", async () => {
    const foreign = (await desired.get(OTHER))?.value ?? new Uint8Array();
    expect(parseEnvelope(foreign).cluster).toBe(OTHER);
    await restartWith(foreign, PROTOCOL_ERROR_CODES.wrongCluster);
  });

  it("an envelope with no apps signed by another key, far ahead in generation: ENVELOPE_UNKNOWN_KEY, and its generation is not adopted", async () => {
    const forgedGeneration = (await genuineGeneration()) + 1000;
    await restartWith(envelopeFor({ fleet: FLEET, cluster: VICTIM, generation: forgedGeneration, key: generateSigningKey() }), PROTOCOL_ERROR_CODES.unknownKey);
    expect(await genuineGeneration()).toBeLessThan(forgedGeneration);
  });

  it("the hub's own envelope with an edited header: ENVELOPE_SIGNATURE_INVALID", async () => {
    const current = JSON.parse(Buffer.from((await desired.get(VICTIM))?.value ?? []).toString()) as Record<string, unknown>;
    await restartWith(JSON.stringify({ ...current, generation: Number(current.generation) + 50 }), PROTOCOL_ERROR_CODES.signatureInvalid);
  });

  it("an envelope the hub's key signed for another fleet: ENVELOPE_WRONG_FLEET", async () => {
    await restartWith(envelopeFor({ fleet: "other", cluster: VICTIM, generation: (await genuineGeneration()) + 1, key: hubKey }), PROTOCOL_ERROR_CODES.wrongFleet);
  });

  it("garbage: PROTOCOL_MALFORMED", async () => {
    await restartWith("{not json", PROTOCOL_ERROR_CODES.malformed);
  });

  it("the victim's own older envelope put back: ENVELOPE_STALE_GENERATION, and the generation does not go backwards", async () => {
    expect(parseEnvelope(firstVictimValue).generation).toBeLessThan(await genuineGeneration());
    await restartWith(firstVictimValue, PROTOCOL_ERROR_CODES.staleGeneration);
  });
});

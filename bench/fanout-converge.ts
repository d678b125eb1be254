/**
 * fanout-converge: commit → all spokes fetched, at 100, 1 000 and 10 000 simulated spokes, against a
 * real nats-server. The hub side is exactly what the hub publishes (DesiredStateStore.putMany, then
 * one core notify per cluster, then flush); each simulated spoke does what the real spoke does on a
 * notify (bench/simulated-spokes.ts: per-key direct get with fetchDesiredState, then verifyEnvelope;
 * no JetStream consumer). Envelopes are built before timing. One warm-up generation, then the
 * figure: the start of putMany to the moment every spoke has fetched and verified the new generation.
 *
 * The spokes share a pool of 32 NATS connections (10 k TCP connections from one 2-core process
 * would measure the process, not the protocol), and every spoke's signature check and gunzip runs in
 * this one Node thread, whereas real spokes verify in parallel: the figure is pessimistic.
 *
 * Baseline in the same process, on the same connections: the request/reply floor. Every spoke sends
 * one core-NATS request, a responder on the hub's connection answers with that cluster's real KV
 * value (the same bytes a fetch returns), and the spoke checks one ed25519 signature over the reply.
 * No JetStream, JSON, schema or gunzip: what any design with a fetch and a signature check must do.
 * Floor and fan-out alternate, ROUNDS times each, and the best of each is compared. Both keep at
 * most MAX_IN_FLIGHT requests in flight (more only time out while this one thread verifies).
 * Targets (ARCHITECTURE.md): ≤ 0.1 s / 0.5 s / 3 s at 100 / 1 k / 10 k, and ≤ 1.5× the floor.
 * The old floor (one notify per spoke, all received) is printed too, for comparison with older figures.
 *
 * Run: npm run build && node dist/bench/fanout-converge.js [spokes…]   (default 100 1000 10000)
 */
import { loadavg } from "node:os";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DesiredStateStore } from "../hub/index.js";
import { createNotify, encodeMessage, generateSigningKey, parsePublicKey, signBytes, subjects, verifyBytes, type SigningKey } from "../protocol/index.js";
import { startNats } from "../test/harness/index.js";
import { BENCH_FLEET, NOTIFY_MODE, SimulatedSpokes, buildEnvelopes, clusterNames } from "./simulated-spokes.js";

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1000, 10_000];
const CONNECTIONS = 32;
/** Fetches or floor requests in flight at once (SimulatedSpokes.maxInFlight), the same for both. */
const MAX_IN_FLIGHT = 512;
const MAX_RATIO = 1.5;
const ROUNDS = 2;
const TIMEOUT_MS = 120_000;
const FLOOR_SUBJECT = "bench.floor";

/** The absolute target for a fleet size (the next listed size up). */
function targetSeconds(spokes: number): number {
  if (spokes <= 100) return 0.1;
  if (spokes <= 1000) return 0.5;
  return 3;
}

interface Figures {
  readonly fanoutSeconds: readonly number[];
  readonly putManySeconds: number;
  readonly floorSeconds: readonly number[];
  readonly notifyFloorSeconds: number;
  readonly verifySeconds: number;
  readonly retries: number;
  readonly replyBytes: number;
}

type Envelopes = ReturnType<typeof buildEnvelopes>;

/** The hub's publish of one generation (DesiredStateStore as hub/hub-service uses it), then the wait for every spoke. */
async function publishGeneration(store: DesiredStateStore, spokes: SimulatedSpokes, envelopes: Envelopes, generation: number): Promise<{ total: number; putMany: number }> {
  spokes.arm(generation);
  const t0 = performance.now();
  await store.putMany(envelopes);
  const stored = performance.now();
  for (const e of envelopes) store.notify(BENCH_FLEET, e.envelope);
  await store.nc.flush();
  const done = await spokes.converged(TIMEOUT_MS);
  return { total: (done - t0) / 1000, putMany: (stored - t0) / 1000 };
}

/** The old floor: one plain message per cluster on the notify subjects, until every subscriber has it. */
async function notifyFloor(nc: NatsConnection, spokes: SimulatedSpokes, messages: readonly { subject: string; data: Uint8Array }[]): Promise<number> {
  spokes.arm(0, NOTIFY_MODE.floor);
  const t0 = performance.now();
  for (const m of messages) nc.publish(m.subject, m.data);
  await nc.flush();
  const done = await spokes.converged(TIMEOUT_MS);
  return (done - t0) / 1000;
}

/**
 * The request/reply floor's two sides: a responder on the hub's connection that answers each
 * cluster with its real KV value, and the spoke's check, one ed25519 verify of that reply.
 */
function floorParts(nc: NatsConnection, key: SigningKey, envelopes: Envelopes): { check: (cluster: string, reply: Uint8Array) => void; stop: () => void; replyBytes: number } {
  const values = new Map(envelopes.map((e) => [e.envelope.cluster, e.value]));
  const signatures = new Map(envelopes.map((e) => [e.envelope.cluster, signBytes(e.value, key)]));
  const pinned = parsePublicKey(key.publicKey);
  const sub = nc.subscribe(`${FLOOR_SUBJECT}.*`, {
    callback: (_err, msg) => {
      msg.respond(values.get(msg.subject.slice(FLOOR_SUBJECT.length + 1)));
    },
  });
  let replyBytes = 0;
  for (const v of values.values()) replyBytes += v.length;
  return {
    check: (cluster, reply) => {
      if (!verifyBytes(reply, signatures.get(cluster)!, pinned)) throw new Error(`floor reply for ${cluster} does not verify`);
    },
    stop: () => sub.unsubscribe(),
    replyBytes: replyBytes / values.size,
  };
}

async function runSize(options: { url: string; store: DesiredStateStore; key: SigningKey; size: number; firstGeneration: number }): Promise<Figures> {
  const { store, key, size, firstGeneration } = options;
  const clusters = clusterNames(size);
  const generations = Array.from({ length: ROUNDS + 1 }, (_, i) => buildEnvelopes({ clusters, generation: firstGeneration + i, signingKey: key, maxPayload: store.maxPayload }));
  const notifyMessages = clusters.map((cluster) => ({
    subject: subjects.notify(BENCH_FLEET, cluster),
    data: encodeMessage(createNotify({ fleet: BENCH_FLEET, cluster, generation: firstGeneration + 1, revision: "floor" })),
  }));
  const floor = floorParts(store.nc, key, generations[1]);
  await store.nc.flush();
  const spokes = new SimulatedSpokes({ servers: options.url, clusters, connections: CONNECTIONS, hubPublicKey: key.publicKey, fetchOnConnect: false, maxInFlight: MAX_IN_FLIGHT });
  await spokes.connect();
  const floorRound = async (): Promise<number> => (await spokes.requestFloor({ subject: (c) => `${FLOOR_SUBJECT}.${c}`, check: floor.check, timeoutMs: TIMEOUT_MS })) / 1000;
  try {
    // Warm-up: one generation and one floor round, not counted.
    await publishGeneration(store, spokes, generations[0], firstGeneration);
    await floorRound();
    await notifyFloor(store.nc, spokes, notifyMessages);
    const notifyFloorSeconds = await notifyFloor(store.nc, spokes, notifyMessages);
    const verifyBefore = spokes.verifyMs;
    const retriesBefore = spokes.retries;
    const floorSeconds: number[] = [];
    const fanoutSeconds: number[] = [];
    let putManySeconds = Number.POSITIVE_INFINITY;
    for (let r = 1; r <= ROUNDS; r++) {
      floorSeconds.push(await floorRound());
      const { total, putMany } = await publishGeneration(store, spokes, generations[r], firstGeneration + r);
      fanoutSeconds.push(total);
      putManySeconds = Math.min(putManySeconds, putMany);
    }
    return {
      fanoutSeconds,
      putManySeconds,
      floorSeconds,
      notifyFloorSeconds,
      verifySeconds: (spokes.verifyMs - verifyBefore) / 1000 / ROUNDS,
      retries: spokes.retries - retriesBefore,
      replyBytes: floor.replyBytes,
    };
  } finally {
    floor.stop();
    await spokes.close();
  }
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

const s3 = (values: readonly number[]): string => values.map((v) => v.toFixed(3)).join(", ");

async function main(): Promise<void> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  try {
    const store = await DesiredStateStore.open(nc);
    const key = generateSigningKey();
    process.stdout.write(`fanout-converge: commit → all spokes fetched and verified, nats-server ${store.serverVersion}, spokes on ${String(CONNECTIONS)} pooled connections, ${String(ROUNDS)} rounds\n`);
    let generation = 1;
    for (const size of SIZES) {
      const f = await runSize({ url: nats.url, store, key, size, firstGeneration: generation });
      generation += ROUNDS + 1;
      const target = targetSeconds(size);
      const best = Math.min(...f.fanoutSeconds);
      const floor = Math.min(...f.floorSeconds);
      const ratio = best / floor;
      process.stdout.write(
        [
          `  ${String(size)} spokes (load average ${load()}): ${best.toFixed(3)} s (rounds: ${s3(f.fanoutSeconds)})  target ≤ ${String(target)} s: ${best <= target ? "met" : "MISSED"}`,
          `    of which hub putMany (KV acknowledged): ${f.putManySeconds.toFixed(3)} s; spokes' verifyEnvelope CPU (one thread, per round): ${f.verifySeconds.toFixed(3)} s; fetches retried: ${String(f.retries)}`,
          `    baseline, request/reply floor (one core request + one ed25519 verify per spoke, ${f.replyBytes.toFixed(0)}-byte replies): ${floor.toFixed(3)} s (rounds: ${s3(f.floorSeconds)})`,
          `    ratio ${ratio.toFixed(2)}× the floor  target ≤ ${String(MAX_RATIO)}×: ${ratio <= MAX_RATIO ? "met" : "MISSED"}`,
          `    (old floor, one notify per spoke, all received: ${f.notifyFloorSeconds.toFixed(4)} s, ${(best / f.notifyFloorSeconds).toFixed(1)}×)`,
          "",
        ].join("\n"),
      );
    }
  } finally {
    await nc.close();
    await nats.stop();
  }
}

await main();

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
 * Baseline in the same process, on the same connections and subscriptions: the core-NATS floor, one
 * plain publish per cluster on the notify subjects until every subscriber has received its message.
 * Targets (ARCHITECTURE.md): ≤ 0.1 s / 0.5 s / 3 s at 100 / 1 k / 10 k, and ≤ 10× the floor.
 *
 * Run: npm run build && node dist/bench/fanout-converge.js [spokes…]   (default 100 1000 10000)
 */
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DesiredStateStore } from "../hub/index.js";
import { createNotify, encodeMessage, generateSigningKey, subjects, type SigningKey } from "../protocol/index.js";
import { startNats } from "../test/harness/index.js";
import { BENCH_FLEET, NOTIFY_MODE, SimulatedSpokes, buildEnvelopes, clusterNames } from "./simulated-spokes.js";

const SIZES = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [100, 1000, 10_000];
const CONNECTIONS = 32;
const MAX_RATIO = 10;
const TIMEOUT_MS = 120_000;

/** The absolute target for a fleet size (the next listed size up). */
function targetSeconds(spokes: number): number {
  if (spokes <= 100) return 0.1;
  if (spokes <= 1000) return 0.5;
  return 3;
}

interface Figures {
  readonly fanoutSeconds: number;
  readonly putManySeconds: number;
  readonly floorSeconds: number;
  readonly verifySeconds: number;
  readonly retries: number;
}

/** The hub's publish of one generation (DesiredStateStore as hub/hub-service uses it), then the wait for every spoke. */
async function publishGeneration(store: DesiredStateStore, spokes: SimulatedSpokes, envelopes: ReturnType<typeof buildEnvelopes>, generation: number): Promise<{ total: number; putMany: number }> {
  spokes.arm(generation);
  const t0 = performance.now();
  await store.putMany(envelopes);
  const stored = performance.now();
  for (const e of envelopes) store.notify(BENCH_FLEET, e.envelope);
  await store.nc.flush();
  const done = await spokes.converged(TIMEOUT_MS);
  return { total: (done - t0) / 1000, putMany: (stored - t0) / 1000 };
}

/** The core-NATS floor: one plain message per cluster on the notify subjects, until every subscriber has it. */
async function floor(nc: NatsConnection, spokes: SimulatedSpokes, messages: readonly { subject: string; data: Uint8Array }[]): Promise<number> {
  spokes.arm(0, NOTIFY_MODE.floor);
  const t0 = performance.now();
  for (const m of messages) nc.publish(m.subject, m.data);
  await nc.flush();
  const done = await spokes.converged(TIMEOUT_MS);
  return (done - t0) / 1000;
}

async function runSize(options: { url: string; store: DesiredStateStore; key: SigningKey; size: number; firstGeneration: number }): Promise<Figures> {
  const { store, key, size, firstGeneration } = options;
  const clusters = clusterNames(size);
  const warm = buildEnvelopes({ clusters, generation: firstGeneration, signingKey: key, maxPayload: store.maxPayload });
  const measured = buildEnvelopes({ clusters, generation: firstGeneration + 1, signingKey: key, maxPayload: store.maxPayload });
  const floorMessages = clusters.map((cluster) => ({
    subject: subjects.notify(BENCH_FLEET, cluster),
    data: encodeMessage(createNotify({ fleet: BENCH_FLEET, cluster, generation: firstGeneration + 1, revision: "floor" })),
  }));
  const spokes = new SimulatedSpokes({ servers: options.url, clusters, connections: CONNECTIONS, hubPublicKey: key.publicKey, fetchOnConnect: false });
  await spokes.connect();
  try {
    await publishGeneration(store, spokes, warm, firstGeneration);
    await floor(store.nc, spokes, floorMessages);
    const floorSeconds = await floor(store.nc, spokes, floorMessages);
    const verifyBefore = spokes.verifyMs;
    const retriesBefore = spokes.retries;
    const { total, putMany } = await publishGeneration(store, spokes, measured, firstGeneration + 1);
    return { fanoutSeconds: total, putManySeconds: putMany, floorSeconds, verifySeconds: (spokes.verifyMs - verifyBefore) / 1000, retries: spokes.retries - retriesBefore };
  } finally {
    await spokes.close();
  }
}

async function main(): Promise<void> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  try {
    const store = await DesiredStateStore.open(nc);
    const key = generateSigningKey();
    process.stdout.write(`fanout-converge: commit → all spokes fetched and verified, nats-server ${store.serverVersion}, spokes on ${String(CONNECTIONS)} pooled connections\n`);
    let generation = 1;
    for (const size of SIZES) {
      const f = await runSize({ url: nats.url, store, key, size, firstGeneration: generation });
      generation += 2;
      const target = targetSeconds(size);
      const ratio = f.fanoutSeconds / f.floorSeconds;
      process.stdout.write(
        [
          `  ${String(size)} spokes: ${f.fanoutSeconds.toFixed(3)} s  target ≤ ${String(target)} s: ${f.fanoutSeconds <= target ? "met" : "MISSED"}`,
          `    of which hub putMany (KV acknowledged): ${f.putManySeconds.toFixed(3)} s; spokes' verifyEnvelope CPU (one thread): ${f.verifySeconds.toFixed(3)} s; fetches retried: ${String(f.retries)}`,
          `    baseline, core-NATS floor (one notify per cluster, all received): ${f.floorSeconds.toFixed(4)} s  ratio ${ratio.toFixed(1)}× the floor  target ≤ ${String(MAX_RATIO)}×: ${ratio <= MAX_RATIO ? "met" : "MISSED"}`,
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

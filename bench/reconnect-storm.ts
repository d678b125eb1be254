/**
 * reconnect-storm: 10 000 simulated spokes resync after a nats-server restart. The hub publishes one
 * envelope per cluster (DesiredStateStore.putMany); the spokes (bench/simulated-spokes.ts, on a pool
 * of 50 NATS connections with the real spoke's reconnect settings: forever, 1 s + up to 1 s jitter)
 * each fetch their own key (per-key direct get) and verify it. Then the server is stopped and started
 * again on the same port and JetStream store dir; on each connection's "reconnect" status every spoke
 * on it fetches and verifies its key again, as the real spoke does.
 *
 * Figure: from the restarted server listening to every spoke having re-fetched and verified. Then the
 * JetStream consumers on the KV stream are counted (0: spokes never create one). Baseline in the same
 * process: the same spokes' first, cold fetch before the restart, timed the same way (from opening the
 * connections to every spoke verified). One process on 2 cores verifies all 10 k signatures in one
 * thread, so the figure is pessimistic. Target (ARCHITECTURE.md): ≤ 10 s; no per-spoke consumers.
 *
 * Run: npm run build && node dist/bench/reconnect-storm.js [spokes]   (default 10000)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { DesiredStateStore } from "../hub/index.js";
import { DESIRED_BUCKET, generateSigningKey } from "../protocol/index.js";
import { startNats, type NatsServerHandle } from "../test/harness/index.js";
import { SimulatedSpokes, buildEnvelopes, clusterNames } from "./simulated-spokes.js";

const SPOKES = Number(process.argv[2] ?? 10_000);
const CONNECTIONS = Math.min(50, SPOKES);
const TARGET_SECONDS = 10;
const TIMEOUT_MS = 120_000;

/** Publishes generation 1 for every cluster the way the hub does, and lets go of the hub's connection. */
async function publishAll(url: string, clusters: readonly string[], signingKey: ReturnType<typeof generateSigningKey>): Promise<string> {
  const nc = await connect({ servers: url });
  try {
    const store = await DesiredStateStore.open(nc);
    await store.putMany(buildEnvelopes({ clusters, generation: 1, signingKey, maxPayload: store.maxPayload }));
    return store.serverVersion;
  } finally {
    await nc.close();
  }
}

async function consumersOnDesired(url: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`KV_${DESIRED_BUCKET}`);
    return info.state.consumer_count;
  } finally {
    await nc.close();
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-reconnect-storm-"));
  const storeDir = join(dir, "nats");
  let nats: NatsServerHandle | undefined = await startNats({ storeDir });
  const { port, url } = nats;
  const clusters = clusterNames(SPOKES);
  const key = generateSigningKey();
  const spokes = new SimulatedSpokes({ servers: url, clusters, connections: CONNECTIONS, hubPublicKey: key.publicKey, fetchOnConnect: true });
  try {
    const version = await publishAll(url, clusters, key);

    spokes.arm(1);
    const tCold = performance.now();
    await spokes.connect();
    const coldSeconds = ((await spokes.converged(TIMEOUT_MS)) - tCold) / 1000;
    const coldRetries = spokes.retries;

    await nats.stop();
    nats = undefined;
    spokes.arm(1);
    const tStart = performance.now();
    nats = await startNats({ port, storeDir });
    const tReady = performance.now();
    const stormSeconds = ((await spokes.converged(TIMEOUT_MS)) - tReady) / 1000;
    const consumers = await consumersOnDesired(url);
    const back = spokes.reconnectedAt.map((t) => ((t - tReady) / 1000).toFixed(3));

    const ok = stormSeconds <= TARGET_SECONDS && consumers === 0;
    process.stdout.write(
      [
        `reconnect-storm: ${String(SPOKES)} spokes on ${String(CONNECTIONS)} pooled connections, nats-server ${version} restarted on the same port and store`,
        `  resync after restart (server listening → every spoke re-fetched and verified): ${stormSeconds.toFixed(3)} s  target ≤ ${String(TARGET_SECONDS)} s: ${stormSeconds <= TARGET_SECONDS ? "met" : "MISSED"}`,
        `    server start to listening: ${((tReady - tStart) / 1000).toFixed(3)} s; connections reconnected: ${String(back.length)} of ${String(CONNECTIONS)}, the first ${back[0] ?? "-"} s and the last ${back.at(-1) ?? "-"} s after listening (1 s + jitter); fetches retried: ${String(spokes.retries - coldRetries)}`,
        `  JetStream consumers on KV_${DESIRED_BUCKET} after the storm: ${String(consumers)}  no per-spoke consumers: ${consumers === 0 ? "met" : "MISSED"}`,
        `  baseline, cold first fetch (connect → every spoke fetched and verified): ${coldSeconds.toFixed(3)} s  ratio ${(stormSeconds / coldSeconds).toFixed(1)}× the cold fetch`,
        `  overall: ${ok ? "met" : "MISSED"}`,
        "",
      ].join("\n"),
    );
  } finally {
    await spokes.close();
    await nats?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

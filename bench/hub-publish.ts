/**
 * hub-publish: 10 000 cluster records published the way the hub publishes them
 * (DesiredStateStore.putMany: one pipeline of KV puts confirmed by the stream sequence, then the core
 * notifies), against a real nats-server. Envelopes are built first (compress + sign is CPU, reported
 * separately); the figure is the NATS time. Baselines in the same process: one acknowledged kv.put
 * per record, and the core-NATS floor (plain `nc.publish` of the same bytes). Target ≤ 0.5 s.
 *
 * Run: npm run build && node dist/bench/hub-publish.js [clusters]
 */
import { connect } from "@nats-io/transport-node";
import { DesiredStateStore, mapBounded } from "../hub/index.js";
import { createEnvelope, encodeBundle, generateSigningKey, type Bundle, type CreatedEnvelope } from "../protocol/index.js";
import { startNats } from "../test/harness/index.js";

const CLUSTERS = Number(process.argv[2] ?? 10_000);
const CONCURRENCY = 4096;
const TARGET_SECONDS = 0.5;

function bundleFor(i: number): Bundle {
  return {
    apiVersion: "flotilla.dev/v1",
    kind: "Bundle",
    cluster: `c${String(i)}`,
    revision: "0123456789abcdef0123456789abcdef01234567",
    apps: Array.from({ length: 3 }, (_, a) => ({
      name: `app${String(a)}-c${String(i)}`,
      namespace: `app${String(a)}`,
      objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `cfg${String(a)}`, namespace: `app${String(a)}` }, data: { cluster: `c${String(i)}`, replicas: String(i % 5) } }],
    })),
  };
}

async function main(): Promise<void> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  try {
    const store = await DesiredStateStore.open(nc);
    const key = generateSigningKey();
    const cpuStart = performance.now();
    const envelopes: CreatedEnvelope[] = [];
    for (let i = 0; i < CLUSTERS; i++) {
      envelopes.push(
        createEnvelope({ fleet: "bench", cluster: `c${String(i)}`, generation: 1, revision: "0123456789abcdef0123456789abcdef01234567", issuedAt: Date.now(), bundle: encodeBundle(bundleFor(i)), signingKey: key, maxPayload: store.maxPayload }),
      );
    }
    const cpuSeconds = (performance.now() - cpuStart) / 1000;
    const bytes = envelopes.reduce((n, e) => n + e.value.length, 0);

    // Warm-up: the first puts create the stream's first blocks.
    await mapBounded(envelopes.slice(0, 200), CONCURRENCY, (e) => store.put(e));

    const t0 = performance.now();
    const revisions = await store.putMany(envelopes);
    for (const e of envelopes) store.notify("bench", e.envelope);
    await nc.flush();
    const publishSeconds = (performance.now() - t0) / 1000;
    if (revisions.length !== CLUSTERS) throw new Error("not every record was stored");

    // The naive way, measured on the same records: one acknowledged kv.put per cluster, many in flight.
    const tNaive = performance.now();
    await mapBounded(envelopes, CONCURRENCY, (e) => store.put(e));
    const naiveSeconds = (performance.now() - tNaive) / 1000;

    const t1 = performance.now();
    for (const e of envelopes) nc.publish(`bench.floor.${e.envelope.cluster}`, e.value);
    await nc.flush();
    const floorSeconds = (performance.now() - t1) / 1000;

    const ok = publishSeconds <= TARGET_SECONDS;
    process.stdout.write(
      [
        `hub-publish: ${String(CLUSTERS)} cluster records (${(bytes / 1024 / 1024).toFixed(1)} MiB of envelopes) on nats-server ${store.serverVersion}`,
        `  NATS time (pipelined KV puts + notify, as the hub publishes): ${publishSeconds.toFixed(3)} s  (${String(Math.round(CLUSTERS / publishSeconds))} records/s)  target ≤ ${String(TARGET_SECONDS)} s: ${ok ? "met" : "MISSED"}`,
        `  baseline, one acknowledged kv.put per record (${String(CONCURRENCY)} in flight): ${naiveSeconds.toFixed(3)} s  ratio ${(naiveSeconds / publishSeconds).toFixed(1)}× slower`,
        `  baseline, core-NATS floor (plain publish of the same bytes): ${floorSeconds.toFixed(3)} s  ratio ${(publishSeconds / floorSeconds).toFixed(1)}× the floor`,
        `  envelope build (gzip + ed25519, CPU, not NATS time): ${cpuSeconds.toFixed(3)} s`,
        "",
      ].join("\n"),
    );
  } finally {
    await nc.close();
    await nats.stop();
  }
}

await main();

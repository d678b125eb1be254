/**
 * payload-limits: large bundles (1, 4 and 8 MiB of canonical bundle JSON, incompressible: random
 * base64 in one ConfigMap) travel hub → spoke the way the product moves them, against a real
 * nats-server with its default 1 MiB max_payload. The hub side builds the envelope (gzip + ed25519,
 * CPU, reported apart) and publishes with DesiredStateStore.put (bundle over max_payload → object
 * store `flotilla-bundles-<cluster>`, then the KV entry); the spoke side, on a second connection,
 * runs fetchDesiredState and verifyEnvelope. "Intact" means: the signature and digest verify, the
 * verified bundle bytes equal the published ones byte for byte, the ConfigMap's blob equals the
 * original string, and the object read back equals the object written. Each size runs REPS times
 * with fresh content; times are medians. Baseline in the same process: a raw object-store putBlob
 * + getBlob (@nats-io/obj) of the same compressed bytes, no envelope, signature or verification.
 * Target: bundles up to 8 MiB delivered intact.
 *
 * Run: npm run build && node dist/bench/payload-limits.js
 */
import { randomBytes } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { Objm } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { DesiredStateStore } from "../hub/index.js";
import { createEnvelope, encodeBundle, fetchDesiredState, generateSigningKey, verifyEnvelope, type Bundle } from "../protocol/index.js";
import { startNats } from "../test/harness/index.js";

const MIB = 1024 * 1024;
const SIZES_MIB = [1, 4, 8] as const;
const REPS = 3;
const FLEET = "bench";
const REVISION = "0123456789abcdef0123456789abcdef01234567";

function bundleWith(cluster: string, blob: string): Bundle {
  return {
    apiVersion: "flotilla.dev/v1",
    kind: "Bundle",
    cluster,
    revision: REVISION,
    apps: [{ name: "blob", namespace: "default", objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "blob", namespace: "default" }, data: { blob } }] }],
  };
}

/** Random base64 sized so the encoded bundle is exactly `bytes` long (gzip cannot shrink it much). */
function blobFor(cluster: string, bytes: number): string {
  const overhead = encodeBundle(bundleWith(cluster, "")).size;
  const length = bytes - overhead;
  return randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString("base64")
    .slice(0, length);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

interface SizeResult {
  readonly mib: number;
  readonly intact: boolean;
  readonly why: string[];
  readonly path: string;
  readonly compressedMiB: number;
  readonly build: number;
  readonly publish: number;
  readonly fetch: number;
  readonly verify: number;
  readonly raw: number;
}

async function main(): Promise<void> {
  const nats = await startNats();
  const hub = await connect({ servers: nats.url, name: "bench-hub" });
  const spoke = await connect({ servers: nats.url, name: "bench-spoke" });
  try {
    const store = await DesiredStateStore.open(hub);
    const key = generateSigningKey();
    const rawPut = await new Objm(jetstream(hub)).create("bench-raw");
    const rawGet = await new Objm(jetstream(spoke)).open("bench-raw");
    const results: SizeResult[] = [];

    for (const mib of SIZES_MIB) {
      const cluster = `size-${String(mib)}mib`;
      const why: string[] = [];
      const times = { build: [] as number[], publish: [] as number[], fetch: [] as number[], verify: [] as number[], raw: [] as number[] };
      let path = "";
      let compressed = 0;
      for (let rep = 0; rep < REPS; rep++) {
        const blob = blobFor(cluster, mib * MIB);
        const encoded = encodeBundle(bundleWith(cluster, blob));
        if (encoded.size !== mib * MIB) why.push(`bundle is ${String(encoded.size)} bytes, not ${String(mib * MIB)}`);

        let t = performance.now();
        const created = createEnvelope({ fleet: FLEET, cluster, generation: rep + 1, revision: REVISION, issuedAt: Date.now(), bundle: encoded, signingKey: key, maxPayload: store.maxPayload });
        times.build.push(seconds(t));
        path = created.external === undefined ? "inline in the KV entry" : `object store ${created.external.bucket}`;
        compressed = created.envelope.bundleRef?.size ?? Buffer.from(created.envelope.bundle ?? "", "base64").length;

        t = performance.now();
        await store.put(created);
        times.publish.push(seconds(t));

        t = performance.now();
        const fetched = await fetchDesiredState(spoke, { fleet: FLEET, cluster });
        times.fetch.push(seconds(t));

        t = performance.now();
        const verified = verifyEnvelope({ envelope: fetched?.envelope, hubPublicKey: key.publicKey, fleet: FLEET, cluster, minGeneration: rep + 1 });
        times.verify.push(seconds(t));

        if (!verified.ok) why.push(`rep ${String(rep)}: ${verified.error.message}`);
        else {
          if (!Buffer.from(verified.bundleBytes).equals(Buffer.from(encoded.bytes))) why.push(`rep ${String(rep)}: bundle bytes differ`);
          const got = (verified.bundle.apps[0]?.objects[0] as { data?: { blob?: string } } | undefined)?.data?.blob;
          if (got !== blob) why.push(`rep ${String(rep)}: ConfigMap blob differs`);
        }
        if (created.external !== undefined && !Buffer.from(fetched?.envelope.bundle ?? "", "base64").equals(Buffer.from(created.external.data))) {
          why.push(`rep ${String(rep)}: object read back differs from the object written`);
        }

        // Baseline: the same compressed bytes through a plain object bucket, put by one connection, got by the other.
        const data = created.external?.data ?? Buffer.from(created.envelope.bundle ?? "", "base64");
        const name = `${cluster}-${String(rep)}`;
        t = performance.now();
        await rawPut.putBlob({ name }, data);
        const back = await rawGet.getBlob(name);
        times.raw.push(seconds(t));
        if (back === null || !Buffer.from(back).equals(Buffer.from(data))) why.push(`rep ${String(rep)}: raw object round trip differs`);
        await rawPut.delete(name);
      }
      results.push({
        mib,
        intact: why.length === 0,
        why,
        path,
        compressedMiB: compressed / MIB,
        build: median(times.build),
        publish: median(times.publish),
        fetch: median(times.fetch),
        verify: median(times.verify),
        raw: median(times.raw),
      });
    }

    const lines = [`payload-limits: bundles of ${SIZES_MIB.join(", ")} MiB (random base64), hub → spoke on nats-server ${store.serverVersion}, max_payload ${String(store.maxPayload)} bytes, median of ${String(REPS)} runs each`];
    for (const r of results) {
      const delivered = r.publish + r.fetch + r.verify;
      lines.push(
        `  ${String(r.mib)} MiB (gzip ${r.compressedMiB.toFixed(2)} MiB, ${r.path}): delivered intact ${r.intact ? "yes" : `NO (${r.why.join("; ")})`}`,
        `    publish + fetch + verify ${delivered.toFixed(3)} s (put ${r.publish.toFixed(3)}, fetch ${r.fetch.toFixed(3)}, verify ${r.verify.toFixed(3)})  ${(r.mib / delivered).toFixed(1)} MiB/s of bundle`,
        `    baseline, raw object put + get of the same ${r.compressedMiB.toFixed(2)} MiB: ${r.raw.toFixed(3)} s  ${(r.compressedMiB / r.raw).toFixed(1)} MiB/s  ratio ${(delivered / r.raw).toFixed(2)}× the raw round trip`,
        `    envelope build (gzip + ed25519, CPU, not counted above): ${r.build.toFixed(3)} s`,
      );
    }
    const ok = results.every((r) => r.intact);
    lines.push(`  target: bundles up to 8 MiB delivered intact: ${ok ? "met" : "MISSED"}`, "");
    process.stdout.write(lines.join("\n"));
  } finally {
    await spoke.close();
    await hub.close();
    await nats.stop();
  }
}

await main();

import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { Objm } from "@nats-io/obj";
import { connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { generateSealingKey, type GeneratedSealingKey } from "../../crypto/open.js";
import { systemClock } from "../../core/index.js";
import { decompressBundle, DESIRED_BUCKET, STATUS_BUCKET } from "../../protocol/index.js";
import { plaintextForms } from "../harness/index.js";
import type { TestFleet } from "../e2e/fleet-harness.js";

/** A fresh sealing key pair and certificate made by our own code (2048 bits: tests only). */
export function testSealingKey(): Promise<GeneratedSealingKey> {
  return generateSealingKey({ clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), bits: 2048 });
}

/**
 * Every spelling of a secret value an attacker could get out: its encoded forms (hex, base64,
 * case changes: plaintextForms), and every substring of 4 characters or more of the value, its
 * upper, lower and reversed forms.
 */
export function leakForms(value: string): string[] {
  const forms = new Set<string>(plaintextForms(value));
  for (const v of [value, value.toUpperCase(), value.toLowerCase(), [...value].reverse().join("")]) {
    for (let i = 0; i + 4 <= v.length; i++) for (let j = i + 4; j <= v.length; j++) forms.add(v.slice(i, j));
  }
  return [...forms];
}

/** The leak forms of `value` found in `text` (empty when nothing leaked). */
export function leaksIn(text: string, value: string): string[] {
  return leakForms(value).filter((form) => text.includes(form));
}

export interface EverythingShownOptions {
  /** `/metrics` addresses of spokes started with `--metrics-addr`, by cluster. */
  readonly spokeMetrics?: ReadonlyMap<string, string> | undefined;
}

/**
 * Everything a fleet shows, as text by where it was read: every process's log, the hub's API,
 * dashboard pages and /metrics, the spokes' /metrics, every entry of both KV buckets and every
 * bundle in the object stores (read with the hub's own NATS credentials, decompressed).
 */
export async function everythingShown(fleet: TestFleet, options: EverythingShownOptions = {}): Promise<Record<string, string>> {
  const seen: Record<string, string> = { "hub log": fleet.logs("hub"), "spoke log": fleet.logs("spoke"), "nats log": fleet.logs("nats-server") };
  const paths = ["/", "/rollouts", "/metrics", "/api/v1/clusters", "/api/v1/applications", "/api/v1/rollouts", "/api/v1/sources"];
  for (const c of fleet.clusters) paths.push(`/clusters/${c.name}`, `/api/v1/clusters/${c.name}`, `/api/v1/applications?cluster=${c.name}`);
  for (const path of paths) seen[`hub ${path}`] = await (await fetch(`${fleet.hubUrl()}${path}`)).text();
  for (const [cluster, url] of options.spokeMetrics ?? []) seen[`spoke ${cluster} /metrics`] = await (await fetch(url)).text();
  const seed = (await readFile(fleet.nkeyFile("hub"), "utf8")).trim();
  const nc = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) });
  try {
    const js = jetstream(nc);
    const kvm = new Kvm(js);
    for (const bucket of [DESIRED_BUCKET, STATUS_BUCKET]) {
      const kv = await kvm.open(bucket);
      for await (const key of await kv.keys()) {
        const entry = await kv.get(key);
        if (entry === null) continue;
        const text = new TextDecoder().decode(entry.value);
        seen[`KV ${bucket}/${key}`] = text;
        // A small bundle rides inside the envelope, gzipped and base64-encoded: read it decoded too.
        const inline = bucket === DESIRED_BUCKET ? (JSON.parse(text) as { bundle?: string }).bundle : undefined;
        if (inline !== undefined) seen[`bundle in KV ${bucket}/${key}`] = new TextDecoder().decode(decompressBundle(Buffer.from(inline, "base64"), 64 * 1024 * 1024));
      }
    }
    const objm = new Objm(js);
    for await (const status of objm.list()) {
      const os = await objm.open(status.bucket);
      for (const info of await os.list()) {
        const blob = await os.getBlob(info.name);
        if (blob !== null) seen[`bundle ${status.bucket}/${info.name}`] = new TextDecoder().decode(decompressBundle(blob, 64 * 1024 * 1024));
      }
    }
  } finally {
    await nc.close();
  }
  return seen;
}

/** `{ where: [leaked forms] }` for every place that shows some form of `value`. */
export function leaksAnywhere(seen: Record<string, string>, value: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [where, text] of Object.entries(seen)) {
    const found = leaksIn(text, value);
    if (found.length > 0) out[where] = found.slice(0, 5);
  }
  return out;
}

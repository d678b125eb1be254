import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, nkeyAuthenticator } from "@nats-io/transport-node";
import { generateSealingKey, type GeneratedSealingKey } from "../../crypto/open.js";
import { systemClock } from "../../core/index.js";
import { STATUS_BUCKET } from "../../protocol/index.js";
import type { TestFleet } from "../e2e/fleet-harness.js";

/** A fresh sealing key pair and certificate made by our own code (2048 bits: tests only). */
export function testSealingKey(): Promise<GeneratedSealingKey> {
  return generateSealingKey({ clock: systemClock, random: (n) => new Uint8Array(randomBytes(n)), bits: 2048 });
}

/**
 * Every spelling of a secret value an attacker could get out: the value, upper, lower and reversed,
 * every substring of 4 characters or more of those, its hex (both cases), base64 and base64url.
 */
export function leakForms(value: string): string[] {
  const forms = new Set<string>();
  const bytes = Buffer.from(value, "utf8");
  for (const v of [value, value.toUpperCase(), value.toLowerCase(), [...value].reverse().join("")]) {
    for (let i = 0; i + 4 <= v.length; i++) for (let j = i + 4; j <= v.length; j++) forms.add(v.slice(i, j));
  }
  for (const f of [bytes.toString("hex"), bytes.toString("hex").toUpperCase(), bytes.toString("base64"), bytes.toString("base64url")]) forms.add(f);
  return [...forms];
}

/** The leak forms of `value` found in `text` (empty when nothing leaked). */
export function leaksIn(text: string, value: string): string[] {
  return leakForms(value).filter((form) => text.includes(form));
}

/**
 * Everything a fleet shows about a cluster, as text: hub and spoke logs, the hub's API and dashboard
 * pages, and every entry of the status KV bucket, read with the hub's own NATS credentials.
 */
export async function everythingShown(fleet: TestFleet): Promise<Record<string, string>> {
  const seen: Record<string, string> = { "hub log": fleet.logs("hub"), "spoke log": fleet.logs("spoke"), "nats log": fleet.logs("nats-server") };
  const paths = ["/", "/api/v1/clusters", "/api/v1/applications"];
  for (const c of fleet.clusters) paths.push(`/clusters/${c.name}`, `/api/v1/clusters/${c.name}`);
  for (const path of paths) seen[`hub ${path}`] = await (await fetch(`${fleet.hubUrl()}${path}`)).text();
  const seed = (await readFile(fleet.nkeyFile("hub"), "utf8")).trim();
  const nc = await connect({ servers: fleet.natsUrl, authenticator: nkeyAuthenticator(new TextEncoder().encode(seed)) });
  try {
    const kv = await new Kvm(jetstream(nc)).open(STATUS_BUCKET);
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (entry !== null) seen[`KV ${STATUS_BUCKET}/${key}`] = new TextDecoder().decode(entry.value);
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

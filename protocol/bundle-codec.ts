import { createHash, randomUUID } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { canonicalJson, carriesSopsMetadata } from "./canonical-json.js";
import { parseJson, parseWith } from "./decode.js";
import { bundleSchema, type Bundle } from "./schemas.js";

/** A bundle in its canonical bytes, with the digest the envelope signs. */
export interface EncodedBundle {
  readonly bytes: Uint8Array;
  /** `sha256:<hex>` of `bytes`. */
  readonly digest: string;
  readonly size: number;
}

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** Canonical JSON bytes of a bundle plus their digest (what "unchanged" is decided on). */
export function encodeBundle(bundle: Bundle): EncodedBundle {
  const bytes = Buffer.from(bundleJson(bundle), "utf8");
  return { bytes, digest: sha256Digest(bytes), size: bytes.length };
}

/**
 * A placeholder no committed value can hold (random per process), spliced out for JSON computed once.
 * Keys sort before the placeholder's member only from the fixed schema or the hub's own fields.
 */
const HOLE = `\u0000flotilla-${randomUUID()}`;
const HOLE_JSON = JSON.stringify(HOLE);
const objectsJson = new WeakMap<readonly unknown[], string>();

/**
 * canonicalJson(bundle), byte for byte, without serialising the same objects again for every
 * cluster: the renderer's objects are deep-frozen and shared by the apps of thousands of clusters,
 * so each object's canonical JSON is computed once (canonical JSON of a member does not depend on
 * where it sits, outside a SOPS object, and neither a bundle nor an app is one). A mutable object
 * (a bundle restored from the KV store) is serialised as before.
 */
function bundleJson(bundle: Bundle): string {
  const apps = bundle.apps as readonly unknown[];
  if (!Array.isArray(apps) || carriesSopsMetadata(bundle)) return canonicalJson(bundle);
  const outer = canonicalJson({ ...bundle, apps: HOLE });
  return outer.replace(HOLE_JSON, () => `[${apps.map(appJson).join(",")}]`);
}

function appJson(app: unknown): string {
  if (typeof app !== "object" || app === null || Array.isArray(app)) return canonicalJson(app);
  const record = app as Record<string, unknown>;
  const objects = record["objects"];
  const json = Array.isArray(objects) && !carriesSopsMetadata(record) ? objectsJsonOf(objects) : undefined;
  if (json === undefined) return canonicalJson(app);
  return canonicalJson({ ...record, objects: HOLE }).replace(HOLE_JSON, () => json);
}

const objectJson = new WeakMap<object, string>();

/** The list's canonical JSON from its members' (each frozen member serialised once); undefined when one is mutable. */
function objectsJsonOf(objects: readonly unknown[]): string | undefined {
  const hit = objectsJson.get(objects);
  if (hit !== undefined) return hit;
  let json = "[";
  for (let i = 0; i < objects.length; i++) {
    const obj = objects[i];
    if (typeof obj !== "object" || obj === null || !Object.isFrozen(obj)) return undefined;
    let member = objectJson.get(obj);
    if (member === undefined) {
      member = canonicalJson(obj);
      objectJson.set(obj, member);
    }
    json += i === 0 ? member : `,${member}`;
  }
  json += "]";
  if (Object.isFrozen(objects)) objectsJson.set(objects, json);
  return json;
}

/**
 * Bundle bytes → Bundle, validated by `bundleSchema` but returned as parsed, not as zod's output:
 * zod rebuilds every object with the schema's keys first (`apiVersion`, `kind`, `metadata`, `name`,
 * `namespace`), which reorders a SOPS manifest and breaks its MAC. The schema has no defaults or
 * transforms, so the parsed value is what it would return, in the bytes' own key order.
 * Throws ProtocolError (PROTOCOL_MALFORMED) on bad input.
 */
export function decodeBundle(bytes: Uint8Array): Bundle {
  const value = parseJson(bytes, "bundle");
  parseWith(bundleSchema, value, "bundle");
  return value as Bundle;
}

export function compressBundle(bytes: Uint8Array): Uint8Array {
  return gzipSync(bytes, { level: 6 });
}

/** Gunzip capped at `maxBytes`: a bomb fails instead of filling memory. Throws on bad input. */
export function decompressBundle(compressed: Uint8Array, maxBytes: number): Uint8Array {
  return gunzipSync(compressed, { maxOutputLength: Math.max(1, maxBytes) });
}

/** The object name for a bundle in `flotilla-bundles-<cluster>`: content-addressed, so a rollback reuses it. */
export function bundleObjectName(digest: string): string {
  return digest.replace(":", "-");
}

import { createHash, hash } from "node:crypto";
import { carriesSopsMetadata } from "../protocol/canonical-json.js";

/**
 * JSON with object keys sorted by UTF-16 code unit order and no insignificant whitespace, so equal
 * values always give equal bytes (the order RFC 8785 uses; numbers are printed the way
 * JSON.stringify prints them). `undefined` members are dropped, as JSON.stringify drops them.
 * An object carrying SOPS metadata keeps its document order, with everything under it, exactly as
 * protocol's canonicalJson does (its MAC depends on it; docs/adr/0003-sops-key-order-in-bundles.md).
 */
export function canonicalJson(value: unknown): string {
  return writeJson(value, false);
}

/** {@link canonicalJson}'s writer; `documentOrder` once inside a SOPS object: keys as committed. */
function writeJson(value: unknown, documentOrder: boolean): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += writeJson(value[i], documentOrder);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const inOrder = documentOrder || carriesSopsMetadata(record);
  const keys = inOrder ? Object.keys(record) : Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += `${JSON.stringify(key)}:${writeJson(member, inOrder)}`;
  }
  return `${out}}`;
}

/** `sha256:<hex>` of the UTF-8 bytes of `text` (the digest format in bundles and status). */
export function sha256Digest(text: string | Uint8Array): string {
  // crypto.hash (one-shot, Node ≥ 20.12) skips the Hash object: measurably faster for 100 k small inputs.
  if (typeof text === "string") return `sha256:${hash("sha256", text, "hex")}`;
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** The digest of a value's canonical JSON. */
export function digestOf(value: unknown): string {
  return sha256Digest(canonicalJson(value));
}

const frozenCache = new WeakMap<object, string>();

/**
 * {@link canonicalJson} that remembers the text of frozen objects and arrays. Rendered manifests
 * are frozen and shared between clusters, so each one is serialised once however many bundles
 * hold it. Unfrozen values are never cached (they could change).
 */
export function canonicalJsonCached(value: unknown): string {
  if (value === null || typeof value !== "object") return canonicalJson(value);
  const frozen = Object.isFrozen(value);
  if (frozen) {
    const hit = frozenCache.get(value);
    if (hit !== undefined) return hit;
  }
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonicalJsonCached(value[i]);
    out += "]";
  } else {
    const record = value as Record<string, unknown>;
    // Context-free: a SOPS object's text is its document order wherever it sits, so it may be cached.
    if (carriesSopsMetadata(record)) return cacheIfFrozen(value, frozen, writeJson(record, true));
    out = "{";
    let first = true;
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member === undefined) continue;
      out += `${first ? "" : ","}${JSON.stringify(key)}:${canonicalJsonCached(member)}`;
      first = false;
    }
    out += "}";
  }
  return cacheIfFrozen(value, frozen, out);
}

function cacheIfFrozen(value: object, frozen: boolean, text: string): string {
  if (frozen) frozenCache.set(value, text);
  return text;
}

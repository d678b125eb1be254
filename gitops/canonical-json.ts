import { createHash, hash } from "node:crypto";

/**
 * JSON with object keys sorted by UTF-16 code unit order and no insignificant whitespace, so equal
 * values always give equal bytes (the order RFC 8785 uses; numbers are printed the way
 * JSON.stringify prints them). `undefined` members are dropped, as JSON.stringify drops them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    const text = JSON.stringify(value);
    return text === undefined ? "null" : text;
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      out += canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = "{";
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined) continue;
    if (!first) out += ",";
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(member)}`;
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
  if (frozen) frozenCache.set(value, out);
  return out;
}

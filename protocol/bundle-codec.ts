import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { canonicalJson } from "./canonical-json.js";
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
  const bytes = Buffer.from(canonicalJson(bundle), "utf8");
  return { bytes, digest: sha256Digest(bytes), size: bytes.length };
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

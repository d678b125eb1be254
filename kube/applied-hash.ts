import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal objects always hash equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/**
 * The hash of what we applied. Stored in the inventory; a resync whose desired object hashes the
 * same and whose live object has not drifted sends no request for it.
 */
export function appliedHash(obj: unknown): string {
  return `sha256:${createHash("sha256").update(canonicalJson(obj)).digest("hex")}`;
}

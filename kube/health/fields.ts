import { isRecord } from "../kube-object.js";

/**
 * Small readers so the per-kind checks read like their Go originals. They take `unknown` on
 * purpose: a check may be handed any parsed document, and a field of the wrong type reads as
 * absent (its Go zero value) instead of throwing.
 */
export function num(obj: unknown, ...path: string[]): number | undefined {
  const v = at(obj, path);
  return typeof v === "number" ? v : undefined;
}

export function str(obj: unknown, ...path: string[]): string | undefined {
  const v = at(obj, path);
  return typeof v === "string" ? v : undefined;
}

export function list(obj: unknown, ...path: string[]): unknown[] {
  const v = at(obj, path);
  return Array.isArray(v) ? v : [];
}

export function at(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}

/** `status.conditions` entries with a string type (others are skipped, never trusted). */
export function conditions(obj: unknown): Condition[] {
  const out: Condition[] = [];
  for (const c of list(obj, "status", "conditions")) {
    if (!isRecord(c) || typeof c.type !== "string") continue;
    out.push({
      type: c.type,
      status: typeof c.status === "string" ? c.status : "",
      ...(typeof c.reason === "string" ? { reason: c.reason } : {}),
      ...(typeof c.message === "string" ? { message: c.message } : {}),
    });
  }
  return out;
}

export function condition(obj: unknown, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

export function generation(obj: unknown): number {
  return num(obj, "metadata", "generation") ?? 0;
}

export function name(obj: unknown): string {
  return str(obj, "metadata", "name") ?? "";
}

export function annotation(obj: unknown, key: string): string | undefined {
  return str(obj, "metadata", "annotations", key);
}

/** Go's `%q` for the names gitops-engine quotes (a JSON string is close enough for names). */
export function quote(s: string): string {
  return JSON.stringify(s);
}

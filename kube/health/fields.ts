import { isRecord, type KubeObject } from "../kube-object.js";

/** Small readers so the per-kind checks read like their Go originals. */
export function num(obj: unknown, ...path: string[]): number | undefined {
  const v = at(obj, path);
  return typeof v === "number" ? v : undefined;
}

export function str(obj: unknown, ...path: string[]): string | undefined {
  const v = at(obj, path);
  return typeof v === "string" ? v : undefined;
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

export function conditions(obj: KubeObject): Condition[] {
  const list = at(obj, ["status", "conditions"]);
  if (!Array.isArray(list)) return [];
  return list.filter((c): c is Condition => isRecord(c) && typeof c.type === "string" && typeof c.status === "string");
}

export function condition(obj: KubeObject, type: string): Condition | undefined {
  return conditions(obj).find((c) => c.type === type);
}

export function generation(obj: KubeObject): number {
  return obj.metadata.generation ?? 0;
}

import { KubeError, KUBE_ERROR } from "./kube-errors.js";
import { isRecord, parseRefId } from "./kube-object.js";

/**
 * What an app applied, like Flux's `status.inventory`: version-free ids plus the apiVersion used
 * and the hash of the applied object. Stored in the cluster so a restarted spoke (or a different
 * one) prunes correctly.
 */
export interface InventoryEntry {
  /** `<namespace>_<name>_<group>_<kind>`. */
  readonly id: string;
  readonly v: string;
  /** Hash of the desired object last applied; absent for entries recorded before an apply finished. */
  readonly hash?: string | undefined;
  /** Kept across prunes (`Prune=false`), deleted last (`PruneLast=true`). */
  readonly prune?: boolean | undefined;
  readonly pruneLast?: boolean | undefined;
  /** Delete=false: keep when the whole app is deleted. */
  readonly keepOnDelete?: boolean | undefined;
}

export interface Inventory {
  readonly app: string;
  readonly entries: readonly InventoryEntry[];
  /** The revision and generation the entries were applied from, for status. */
  readonly revision?: string | undefined;
  readonly generation?: number | undefined;
  /** ApplicationSet `preserveResourcesOnDeletion`: when the app goes away, keep its objects. */
  readonly preserveResourcesOnDeletion?: boolean | undefined;
}

export const INVENTORY_DATA_KEY = "inventory.json";

export function encodeInventory(inv: Inventory): string {
  const entries = [...inv.entries].sort((a, b) => a.id.localeCompare(b.id));
  return JSON.stringify({ ...inv, entries });
}

export function decodeInventory(text: string, where: string): Inventory {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KubeError(KUBE_ERROR.invalidInventory, "inventory is not valid JSON", { field: where });
  }
  if (!isRecord(parsed) || typeof parsed.app !== "string" || !Array.isArray(parsed.entries)) {
    throw new KubeError(KUBE_ERROR.invalidInventory, "inventory needs app and entries", { field: where });
  }
  const entries: InventoryEntry[] = [];
  for (const [i, e] of parsed.entries.entries()) {
    if (!isRecord(e) || typeof e.id !== "string" || typeof e.v !== "string" || parseRefId(e.id) === undefined) {
      throw new KubeError(KUBE_ERROR.invalidInventory, `entry ${i} needs an id <ns>_<name>_<group>_<kind> and v`, { field: `${where}.entries[${i}]` });
    }
    entries.push({
      id: e.id,
      v: e.v,
      ...(typeof e.hash === "string" ? { hash: e.hash } : {}),
      ...(e.prune === false ? { prune: false } : {}),
      ...(e.pruneLast === true ? { pruneLast: true } : {}),
      ...(e.keepOnDelete === true ? { keepOnDelete: true } : {}),
    });
  }
  return {
    app: parsed.app,
    entries,
    ...(typeof parsed.revision === "string" ? { revision: parsed.revision } : {}),
    ...(typeof parsed.generation === "number" ? { generation: parsed.generation } : {}),
    ...(parsed.preserveResourcesOnDeletion === true ? { preserveResourcesOnDeletion: true } : {}),
  };
}

/** Entries of `old` that are not in `next`: the prune candidates (Flux `inventory.Diff`). */
export function staleEntries(old: readonly InventoryEntry[], next: readonly InventoryEntry[]): InventoryEntry[] {
  const keep = new Set(next.map((e) => e.id));
  return old.filter((e) => !keep.has(e.id));
}

/**
 * Union of two entry lists keyed by id; `b` wins for ids in both. Written before an apply starts
 * so that a crash mid-apply leaves every possibly-created object in the inventory.
 */
export function mergeEntries(a: readonly InventoryEntry[], b: readonly InventoryEntry[]): InventoryEntry[] {
  const byId = new Map<string, InventoryEntry>();
  for (const e of a) byId.set(e.id, e);
  for (const e of b) byId.set(e.id, e);
  return [...byId.values()];
}

/** A ref rebuilt from an entry (the apiVersion recorded at apply time). */
export function entryRef(entry: InventoryEntry): { apiVersion: string; kind: string; name: string; namespace?: string } {
  const parts = parseRefId(entry.id);
  if (parts === undefined) throw new KubeError(KUBE_ERROR.invalidInventory, `bad inventory id ${entry.id}`);
  return {
    apiVersion: entry.v,
    kind: parts.kind,
    name: parts.name,
    ...(parts.namespace === "" ? {} : { namespace: parts.namespace }),
  };
}

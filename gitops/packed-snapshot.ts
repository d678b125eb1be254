import { snapshotEntries, snapshotFromEntries, type RepoSnapshot, type SnapshotEntry } from "./repo-snapshot.js";

/**
 * A snapshot in a form a worker thread receives without a copy: every file's bytes in one
 * SharedArrayBuffer, plus an index. Packed once per snapshot, so the tasks of every
 * ApplicationSet of a revision share the same buffer.
 */
export interface PackedSnapshot {
  readonly revision: string;
  readonly source: string;
  readonly maxFileBytes: number;
  readonly data: SharedArrayBuffer;
  /** Per path: a file's offset and length, an oversized file's size, or a symlink's target. */
  readonly index: readonly (readonly [path: string, kind: "file", offset: number, length: number] | readonly [path: string, kind: "oversized", size: number] | readonly [path: string, kind: "symlink", target: string])[];
}

const packed = new WeakMap<RepoSnapshot, PackedSnapshot>();

export function packSnapshot(snapshot: RepoSnapshot): PackedSnapshot {
  const hit = packed.get(snapshot);
  if (hit !== undefined) return hit;
  const { entries, maxFileBytes } = snapshotEntries(snapshot);
  let total = 0;
  for (const entry of entries.values()) if (entry.kind === "file") total += entry.data.byteLength;
  const data = new SharedArrayBuffer(total);
  const bytes = new Uint8Array(data);
  const index: PackedSnapshot["index"][number][] = [];
  let offset = 0;
  for (const [path, entry] of entries) {
    if (entry.kind === "file") {
      bytes.set(entry.data, offset);
      index.push([path, "file", offset, entry.data.byteLength]);
      offset += entry.data.byteLength;
    } else if (entry.kind === "oversized") index.push([path, "oversized", entry.size]);
    else index.push([path, "symlink", entry.target]);
  }
  const result: PackedSnapshot = { revision: snapshot.revision, source: snapshot.source, maxFileBytes, data, index };
  packed.set(snapshot, result);
  return result;
}

/** The snapshot again, its files views into the shared buffer (read-only by convention: snapshots never write). */
export function unpackSnapshot(p: PackedSnapshot): RepoSnapshot {
  const entries = new Map<string, SnapshotEntry>();
  for (const item of p.index) {
    if (item[1] === "file") entries.set(item[0], { kind: "file", data: new Uint8Array(p.data, item[2], item[3]) });
    else if (item[1] === "oversized") entries.set(item[0], { kind: "oversized", size: item[2] });
    else entries.set(item[0], { kind: "symlink", target: item[2] });
  }
  return snapshotFromEntries({ revision: p.revision, source: p.source, entries, maxFileBytes: p.maxFileBytes });
}

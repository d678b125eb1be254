import { ApiStatusError } from "./api-status.js";
import { describePath, FieldSet, fieldSetOf, removeAt, valueAt, type FieldPath } from "./field-set.js";
import { deepClone, isPlainObject, jsonEqual, type KubeObject, type ManagedFieldsEntry } from "./kube-object.js";
import { defaultKeyFields, listStrategy } from "./merge-keys.js";

/** Which part of an object a write may touch: the main resource or its `/status` subresource. */
export type WriteScope = "main" | "status";

const SYSTEM_METADATA = [
  "name",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "managedFields",
  "selfLink",
  "generateName",
];

/** The part of an object whose fields are owned by managers (system fields and the other scope removed). */
export function managedView(object: KubeObject | undefined, scope: WriteScope, hasStatus: boolean): Record<string, unknown> {
  if (object === undefined) return {};
  if (scope === "status") return object.status === undefined ? {} : { status: deepClone(object.status) };
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) {
    if (k === "apiVersion" || k === "kind" || (k === "status" && hasStatus)) continue;
    if (k === "metadata" && isPlainObject(v)) {
      const meta: Record<string, unknown> = {};
      for (const [mk, mv] of Object.entries(v)) if (!SYSTEM_METADATA.includes(mk)) meta[mk] = deepClone(mv);
      if (Object.keys(meta).length > 0) view.metadata = meta;
    } else view[k] = deepClone(v);
  }
  return view;
}

function entrySubresource(scope: WriteScope): string | undefined {
  return scope === "status" ? "status" : undefined;
}

function sameSlot(e: ManagedFieldsEntry, manager: string, operation: "Apply" | "Update", scope: WriteScope): boolean {
  return e.manager === manager && e.operation === operation && e.subresource === entrySubresource(scope);
}

function inScope(e: ManagedFieldsEntry, scope: WriteScope): boolean {
  return e.subresource === entrySubresource(scope);
}

function entry(manager: string, operation: "Apply" | "Update", fields: FieldSet, meta: { apiVersion: string; time: string; scope: WriteScope }): ManagedFieldsEntry {
  const sub = entrySubresource(meta.scope);
  return {
    manager,
    operation,
    apiVersion: meta.apiVersion,
    time: meta.time,
    fieldsType: "FieldsV1",
    fieldsV1: fields.toFieldsV1(),
    ...(sub === undefined ? {} : { subresource: sub }),
  };
}

/** Merges an applied configuration into a live object: keyed lists merge by key, atomic lists replace. */
export function mergeApplied(live: unknown, applied: unknown, names: readonly string[] = []): unknown {
  if (isPlainObject(applied)) {
    const out: Record<string, unknown> = isPlainObject(live) ? deepClone(live) : {};
    for (const [k, v] of Object.entries(applied)) {
      if (v === null) delete out[k];
      else out[k] = mergeApplied(out[k], v, [...names, k]);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const strategy = listStrategy(names);
    if (strategy.kind === "set") return [...(live as unknown[]), ...(applied as unknown[]).filter((a) => !live.some((l) => jsonEqual(l, a)))];
    if (strategy.kind === "keys" && applied.every(isPlainObject) && live.every(isPlainObject)) {
      const keyOf = (item: Record<string, unknown>): unknown => {
        const d = defaultKeyFields(strategy, item) as Record<string, unknown>;
        return strategy.keys.map((k) => d[k]);
      };
      const merged = applied.map((a) => {
        const match = live.find((l) => jsonEqual(keyOf(l), keyOf(a)));
        return mergeApplied(match, a, names);
      });
      const rest = live.filter((l) => !applied.some((a) => jsonEqual(keyOf(a), keyOf(l))));
      return [...merged, ...rest];
    }
  }
  return deepClone(applied);
}

export interface ApplyInput {
  readonly live: KubeObject | undefined;
  readonly applied: KubeObject;
  readonly manager: string;
  readonly force: boolean;
  readonly scope: WriteScope;
  /** The kind has a status subresource (so the main resource never owns status). */
  readonly hasStatus: boolean;
  readonly apiVersion: string;
  readonly time: string;
}

interface Conflict {
  readonly manager: string;
  readonly apiVersion: string;
  readonly path: FieldPath;
}

function conflictError(conflicts: readonly Conflict[], name: string, resource: string, group: string): ApiStatusError {
  const byManager = new Map<string, Conflict[]>();
  for (const c of conflicts) byManager.set(c.manager, [...(byManager.get(c.manager) ?? []), c]);
  const n = conflicts.length;
  let message = `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: `;
  const parts = [...byManager.entries()].map(([manager, cs]) => {
    const head = `conflict${cs.length === 1 ? "" : "s"} with "${manager}" using ${cs[0]?.apiVersion ?? ""}`;
    return cs.length === 1 ? `${head}: ${describePath(cs[0]?.path ?? [])}` : `${head}:\n${cs.map((c) => `- ${describePath(c.path)}`).join("\n")}`;
  });
  message += parts.join("\n");
  return new ApiStatusError("Conflict", message, {
    name,
    group,
    kind: resource,
    causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: describePath(c.path) })),
  });
}

/**
 * Server-side apply: merges `applied` into `live`, records `manager`'s fields, removes fields the
 * manager applied before and dropped now (unless another manager owns them), and throws a 409
 * listing the fields when another manager owns a field with a different value (unless `force`).
 * Returns the merged object (not yet defaulted or stored).
 */
export function serverSideApply(input: ApplyInput, target: { name: string; resource: string; group: string }): KubeObject {
  const { scope, hasStatus, manager } = input;
  const appliedView = managedView(input.applied, scope, hasStatus);
  const appliedSet = fieldSetOf(appliedView);
  const liveView = managedView(input.live, scope, hasStatus);
  const entries = (input.live?.metadata.managedFields ?? []).map((e) => ({ e, set: FieldSet.fromFieldsV1(e.fieldsV1) }));

  const conflicts: Conflict[] = [];
  for (const { e, set } of entries) {
    if (!inScope(e, scope) || sameSlot(e, manager, "Apply", scope)) continue;
    for (const path of appliedSet.paths()) {
      const last = path[path.length - 1] ?? "";
      if (last === "." || last.startsWith("v:") || !set.has(path)) continue;
      const mine = valueAt(appliedView, path);
      const theirs = valueAt(liveView, path);
      if (theirs.found && mine.found && jsonEqual(mine.value, theirs.value)) continue;
      if (!theirs.found) continue;
      conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path });
    }
  }
  if (conflicts.length > 0 && !input.force) throw conflictError(conflicts, target.name, target.resource, target.group);
  for (const c of conflicts) {
    for (const { e, set } of entries) if (e.manager === c.manager && inScope(e, scope)) set.delete(c.path);
  }

  const previous = entries.find(({ e }) => sameSlot(e, manager, "Apply", scope))?.set ?? new FieldSet();
  let othersOwn = new FieldSet();
  for (const { e, set } of entries) if (inScope(e, scope) && !sameSlot(e, manager, "Apply", scope)) othersOwn = othersOwn.union(set);
  const base: KubeObject = input.live === undefined ? { metadata: {} } : deepClone(input.live);
  const dropped = previous.minus(appliedSet).minus(othersOwn).paths();
  // Deepest first, so removing a list item never shifts a path still to be removed.
  dropped.sort((a, b) => b.length - a.length);
  for (const path of dropped) removeAt(base, path);

  const scoped: Record<string, unknown> = scope === "status" ? { status: input.applied.status } : { ...input.applied };
  if (scope === "main" && hasStatus) delete scoped.status;
  if (isPlainObject(scoped.metadata)) {
    const meta = { ...scoped.metadata };
    delete meta.managedFields;
    delete meta.resourceVersion;
    scoped.metadata = meta;
  }
  const merged = mergeApplied(base, scoped) as KubeObject;

  const kept = entries
    .filter(({ e }) => !sameSlot(e, manager, "Apply", scope))
    .map(({ e, set }) => (inScope(e, scope) ? { ...e, fieldsV1: set.toFieldsV1(), size: set.size } : { ...e, size: 1 }))
    .filter((x) => x.size > 0)
    .map(({ size: _size, ...e }) => e);
  merged.metadata.managedFields = [...kept, entry(manager, "Apply", appliedSet, { apiVersion: input.apiVersion, time: input.time, scope })];
  return merged;
}

export interface UpdateInput {
  readonly before: KubeObject | undefined;
  readonly after: KubeObject;
  readonly manager: string;
  readonly scope: WriteScope;
  readonly hasStatus: boolean;
  readonly apiVersion: string;
  readonly time: string;
}

/**
 * The managedFields after a non-apply write (create, update, patch): `manager` takes every field
 * whose value it changed; other managers lose them. Explicitly written managedFields are kept.
 */
export function trackUpdate(input: UpdateInput): ManagedFieldsEntry[] {
  const { before, after, scope, hasStatus, manager } = input;
  const written = after.metadata.managedFields;
  const previous = before?.metadata.managedFields ?? [];
  const userSet = written !== undefined && !jsonEqual(written, previous);
  if (userSet && written.length > 0) return written;
  const base = userSet ? [] : previous;
  const beforeView = managedView(before, scope, hasStatus);
  const afterView = managedView(after, scope, hasStatus);
  const beforeSet = fieldSetOf(beforeView);
  const afterSet = fieldSetOf(afterView);
  const changed = FieldSet.of(
    afterSet.paths().filter((p) => {
      const old = valueAt(beforeView, p);
      const now = valueAt(afterView, p);
      return !old.found || !now.found || !jsonEqual(old.value, now.value);
    }),
  );
  const removed = beforeSet.minus(afterSet);
  const out: ManagedFieldsEntry[] = [];
  let mine = new FieldSet();
  for (const e of base) {
    let set = FieldSet.fromFieldsV1(e.fieldsV1);
    if (inScope(e, scope)) set = set.minus(changed).minus(removed);
    if (sameSlot(e, manager, "Update", scope)) {
      mine = set;
      continue;
    }
    if (set.size > 0) out.push({ ...e, fieldsV1: set.toFieldsV1() });
  }
  mine = mine.union(changed);
  if (mine.size > 0) out.push(entry(manager, "Update", mine, { apiVersion: input.apiVersion, time: input.time, scope }));
  return out;
}

import { refId, refSubject, type KubeObject, type ObjectRef } from "./kube-object.js";

/** Flux's change-set actions (fluxcd/pkg ssa/changeset.go). */
export const ACTION = {
  created: "created",
  configured: "configured",
  unchanged: "unchanged",
  deleted: "deleted",
  skipped: "skipped",
} as const;
export type Action = (typeof ACTION)[keyof typeof ACTION];

export interface ChangeSetEntry {
  readonly id: string;
  /** `Kind/namespace/name`. */
  readonly subject: string;
  readonly apiVersion: string;
  readonly action: Action;
}

export function changeSetEntry(ref: ObjectRef | KubeObject, action: Action): ChangeSetEntry {
  const r: ObjectRef = "metadata" in ref ? { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.metadata.name, namespace: ref.metadata.namespace } : ref;
  return { id: refId(r), subject: refSubject(r), apiVersion: r.apiVersion, action };
}

/** Entries whose action changed something in the cluster. */
export function changed(entries: readonly ChangeSetEntry[]): ChangeSetEntry[] {
  return entries.filter((e) => e.action === "created" || e.action === "configured" || e.action === "deleted");
}

/** `Deployment/web/api configured` lines, the way Flux prints a change set. */
export function formatChangeSet(entries: readonly ChangeSetEntry[]): string {
  return entries.map((e) => `${e.subject} ${e.action}`).join("\n");
}

export function countActions(entries: readonly ChangeSetEntry[]): Record<Action, number> {
  const out: Record<Action, number> = { created: 0, configured: 0, unchanged: 0, deleted: 0, skipped: 0 };
  for (const e of entries) out[e.action] += 1;
  return out;
}

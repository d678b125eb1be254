import { createTwoFilesPatch } from "diff";
import { stringify } from "yaml";
import type { KubeObject } from "../kube/kube-object.js";
import { maskSecretPair } from "./mask-secrets.js";

/** One object that differs between two sets of manifests (`flotilla diff`, `flotilla app diff`). */
export interface ObjectDiff {
  /** `group/Kind/namespace/name` (group empty for the core API). */
  readonly id: string;
  readonly change: "added" | "removed" | "changed";
  /** A unified diff of the two YAML forms, Secret values masked. */
  readonly diff: string;
}

function idOf(o: KubeObject): string {
  const apiVersion = typeof o.apiVersion === "string" ? o.apiVersion : "";
  const group = apiVersion.includes("/") ? (apiVersion.split("/")[0] ?? "") : "";
  const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
  return `${group}/${String(o.kind)}/${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

function yamlOf(o: KubeObject | undefined): string {
  return o === undefined ? "" : stringify(o, { sortMapEntries: true, lineWidth: 0 });
}

/**
 * Pure: the objects that differ between `before` (what the hub published) and `after` (a local or
 * HEAD render), with a unified diff each, in id order. `namespace` places objects without one.
 */
export function diffManifests(before: readonly KubeObject[], after: readonly KubeObject[], options: { beforeLabel: string; afterLabel: string; namespace?: string | undefined }): ObjectDiff[] {
  const place = (o: KubeObject): KubeObject => {
    const meta = (o.metadata ?? {}) as Record<string, unknown>;
    return options.namespace === undefined || meta["namespace"] !== undefined || o.kind === "Namespace" ? o : ({ ...o, metadata: { ...meta, namespace: options.namespace } } as KubeObject);
  };
  const left = new Map(before.map((o) => [idOf(place(o)), o]));
  const right = new Map(after.map((o) => [idOf(place(o)), o]));
  const ids = [...new Set([...left.keys(), ...right.keys()])].sort();
  const out: ObjectDiff[] = [];
  for (const id of ids) {
    const [a, b] = maskSecretPair(left.get(id), right.get(id));
    const ya = yamlOf(a);
    const yb = yamlOf(b);
    if (ya === yb) continue;
    const patch = createTwoFilesPatch(`${options.beforeLabel}/${id}`, `${options.afterLabel}/${id}`, ya, yb, undefined, undefined, { context: 3 });
    // Drop the `===` header line jsdiff puts first; keep ---/+++ and the hunks, like `diff -u`.
    const diff = patch.split("\n").filter((l) => !l.startsWith("====")).join("\n");
    out.push({ id, change: a === undefined ? "added" : b === undefined ? "removed" : "changed", diff });
  }
  return out;
}

import { isRecord, type KubeObject } from "./kube-object.js";

/** One differing field: a JSON-path-like location and both values. */
export interface FieldDiff {
  readonly path: string;
  readonly desired: unknown;
  readonly live: unknown;
}

/** Metadata the server owns; never part of a desired/live comparison. */
const SERVER_METADATA = new Set(["resourceVersion", "uid", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"]);
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The live object seen through the desired object's shape: only the fields desired sets. Server
 * defaults and other managers' fields fall away, so comparing this with the applied projection
 * finds drift of fields we manage and nothing else.
 */
export function projectOnto(shape: unknown, live: unknown): unknown {
  if (isRecord(shape)) {
    if (!isRecord(live)) return live;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      if (key in live) out[key] = projectOnto(shape[key], live[key]);
    }
    return out;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(live)) return live;
    return live.map((item: unknown, i) => (i < shape.length ? projectOnto(shape[i], item) : item));
  }
  return live;
}

function walk(path: string, desired: unknown, live: unknown, out: FieldDiff[]): void {
  if (isRecord(desired) && isRecord(live)) {
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    for (const key of [...keys].sort()) walk(`${path}.${key}`, desired[key], live[key], out);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) {
    desired.forEach((item: unknown, i) => walk(`${path}[${i}]`, item, live[i], out));
    return;
  }
  if (JSON.stringify(desired) !== JSON.stringify(live)) out.push({ path, desired, live });
}

function stripServerFields(obj: unknown): unknown {
  if (!isRecord(obj)) return obj;
  const copy: Record<string, unknown> = { ...obj };
  delete copy.status;
  if (isRecord(copy.metadata)) {
    const meta: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(copy.metadata)) if (!SERVER_METADATA.has(k)) meta[k] = v;
    if (isRecord(meta.annotations)) {
      const ann = { ...meta.annotations };
      delete ann[LAST_APPLIED];
      meta.annotations = ann;
      if (Object.keys(ann).length === 0) delete meta.annotations;
    }
    copy.metadata = meta;
  }
  return copy;
}

/**
 * Differences between what we want and what is there, limited to the fields we set (pure).
 * `desired` is the applied projection or the manifest; `live` is the cluster object (or undefined
 * when it is missing, which yields one diff at the root).
 */
export function diffObjects(desired: KubeObject, live: KubeObject | undefined): FieldDiff[] {
  if (live === undefined) return [{ path: "", desired: "<present>", live: "<missing>" }];
  const d = stripServerFields(desired);
  const l = stripServerFields(projectOnto(d, live));
  const out: FieldDiff[] = [];
  walk("", d, l, out);
  return out;
}

/**
 * gitops-engine's `HideSecretData`: every value under `data`/`stringData` of a Secret becomes a
 * run of `+`; equal values get equal masks and different values different masks, so a diff still
 * shows *which* keys changed without showing any value. The last-applied annotation (which would
 * carry the values) is dropped.
 */
export function hideSecretData(desired: KubeObject | undefined, live: KubeObject | undefined): { desired: KubeObject | undefined; live: KubeObject | undefined } {
  const isSecret = (o: KubeObject | undefined): boolean => o?.kind === "Secret" && (o.apiVersion === "v1" || o.apiVersion === undefined);
  if (!isSecret(desired) && !isSecret(live)) return { desired, live };
  const d = desired === undefined ? undefined : (structuredClone(desired));
  const l = live === undefined ? undefined : (structuredClone(live));
  const masks = new Map<string, string>();
  let next = 8;
  const maskFor = (value: unknown): string => {
    const key = JSON.stringify(value);
    let mask = masks.get(key);
    if (mask === undefined) {
      mask = "+".repeat(next++);
      masks.set(key, mask);
    }
    return mask;
  };
  for (const field of ["data", "stringData"] as const) {
    for (const obj of [d, l]) {
      const values = obj?.[field];
      if (!isRecord(values)) continue;
      for (const k of Object.keys(values)) values[k] = maskFor(values[k]);
    }
  }
  for (const obj of [d, l]) {
    const ann = obj?.metadata.annotations;
    if (ann !== undefined && LAST_APPLIED in ann) {
      delete ann[LAST_APPLIED];
    }
  }
  return { desired: d, live: l };
}

/** A diff safe to report: Secrets masked first. */
export function safeDiff(desired: KubeObject, live: KubeObject | undefined): FieldDiff[] {
  const masked = hideSecretData(desired, live);
  return diffObjects(masked.desired ?? desired, masked.live);
}

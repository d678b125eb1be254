import { readYaml } from "./helm-yaml.js";
import { isTable } from "./values-coalesce.js";

/**
 * Helm's pkg/releaseutil: rendered files split into YAML documents, hooks (the
 * `helm.sh/hook` annotation) apart from plain manifests, both ordered by kind in InstallOrder
 * (stable: file path order, then document order, within a kind).
 */
export const INSTALL_ORDER: readonly string[] = [
  "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
  "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
  "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
  "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet",
  "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
];

export const HOOK_EVENTS = ["pre-install", "post-install", "pre-delete", "post-delete", "pre-upgrade", "post-upgrade", "pre-rollback", "post-rollback", "test"] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface Manifest {
  /** The template path, e.g. `mychart/templates/service.yaml`. */
  readonly name: string;
  /** One YAML document, trimmed. */
  readonly content: string;
  readonly kind: string;
  readonly apiVersion: string;
}

export interface Hook {
  readonly name: string;
  readonly kind: string;
  readonly path: string;
  readonly manifest: string;
  readonly events: readonly HookEvent[];
  readonly weight: number;
  readonly deletePolicies: readonly string[];
}

export class ManifestParseError extends Error {
  readonly path: string;
  readonly line: number | undefined;
  constructor(path: string, message: string, line: number | undefined) {
    super(`YAML parse error on ${path}: ${message}`);
    this.name = "ManifestParseError";
    this.path = path;
    this.line = line;
  }
}

/** `SplitManifests`: documents separated by `---` lines, each trimmed, empty ones dropped. */
export function splitManifests(bigFile: string): string[] {
  return bigFile
    .trim()
    .split(/(?:^|\s*\n)---\s*/)
    .filter((d) => d !== "")
    .map((d) => d.trim());
}

interface Head {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

/**
 * Reads one rendered document (a whole `---` section) to its value: null when empty, a map for
 * an object. Throws when it cannot; the engine then reads the document with its own reader.
 */
export type DocumentReader = (doc: string, path: string) => unknown;

function parseHead(path: string, doc: string, reader: DocumentReader | undefined): Head {
  let v: unknown;
  let read = false;
  if (reader !== undefined) {
    try {
      v = reader(doc, path);
      read = true;
    } catch {
      // The engine's reader below gives Helm's error (or reads what the caller's could not).
    }
  }
  if (!read) v = readHelmYaml(path, doc);
  return headOf(path, v);
}

function readHelmYaml(path: string, doc: string): unknown {
  try {
    return readYaml(doc);
  } catch (err) {
    const line = (err as { line?: number }).line;
    throw new ManifestParseError(path, `error converting YAML to JSON: ${err instanceof Error ? err.message : String(err)}`, line);
  }
}

function headOf(path: string, v: unknown): Head {
  if (v === null || v === undefined) return { apiVersion: "", kind: "", name: "", annotations: undefined };
  if (!isTable(v)) {
    throw new ManifestParseError(path, `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${Array.isArray(v) ? "array" : typeof v} into Go value of type releaseutil.SimpleHead`, undefined);
  }
  const str = (x: unknown, field: string): string => {
    if (x === undefined || x === null) return "";
    if (typeof x !== "string") throw new ManifestParseError(path, `error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${typeof x === "number" ? "number" : typeof x === "boolean" ? "bool" : Array.isArray(x) ? "array" : "object"} into Go struct field ${field} of type string`, undefined);
    return x;
  };
  const md = v["metadata"];
  let name = "";
  let annotations: Record<string, string> | undefined;
  if (isTable(md)) {
    name = str(md["name"], "SimpleHead.metadata.name");
    const a = md["annotations"];
    if (isTable(a)) {
      annotations = {};
      for (const [k, val] of Object.entries(a)) annotations[k] = str(val, "SimpleHead.metadata.annotations");
    }
  }
  return { apiVersion: str(v["apiVersion"], "SimpleHead.apiVersion"), kind: str(v["kind"], "SimpleHead.kind"), name, annotations };
}

/**
 * `SortManifests(files, InstallOrder)`. Files starting with `_` and blank files are skipped.
 * Each document is read with `reader` when given (see DocumentReader). Throws ManifestParseError.
 */
export function sortManifests(files: ReadonlyMap<string, string>, reader?: DocumentReader): { hooks: Hook[]; manifests: Manifest[]; unknownHooks: string[] } {
  const hooks: Hook[] = [];
  const manifests: Manifest[] = [];
  const unknownHooks: string[] = [];
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path) ?? "";
    if ((path.split("/").pop() ?? "").startsWith("_")) continue;
    if (content.trim() === "") continue;
    for (const m of splitManifests(content)) {
      const head = parseHead(path, m, reader);
      const hookTypes = head.annotations?.["helm.sh/hook"];
      if (hookTypes === undefined) {
        manifests.push({ name: path, content: m, kind: head.kind, apiVersion: head.apiVersion });
        continue;
      }
      const weight = Number.parseInt(head.annotations?.["helm.sh/hook-weight"] ?? "", 10);
      const events: HookEvent[] = [];
      let unknown = false;
      for (const t of hookTypes.split(",")) {
        const e = t.trim().toLowerCase();
        const ev = e === "test-success" ? "test" : (HOOK_EVENTS as readonly string[]).includes(e) ? (e as HookEvent) : undefined;
        if (ev === undefined) {
          unknown = true;
          break;
        }
        events.push(ev);
      }
      if (unknown) {
        unknownHooks.push(hookTypes);
        continue;
      }
      const deletePolicies = (head.annotations?.["helm.sh/hook-delete-policy"] ?? "").split(",").map((s) => s.trim().toLowerCase()).filter((s, i, a) => s !== "" || a.length > 1);
      hooks.push({
        name: head.name,
        kind: head.kind,
        path,
        manifest: m,
        events,
        weight: /^[+-]?\d+$/.test((head.annotations?.["helm.sh/hook-weight"] ?? "").trim()) && Number.isFinite(weight) ? weight : 0,
        deletePolicies,
      });
    }
  }
  return { hooks: stableByKind(hooks, (h) => h.kind), manifests: stableByKind(manifests, (m) => m.kind), unknownHooks };
}

function stableByKind<T>(items: T[], kind: (t: T) => string): T[] {
  const order = new Map(INSTALL_ORDER.map((k, i) => [k, i]));
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const ka = kind(a.item);
      const kb = kind(b.item);
      const fa = order.get(ka);
      const fb = order.get(kb);
      let c: number;
      if (fa === undefined && fb === undefined) c = ka < kb ? -1 : ka > kb ? 1 : 0;
      else if (fa === undefined) c = 1;
      else if (fb === undefined) c = -1;
      else c = fa - fb;
      return c !== 0 ? c : a.index - b.index;
    })
    .map((x) => x.item);
}

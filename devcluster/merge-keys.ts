/**
 * How the built-in kinds merge their lists (the `patchMergeKey` / `listType=map` tags of the
 * Kubernetes Go types), keyed by the path of field names from the object root.
 *
 * `keys` lists are merged item by item; `set` lists of scalars are unions; anything else is atomic
 * and replaced whole. Strategic merge patch uses the first key only (as the Go tags do); server-side
 * apply uses all keys (e.g. Service ports by port and protocol).
 */
export type ListStrategy =
  | { readonly kind: "keys"; readonly keys: readonly string[] }
  | { readonly kind: "set" }
  | { readonly kind: "atomic" };

const ATOMIC: ListStrategy = { kind: "atomic" };
const SET: ListStrategy = { kind: "set" };

function keys(...k: string[]): ListStrategy {
  return { kind: "keys", keys: k };
}

const POD_SPEC_LISTS: Readonly<Record<string, ListStrategy>> = {
  containers: keys("name"),
  initContainers: keys("name"),
  ephemeralContainers: keys("name"),
  volumes: keys("name"),
  imagePullSecrets: keys("name"),
  hostAliases: keys("ip"),
  tolerations: ATOMIC,
  topologySpreadConstraints: keys("topologyKey", "whenUnsatisfiable"),
};

const CONTAINER_LISTS: Readonly<Record<string, ListStrategy>> = {
  ports: keys("containerPort", "protocol"),
  env: keys("name"),
  volumeMounts: keys("mountPath"),
  volumeDevices: keys("devicePath"),
};

/** The strategy for the list at `path` (field names only, list items skipped). */
export function listStrategy(path: readonly string[]): ListStrategy {
  const last = path[path.length - 1] ?? "";
  const parent = path[path.length - 2] ?? "";
  if (path.length === 2 && path[0] === "metadata") {
    if (last === "finalizers") return SET;
    if (last === "ownerReferences") return keys("uid");
  }
  if (last === "conditions") return keys("type");
  if (["containers", "initContainers", "ephemeralContainers"].includes(parent)) return CONTAINER_LISTS[last] ?? ATOMIC;
  if (parent === "spec") {
    const podList = POD_SPEC_LISTS[last];
    if (podList !== undefined) return podList;
    // Service.spec.ports: the only top-level `spec.ports` among the built-ins.
    if (path.length === 2 && last === "ports") return keys("port", "protocol");
  }
  if (last === "secrets" && path.length === 1) return keys("name");
  return ATOMIC;
}

/** Defaults that list-item keys depend on (protocol TCP), so keys compare equal before and after defaulting. */
export function defaultKeyFields(strategy: ListStrategy, item: unknown): unknown {
  if (strategy.kind !== "keys" || !strategy.keys.includes("protocol")) return item;
  if (typeof item !== "object" || item === null || Array.isArray(item)) return item;
  const record = item as Record<string, unknown>;
  return record.protocol === undefined ? { ...record, protocol: "TCP" } : item;
}

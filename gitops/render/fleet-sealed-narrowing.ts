import type { KubeObject } from "../../kube/index.js";
import { isPlainObject } from "../generators/param-utils.js";

const narrowed = new WeakMap<KubeObject, Map<string, KubeObject | null>>();

export function isFleetSealedSecret(obj: KubeObject): boolean {
  return obj.kind === "FleetSealedSecret" && obj.apiVersion.startsWith("flotilla.dev/");
}

/**
 * A FleetSealedSecret as one cluster receives it: only that cluster's entry, and no offline
 * `recovery` block; `undefined` when it holds no entry for the cluster, so a Secret sealed for
 * `env=prod` reaches the prod clusters only, wherever its app is deployed. Nothing is decrypted or
 * re-encrypted: entries are independent ciphertexts, so each spoke gets exactly what it can open
 * and nothing else. Other objects are returned as they are. Results are frozen and cached per
 * object and cluster (a fleet renders the same object for thousands of clusters).
 */
export function fleetSealedSecretFor(obj: KubeObject, cluster: string): KubeObject | undefined {
  if (!isFleetSealedSecret(obj)) return obj;
  let byCluster = narrowed.get(obj);
  if (byCluster === undefined) {
    byCluster = new Map();
    narrowed.set(obj, byCluster);
  }
  let result = byCluster.get(cluster);
  if (result === undefined) {
    const spec = isPlainObject(obj["spec"]) ? obj["spec"] : {};
    const entries = Array.isArray(spec["clusters"]) ? spec["clusters"] : [];
    const mine = entries.filter((e) => isPlainObject(e) && e["cluster"] === cluster);
    const { recovery: _recovery, ...rest } = spec;
    result = mine.length === 0 ? null : Object.freeze({ ...obj, spec: Object.freeze({ ...rest, clusters: Object.freeze(mine) }) });
    byCluster.set(cluster, result);
  }
  return result ?? undefined;
}

import type { ResourceRegistry } from "./resource-registry.js";
import { apiVersionOf } from "./resource-type.js";

const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"] as const;

/** `/version`: kubectl's dispatcher picks its own minor from `minor`, so it must say 32. */
export function versionInfo(): Record<string, string> {
  return {
    major: "1",
    minor: "32",
    gitVersion: "v1.32.4-devcluster",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.23.8",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

export function coreApiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function groupEntry(name: string, versions: readonly string[]): Record<string, unknown> {
  const gvs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: gvs, preferredVersion: gvs[0] };
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  const groups = [...registry.groupVersions().entries()].filter(([g]) => g !== "").map(([g, versions]) => groupEntry(g, versions));
  return { kind: "APIGroupList", apiVersion: "v1", groups };
}

export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  const versions = registry.groupVersions().get(group);
  return versions === undefined ? undefined : { kind: "APIGroup", apiVersion: "v1", ...groupEntry(group, versions) };
}

/**
 * The legacy per-group-version resource list. Each main resource comes before its subresources:
 * client-node's KubernetesObjectApi takes the first entry whose kind matches.
 */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: [...VERBS],
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
      storageVersionHash: Buffer.from(`${t.group}/${t.resource}`).toString("base64").slice(0, 11),
    });
    if (t.status) resources.push({ name: `${t.resource}/status`, singularName: "", namespaced: t.namespaced, kind: t.kind, verbs: ["get", "patch", "update"] });
    if (t.scale !== undefined) {
      resources.push({ name: `${t.resource}/scale`, singularName: "", namespaced: t.namespaced, group: "autoscaling", version: "v1", kind: "Scale", verbs: ["get", "patch", "update"] });
    }
  }
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}

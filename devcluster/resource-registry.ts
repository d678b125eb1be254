import { BUILTIN_RESOURCES } from "./builtin-resources.js";
import { isPlainObject, type KubeObject } from "./kube-object.js";
import type { PrinterColumn, ResourceType } from "./resource-type.js";

/**
 * Which resources exist: the built-ins plus every served version of each established CRD.
 * Discovery, routing and the CRD handler all read it; only CRD writes change it.
 */
export class ResourceRegistry {
  readonly #builtins: readonly ResourceType[];
  /** CRD name → the resource types it contributes (one per served version). */
  readonly #custom = new Map<string, readonly ResourceType[]>();

  constructor(builtins: readonly ResourceType[] = BUILTIN_RESOURCES) {
    this.#builtins = builtins;
  }

  all(): readonly ResourceType[] {
    return [...this.#builtins, ...[...this.#custom.values()].flat()];
  }

  /** group → versions, preferred (first served / storage) version first. */
  groupVersions(): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const t of this.all()) {
      const versions = groups.get(t.group) ?? [];
      if (!versions.includes(t.version)) versions.push(t.version);
      groups.set(t.group, versions);
    }
    return groups;
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.resource === resource);
  }

  findByKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.kind === kind);
  }

  /** Registers (or re-registers) the kinds a CRD defines. Throws on a malformed CRD. */
  registerCrd(crd: KubeObject): void {
    this.#custom.set(crd.metadata.name ?? "", resourceTypesOfCrd(crd));
  }

  unregisterCrd(name: string): void {
    this.#custom.delete(name);
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** The resource types of a CRD's served versions (validated by the CRD handler before this). */
export function resourceTypesOfCrd(crd: KubeObject): ResourceType[] {
  const spec = isPlainObject(crd.spec) ? crd.spec : {};
  const names = isPlainObject(spec.names) ? spec.names : {};
  const group = typeof spec.group === "string" ? spec.group : "";
  const plural = typeof names.plural === "string" ? names.plural : "";
  const kind = typeof names.kind === "string" ? names.kind : "";
  const versions = Array.isArray(spec.versions) ? spec.versions.filter(isPlainObject) : [];
  return versions
    .filter((v) => v.served !== false)
    .sort((a, b) => Number(b.storage === true) - Number(a.storage === true))
    .map((v) => {
      const subresources = isPlainObject(v.subresources) ? v.subresources : {};
      const scale = isPlainObject(subresources.scale) ? subresources.scale : undefined;
      const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns.filter(isPlainObject) : [];
      return {
        group,
        version: typeof v.name === "string" ? v.name : "",
        resource: plural,
        singular: typeof names.singular === "string" && names.singular !== "" ? names.singular : kind.toLowerCase(),
        kind,
        listKind: typeof names.listKind === "string" && names.listKind !== "" ? names.listKind : `${kind}List`,
        namespaced: spec.scope !== "Cluster",
        shortNames: strings(names.shortNames),
        categories: strings(names.categories),
        status: isPlainObject(subresources.status),
        scale:
          scale === undefined
            ? undefined
            : {
                specReplicasPath: typeof scale.specReplicasPath === "string" ? scale.specReplicasPath : ".spec.replicas",
                statusReplicasPath: typeof scale.statusReplicasPath === "string" ? scale.statusReplicasPath : ".status.replicas",
              },
        strategicMerge: false,
        printerColumns: columns.map(
          (c): PrinterColumn => ({
            name: typeof c.name === "string" ? c.name : "",
            type: typeof c.type === "string" ? c.type : "string",
            jsonPath: typeof c.jsonPath === "string" ? c.jsonPath : "",
            ...(typeof c.description === "string" ? { description: c.description } : {}),
            ...(typeof c.priority === "number" ? { priority: c.priority } : {}),
          }),
        ),
      };
    });
}

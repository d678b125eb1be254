import { isRecord } from "./kube-object.js";

/** What discovery says about one kind: its plural resource name and scope. */
export interface ApiResource {
  readonly name: string;
  readonly namespaced: boolean;
}

/** `/api/v1` or `/apis/GROUP/VERSION`. */
export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The kinds of one APIResourceList, subresources (`deployments/status`) left out. */
export function resourcesOf(list: unknown): Map<string, ApiResource> {
  const out = new Map<string, ApiResource>();
  const resources = isRecord(list) && Array.isArray(list.resources) ? list.resources : [];
  for (const r of resources) {
    if (!isRecord(r) || typeof r.name !== "string" || typeof r.kind !== "string" || r.name.includes("/")) continue;
    if (!out.has(r.kind)) out.set(r.kind, { name: r.name, namespaced: r.namespaced === true });
  }
  return out;
}

/**
 * The REST mapping (kind → resource, scope), one discovery request per group/version, cached. A
 * kind missing from the cached list is looked up again, since a CRD may have been installed since
 * (the same rule client-node's KubernetesObjectApi follows).
 */
export class ApiDiscovery {
  readonly #fetch: (path: string) => Promise<unknown>;
  readonly #cache = new Map<string, Map<string, ApiResource>>();
  /** One discovery request in flight per group/version, shared by concurrent lookups. */
  readonly #pending = new Map<string, Promise<Map<string, ApiResource>>>();

  /** `fetch` GETs a discovery path and resolves with its JSON; a 404 rejects. */
  constructor(fetch: (path: string) => Promise<unknown>) {
    this.#fetch = fetch;
  }

  async resource(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const found = this.#cache.get(apiVersion)?.get(kind);
    if (found !== undefined) return found;
    let pending = this.#pending.get(apiVersion);
    if (pending === undefined) {
      pending = this.#fetch(apiVersionPath(apiVersion))
        .then((list) => {
          const resources = resourcesOf(list);
          this.#cache.set(apiVersion, resources);
          return resources;
        })
        .finally(() => this.#pending.delete(apiVersion));
      this.#pending.set(apiVersion, pending);
    }
    return (await pending).get(kind);
  }
}

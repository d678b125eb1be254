import type { KubeClient } from "./kube-client.js";
import { decodeInventory, encodeInventory, INVENTORY_DATA_KEY, type Inventory } from "./inventory.js";
import type { KubeObject } from "./kube-object.js";

/** Label every inventory ConfigMap carries (value: the app name), so all can be listed at once. */
export const INVENTORY_LABEL = "flotilla.dev/inventory";

export interface InventoryStoreOptions {
  readonly client: KubeClient;
  /** The spoke's own namespace, where inventories live (Flux keeps them in the Kustomization status). */
  readonly namespace: string;
}

/** ConfigMap names must be DNS labels: lower-case, at most 253 characters. */
export function inventoryName(app: string): string {
  return `flotilla-inventory-${app}`.toLowerCase().replace(/[^a-z0-9.-]/g, "-").slice(0, 253);
}

/**
 * Inventories stored in the cluster, one ConfigMap per app. Reads are cached after the first
 * read or write, so a warm resync costs no request; writes that change nothing are skipped.
 */
export class InventoryStore {
  readonly #client: KubeClient;
  readonly #namespace: string;
  readonly #cache = new Map<string, string | null>();

  constructor(options: InventoryStoreOptions) {
    this.#client = options.client;
    this.#namespace = options.namespace;
  }

  #ref(app: string): { apiVersion: string; kind: string; name: string; namespace: string } {
    return { apiVersion: "v1", kind: "ConfigMap", name: inventoryName(app), namespace: this.#namespace };
  }

  async read(app: string): Promise<Inventory | undefined> {
    let text = this.#cache.get(app);
    if (text === undefined) {
      const cm = await this.#client.get(this.#ref(app));
      const data = cm?.data as Record<string, string> | undefined;
      text = data?.[INVENTORY_DATA_KEY] ?? null;
      this.#cache.set(app, text);
    }
    return text === null ? undefined : decodeInventory(text, `${this.#namespace}/${inventoryName(app)}`);
  }

  async write(inv: Inventory): Promise<boolean> {
    const text = encodeInventory(inv);
    if (this.#cache.get(inv.app) === text) return false;
    const cm: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: inventoryName(inv.app),
        namespace: this.#namespace,
        labels: { [INVENTORY_LABEL]: labelValue(inv.app), "app.kubernetes.io/managed-by": "flotilla" },
      },
      data: { [INVENTORY_DATA_KEY]: text },
    };
    await this.#client.apply(cm, { force: true });
    this.#cache.set(inv.app, text);
    return true;
  }

  async delete(app: string): Promise<void> {
    await this.#client.delete(this.#ref(app));
    this.#cache.set(app, null);
  }

  /** Every app's inventory in the namespace (for "never prune what another inventory owns"). */
  async list(): Promise<Inventory[]> {
    const { items } = await this.#client.list({ apiVersion: "v1", kind: "ConfigMap", namespace: this.#namespace, labelSelector: INVENTORY_LABEL });
    const out: Inventory[] = [];
    for (const cm of items) {
      const text = (cm.data as Record<string, string> | undefined)?.[INVENTORY_DATA_KEY];
      if (text !== undefined) out.push(decodeInventory(text, `${this.#namespace}/${cm.metadata.name}`));
    }
    return out;
  }

  /** Forgets cached reads (after a restart of the watch, or in tests). */
  invalidate(app?: string): void {
    if (app === undefined) this.#cache.clear();
    else this.#cache.delete(app);
  }
}

/** Label values: at most 63 characters of [A-Za-z0-9._-]. */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, "-").slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

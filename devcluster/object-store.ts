import { deepClone, type KubeObject } from "./kube-object.js";

/** Where an object lives: the storage key is independent of the API version it was written with. */
export interface ObjectKey {
  readonly group: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  readonly type: WatchEventType;
  readonly resourceVersion: number;
  readonly group: string;
  readonly resource: string;
  /** A copy of the object after the change (for DELETED: the last state, with the delete's rv). */
  readonly object: KubeObject;
  /** For MODIFIED: the object before the change (watches use it to see objects leave a selector). */
  readonly previous?: KubeObject;
}

export type EventsSince = { readonly expired: false; readonly events: readonly StoreEvent[] } | { readonly expired: true; readonly oldest: number };

export interface ObjectStoreSnapshot {
  readonly resourceVersion: number;
  readonly objects: readonly { readonly group: string; readonly resource: string; readonly object: KubeObject }[];
}

export interface ObjectStoreOptions {
  /** How many events are kept for watches that resume from a resourceVersion. */
  readonly historyLimit?: number;
}

type Listener = (event: StoreEvent) => void;

function typeKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

function itemKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The in-memory etcd: objects by group/resource and namespace/name, one global resourceVersion
 * counter, and a bounded event log so watches can resume. Pure: no I/O, no timers. Objects go in
 * and out as copies so callers can never mutate stored state.
 */
export class ObjectStore {
  readonly #types = new Map<string, Map<string, KubeObject>>();
  readonly #history: StoreEvent[] = [];
  readonly #historyLimit: number;
  readonly #listeners = new Set<Listener>();
  #resourceVersion = 0;
  /** The resourceVersion before the oldest retained event: a watch from rv >= this is served. */
  #historyFloor = 0;

  constructor(options: ObjectStoreOptions = {}) {
    this.#historyLimit = options.historyLimit ?? 2000;
  }

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  get(key: ObjectKey): KubeObject | undefined {
    const found = this.#types.get(typeKey(key.group, key.resource))?.get(itemKey(key.namespace, key.name));
    return found === undefined ? undefined : deepClone(found);
  }

  /** Objects of one type, optionally in one namespace, sorted by namespace then name. */
  list(group: string, resource: string, namespace?: string): KubeObject[] {
    const items = [...(this.#types.get(typeKey(group, resource))?.values() ?? [])];
    return items
      .filter((o) => namespace === undefined || (o.metadata.namespace ?? "") === namespace)
      .sort((a, b) =>
        itemKey(a.metadata.namespace ?? "", a.metadata.name ?? "").localeCompare(itemKey(b.metadata.namespace ?? "", b.metadata.name ?? "")),
      )
      .map((o) => deepClone(o));
  }

  /** Stores `object` (create or replace), stamping the next resourceVersion; returns the stored copy. */
  put(group: string, resource: string, object: KubeObject): KubeObject {
    const namespace = object.metadata.namespace ?? "";
    const name = object.metadata.name ?? "";
    let items = this.#types.get(typeKey(group, resource));
    if (items === undefined) {
      items = new Map();
      this.#types.set(typeKey(group, resource), items);
    }
    const previous = items.get(itemKey(namespace, name));
    const stored = deepClone(object);
    this.#resourceVersion += 1;
    stored.metadata.resourceVersion = String(this.#resourceVersion);
    items.set(itemKey(namespace, name), stored);
    this.#record(
      previous === undefined
        ? { type: "ADDED", resourceVersion: this.#resourceVersion, group, resource, object: deepClone(stored) }
        : { type: "MODIFIED", resourceVersion: this.#resourceVersion, group, resource, object: deepClone(stored), previous },
    );
    return deepClone(stored);
  }

  /** Removes an object; returns its last state (stamped with the deletion's resourceVersion). */
  remove(key: ObjectKey): KubeObject | undefined {
    const items = this.#types.get(typeKey(key.group, key.resource));
    const found = items?.get(itemKey(key.namespace, key.name));
    if (items === undefined || found === undefined) return undefined;
    items.delete(itemKey(key.namespace, key.name));
    this.#resourceVersion += 1;
    const last = deepClone(found);
    last.metadata.resourceVersion = String(this.#resourceVersion);
    this.#record({ type: "DELETED", resourceVersion: this.#resourceVersion, group: key.group, resource: key.resource, object: deepClone(last) });
    return last;
  }

  /** Events with resourceVersion > rv, or `expired` when rv is older than the retained history. */
  eventsSince(rv: number): EventsSince {
    if (rv < this.#historyFloor) return { expired: true, oldest: this.#historyFloor };
    return { expired: false, events: this.#history.filter((e) => e.resourceVersion > rv) };
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): ObjectStoreSnapshot {
    const objects: { group: string; resource: string; object: KubeObject }[] = [];
    for (const [key, items] of this.#types) {
      const slash = key.indexOf("/");
      for (const object of items.values()) {
        objects.push({ group: key.slice(0, slash), resource: key.slice(slash + 1), object: deepClone(object) });
      }
    }
    return { resourceVersion: this.#resourceVersion, objects };
  }

  /** Loads a snapshot into an empty store; history starts after it, so older rvs get 410. */
  restore(snapshot: ObjectStoreSnapshot): void {
    this.#types.clear();
    this.#history.length = 0;
    for (const { group, resource, object } of snapshot.objects) {
      let items = this.#types.get(typeKey(group, resource));
      if (items === undefined) {
        items = new Map();
        this.#types.set(typeKey(group, resource), items);
      }
      items.set(itemKey(object.metadata.namespace ?? "", object.metadata.name ?? ""), deepClone(object));
    }
    this.#resourceVersion = snapshot.resourceVersion;
    this.#historyFloor = snapshot.resourceVersion;
  }

  #record(event: StoreEvent): void {
    this.#history.push(event);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#historyFloor = dropped.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }
}

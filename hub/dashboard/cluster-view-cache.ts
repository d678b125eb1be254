import type { Clock } from "../../core/index.js";
import type { HubService } from "../hub-service.js";
import { clusterNames, clusterView, viewIndex, type ViewIndex } from "../status-views.js";
import type { DashboardCluster } from "./dashboard-views.js";

interface Cached {
  readonly change: number;
  readonly state: unknown;
  readonly online: boolean;
  readonly view: DashboardCluster;
  /** The view without its exact last-seen time (ages refresh on their own): what a change event is about. */
  readonly digest: string;
}

/** The dashboard's view of one cluster, from the hub's status view plus the objects its spoke reported. */
export function dashboardCluster(hub: HubService, name: string, now: number, index: ViewIndex): DashboardCluster {
  const view = clusterView(hub, name, now, index);
  const reported = new Map((hub.registry.get(name)?.report?.apps ?? []).map((a) => [a.name, a]));
  const lastSeen = view.lastSeen === null ? null : Date.parse(view.lastSeen);
  return {
    name,
    labels: view.labels,
    online: view.connection === "Online",
    sync: view.sync,
    health: view.health,
    appliedRevision: view.applied?.revision ?? null,
    desiredRevision: view.desired?.revision ?? null,
    lastSeen: lastSeen === null || Number.isNaN(lastSeen) ? null : lastSeen,
    errors: view.errors,
    behindHead: view.behindHead?.reasons ?? [],
    apps: view.apps.map((a) => ({
      name: a.name,
      appSet: a.appSet,
      sync: a.sync,
      health: a.health,
      revision: a.revision,
      desiredRevision: a.desiredRevision,
      message: a.message,
      errorCode: a.error?.code,
      objects: (reported.get(a.name)?.objects ?? []).map((o) => ({ kind: o.kind, namespace: o.namespace, name: o.name, sync: o.sync, health: o.health, message: o.message })),
    })),
  };
}

/**
 * Every cluster's dashboard view, derived once per change instead of once per request. A view is
 * recomputed when its cluster's registry entry changed (an accepted spoke message), the hub
 * published to it (its state object is replaced), or its connection flipped; every view is
 * recomputed after a hub pass (new render, issues or conditions). `version` moves only when some
 * view's content moved, so the once-a-second change check is a walk over stamps, not a digest
 * of the whole fleet.
 */
export class ClusterViewCache {
  readonly #hub: HubService;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Cached>();
  #global: readonly unknown[] = [];
  #names: string[] = [];
  #index: ViewIndex | undefined;
  #list: DashboardCluster[] = [];
  #version = 0;

  constructor(hub: HubService, clock: Clock) {
    this.#hub = hub;
    this.#clock = clock;
  }

  /** Brings every view up to date (cheap when little changed) and returns them, sorted by name. */
  clusters(): readonly DashboardCluster[] {
    this.refresh();
    return this.#list;
  }

  /** A number that changes whenever a cluster's view does (ages aside). */
  version(): number {
    this.refresh();
    return this.#version;
  }

  refresh(): void {
    const hub = this.#hub;
    const now = this.#clock.now();
    const global = [hub.renderedClusters(), hub.issues(), hub.conditions(), hub.registry.epoch];
    const passChanged = global.length !== this.#global.length || global.some((g, i) => g !== this.#global[i]);
    let changed = false;
    if (passChanged || this.#index === undefined) {
      this.#global = global;
      this.#index = viewIndex(hub);
      const names = clusterNames(hub);
      if (names.length !== this.#names.length || names.some((n, i) => n !== this.#names[i])) {
        changed = true;
        const keep = new Set(names);
        for (const name of this.#entries.keys()) if (!keep.has(name)) this.#entries.delete(name);
      }
      this.#names = names;
    }
    const index = this.#index;
    const list: DashboardCluster[] = [];
    for (const name of this.#names) {
      const change = hub.registry.changeStamp(name);
      const state = hub.clusterState(name);
      const online = hub.registry.connection(name, now) === "Online";
      const cached = this.#entries.get(name);
      if (!passChanged && cached !== undefined && cached.change === change && cached.state === state && cached.online === online) {
        list.push(cached.view);
        continue;
      }
      const view = dashboardCluster(hub, name, now, index);
      const digest = JSON.stringify({ ...view, lastSeen: view.lastSeen === null });
      if (cached?.digest !== digest) changed = true;
      this.#entries.set(name, { change, state, online, view, digest });
      list.push(view);
    }
    this.#list = list;
    if (changed) this.#version += 1;
  }
}

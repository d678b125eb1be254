import type { AppSetOutcome, PlacedApp } from "./fleet-render.js";
import type { AppRender } from "./fleet-render-types.js";
import { deepFreeze } from "./render/manifest-objects.js";

/** Everything of an app but what differs per cluster: most apps of an ApplicationSet share one. */
type AppShape = Omit<AppRender, "name" | "digest">;

/**
 * An ApplicationSet's outcome as a render worker sends it back: each distinct app shape once, and
 * per app only its cluster, name, digest and shape. A structured clone of 10 000 full AppRenders
 * costs the hub's thread more than rendering them did; this form clones a few arrays of strings.
 */
export interface PackedOutcome {
  readonly appSet: AppSetOutcome["appSet"];
  readonly errors: AppSetOutcome["errors"];
  readonly shapes: readonly AppShape[];
  readonly clusters: readonly string[];
  readonly names: readonly string[];
  readonly digests: readonly string[];
  /** Per app, its index in `shapes` (the buffer is transferred, not copied). */
  readonly shapeOf: Int32Array;
}

export function packOutcome(outcome: AppSetOutcome): PackedOutcome {
  const ids = new Map<unknown, number>();
  const idOf = (value: unknown): number => {
    let id = ids.get(value);
    if (id === undefined) {
      id = ids.size;
      ids.set(value, id);
    }
    return id;
  };
  // Values become small ids, so a shape's key stays short: equal JSON text, equal id.
  const textIds = new Map<string, number>();
  const textId = (text: string): number => {
    let id = textIds.get(text);
    if (id === undefined) {
      id = textIds.size;
      textIds.set(text, id);
    }
    return id;
  };
  const valueIds = new Map<unknown, number>();
  /** By value, looked up by identity first: most apps share these objects. */
  const valueId = (value: unknown): number => {
    let id = valueIds.get(value);
    if (id === undefined) {
      id = textId(JSON.stringify(value));
      valueIds.set(value, id);
    }
    return id;
  };
  // An app with several objects has its own sorted list of the same shared objects.
  const listId = (list: readonly unknown[]): string => (list.length === 1 ? String(idOf(list[0])) : list.map(idOf).join(","));
  const shapeIndex = new Map<string, number>();
  const shapes: AppShape[] = [];
  const n = outcome.apps.length;
  const clusters = new Array<string>(n);
  const names = new Array<string>(n);
  const digests = new Array<string>(n);
  const shapeOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const { cluster, app } = outcome.apps[i];
    clusters[i] = cluster;
    names[i] = app.name;
    digests[i] = app.digest;
    // The small parts compare by value (templated ones are built per app), in their own key order,
    // so an unpacked app is field for field the app that was rendered; manifests (shared, frozen)
    // and ignoreDifferences (free-form, frozen when the template has it constant) by identity.
    const key = `${app.appSet}\0${app.namespace}\0${app.project}\0${textId(JSON.stringify(app.labels))}\0${valueId(app.source)}\0${valueId(app.syncPolicy)}\0${idOf(app.ignoreDifferences)}\0[${listId(app.objects)}]\0${app.error === undefined ? "" : textId(JSON.stringify(app.error))}`;
    let index = shapeIndex.get(key);
    if (index === undefined) {
      index = shapes.length;
      shapeIndex.set(key, index);
      const { name: _name, digest: _digest, ...shape } = app;
      shapes.push(shape);
    }
    shapeOf[i] = index;
  }
  return { appSet: outcome.appSet, errors: outcome.errors, shapes, clusters, names, digests, shapeOf };
}

/** The outcome again. Shapes are frozen: every app made from one shares it, as in a local render. */
export function unpackOutcome(p: PackedOutcome): AppSetOutcome {
  for (const shape of p.shapes) deepFreeze(shape);
  const apps = new Array<PlacedApp>(p.names.length);
  for (let i = 0; i < apps.length; i++) {
    const s = p.shapes[p.shapeOf[i]];
    // One object literal of a fixed shape, as finishApp builds it (this runs once per app and cluster).
    const app: { -readonly [K in keyof AppRender]: AppRender[K] } = {
      name: p.names[i],
      appSet: s.appSet,
      namespace: s.namespace,
      project: s.project,
      labels: s.labels,
      source: s.source,
      syncPolicy: s.syncPolicy,
      ignoreDifferences: s.ignoreDifferences,
      objects: s.objects,
      digest: p.digests[i],
    };
    if (s.error !== undefined) app.error = s.error;
    apps[i] = { cluster: p.clusters[i], app };
  }
  return { appSet: p.appSet, errors: p.errors, apps };
}

import { canonicalJson, sha256Digest, type AppBundle } from "../protocol/index.js";

/**
 * What decides "unchanged" for an app: its content regardless of the commit it came from. Two apps
 * have equal keys exactly when the canonical JSON of each without `digest` and `source.revision`
 * is equal (the hub's contentJson): the key is that JSON for everything but the objects, then one
 * digest of canonical JSON per object. Objects and object lists are shared between the apps of a
 * render (and moved unchanged from commit to commit by the incremental render), so each object is
 * serialised and hashed once, not once per cluster and pass: that was the hub's largest plan cost
 * at 10 000 clusters (5.5 s of 10 k × 50 objects per pass).
 */
const keys = new WeakMap<AppBundle, string>();
const listKeys = new WeakMap<readonly unknown[], string>();
const objectKeys = new WeakMap<object, string>();

function objectKey(obj: unknown): string {
  if (typeof obj !== "object" || obj === null) return sha256Digest(Buffer.from(canonicalJson(obj), "utf8"));
  let key = objectKeys.get(obj);
  if (key === undefined) {
    key = sha256Digest(Buffer.from(canonicalJson(obj), "utf8"));
    // Only frozen objects are shared and never change; a mutable one is hashed each time it is asked.
    if (Object.isFrozen(obj)) objectKeys.set(obj, key);
  }
  return key;
}

function objectsKey(objects: readonly unknown[]): string {
  let key = listKeys.get(objects);
  if (key === undefined) {
    key = objects.map(objectKey).join(",");
    if (Object.isFrozen(objects) && objects.every((o) => typeof o !== "object" || o === null || Object.isFrozen(o))) listKeys.set(objects, key);
  }
  return key;
}

/** The app's content key (see above); cached per AppBundle, which is never mutated. */
export function contentKey(app: AppBundle): string {
  let key = keys.get(app);
  if (key === undefined) {
    const { digest: _d, objects, source, ...rest } = app;
    const src = typeof source === "object" && source !== null ? { ...(source as Record<string, unknown>), revision: undefined } : source;
    key = `${canonicalJson({ ...rest, source: src })}\n${Array.isArray(objects) ? objectsKey(objects) : canonicalJson(objects)}`;
    keys.set(app, key);
  }
  return key;
}

const byName = (a: AppBundle, b: AppBundle): number => a.name.localeCompare(b.name);

/** The two app lists hold the same content (in name order), whatever commit each came from. */
export function sameContent(a: readonly AppBundle[], b: readonly AppBundle[]): boolean {
  if (a.length !== b.length) return false;
  const x = [...a].sort(byName);
  const y = [...b].sort(byName);
  for (let i = 0; i < x.length; i++) if (contentKey(x[i]) !== contentKey(y[i])) return false;
  return true;
}

import type { z } from "zod";

/**
 * The runtime side of `x-kubernetes-list-type`, called by the generated CRD modules: the API server
 * refuses a `map` list with two entries of the same key and a `set` list with a repeated item.
 * Messages name the keys, never the values (which may be anything a user wrote).
 */

/** `x-kubernetes-list-type: map` with `x-kubernetes-list-map-keys: keys`. */
export function uniqueListMapKeys(keys: readonly string[]): (entries: readonly object[], ctx: z.RefinementCtx<readonly object[]>) => void {
  return (entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((entry, index) => {
      const record = entry as Record<string, unknown>;
      const identity = JSON.stringify(keys.map((key) => record[key] ?? null));
      if (seen.has(identity)) ctx.addIssue({ code: "custom", message: `${keys.join(", ")} must be unique within the list`, path: keys.length === 1 ? [index, keys[0]] : [index] });
      seen.add(identity);
    });
  };
}

/** `x-kubernetes-list-type: set`: no item twice. */
export function uniqueSetItems(): (items: readonly unknown[], ctx: z.RefinementCtx<readonly unknown[]>) => void {
  return (items, ctx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const identity = JSON.stringify(item);
      if (seen.has(identity)) ctx.addIssue({ code: "custom", message: "items must be unique within the list", path: [index] });
      seen.add(identity);
    });
  };
}

import { isPlainObject, jsonEqual } from "./kube-object.js";
import { defaultKeyFields, listStrategy, type ListStrategy } from "./merge-keys.js";

/**
 * Sets of field paths in the `FieldsV1` notation of server-side apply: `f:<field>`,
 * `k:<json of key fields>` for items of keyed lists, `v:<json>` for members of set lists and `.`
 * for "the item itself". Leaves are scalars, empty maps and atomic lists.
 */
export type FieldPath = readonly string[];

export class FieldSet {
  readonly #paths = new Map<string, FieldPath>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const set = new FieldSet();
    for (const p of paths) set.add(p);
    return set;
  }

  add(path: FieldPath): void {
    this.#paths.set(path.join("\u0000"), path);
  }

  delete(path: FieldPath): void {
    this.#paths.delete(path.join("\u0000"));
  }

  has(path: FieldPath): boolean {
    return this.#paths.has(path.join("\u0000"));
  }

  get size(): number {
    return this.#paths.size;
  }

  paths(): FieldPath[] {
    return [...this.#paths.values()];
  }

  minus(other: FieldSet): FieldSet {
    return FieldSet.of(this.paths().filter((p) => !other.has(p)));
  }

  union(other: FieldSet): FieldSet {
    return FieldSet.of([...this.paths(), ...other.paths()]);
  }

  /** The nested `fieldsV1` JSON stored in `metadata.managedFields`. */
  toFieldsV1(): Record<string, unknown> {
    const root: Record<string, unknown> = {};
    for (const path of this.paths()) {
      let node = root;
      for (const element of path) {
        const next = node[element];
        if (isPlainObject(next)) node = next;
        else {
          const created: Record<string, unknown> = {};
          node[element] = created;
          node = created;
        }
      }
    }
    return root;
  }

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: Record<string, unknown>, prefix: string[]): void => {
      for (const [key, child] of Object.entries(node)) {
        const path = [...prefix, key];
        if (!isPlainObject(child) || Object.keys(child).length === 0) set.add(path);
        else walk(child, path);
      }
    };
    if (isPlainObject(fields)) walk(fields, []);
    return set;
  }
}

function keyElement(strategy: ListStrategy & { kind: "keys" }, item: Record<string, unknown>): string {
  const defaulted = defaultKeyFields(strategy, item) as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const k of [...strategy.keys].sort()) if (defaulted[k] !== undefined) picked[k] = defaulted[k];
  return `k:${JSON.stringify(picked)}`;
}

/** Every leaf path of `value` (field names in `names` pick the list strategies). */
export function fieldSetOf(value: unknown): FieldSet {
  const set = new FieldSet();
  const walk = (node: unknown, names: string[], elements: string[]): void => {
    if (isPlainObject(node) && Object.keys(node).length > 0) {
      for (const [k, v] of Object.entries(node)) if (v !== undefined) walk(v, [...names, k], [...elements, `f:${k}`]);
      return;
    }
    if (Array.isArray(node) && node.length > 0 && elements.length > 0) {
      const strategy = listStrategy(names);
      if (strategy.kind === "keys" && node.every(isPlainObject)) {
        for (const item of node) {
          const element = keyElement(strategy, item);
          set.add([...elements, element, "."]);
          for (const [k, v] of Object.entries(item)) if (v !== undefined) walk(v, [...names, k], [...elements, element, `f:${k}`]);
        }
        return;
      }
      if (strategy.kind === "set") {
        for (const item of node) set.add([...elements, `v:${JSON.stringify(item)}`]);
        return;
      }
    }
    if (elements.length > 0) set.add(elements);
  };
  walk(value, [], []);
  return set;
}

type Found = { readonly found: true; readonly value: unknown } | { readonly found: false };

function namesOf(path: FieldPath): string[] {
  return path.filter((e) => e.startsWith("f:")).map((e) => e.slice(2));
}

function findItem(list: unknown[], element: string, names: string[]): number {
  const strategy = listStrategy(names);
  if (element.startsWith("v:")) {
    const wanted: unknown = JSON.parse(element.slice(2));
    return list.findIndex((v) => jsonEqual(v, wanted));
  }
  if (strategy.kind !== "keys") return -1;
  return list.findIndex((item) => isPlainObject(item) && keyElement(strategy, item) === element);
}

/** The value at a field path, if present. */
export function valueAt(root: unknown, path: FieldPath): Found {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const element = path[i] ?? "";
    if (element === ".") continue;
    if (element.startsWith("f:")) {
      if (!isPlainObject(node) || node[element.slice(2)] === undefined) return { found: false };
      node = node[element.slice(2)];
    } else {
      if (!Array.isArray(node)) return { found: false };
      const index = findItem(node, element, namesOf(path.slice(0, i)));
      if (index < 0) return { found: false };
      node = node[index];
    }
  }
  return { found: true, value: node };
}

/** Removes the field (or list item, for `.` and `v:` paths) at `path` from `root`, in place. */
export function removeAt(root: unknown, path: FieldPath): void {
  const target = path[path.length - 1] === "." ? path.slice(0, -1) : path;
  const parent = valueAt(root, target.slice(0, -1));
  if (!parent.found) return;
  const last = target[target.length - 1] ?? "";
  if (last.startsWith("f:") && isPlainObject(parent.value)) {
    delete parent.value[last.slice(2)];
  } else if (Array.isArray(parent.value)) {
    const index = findItem(parent.value, last, namesOf(target.slice(0, -1)));
    if (index >= 0) parent.value.splice(index, 1);
  }
}

/** Human form of a path for conflict messages: `.spec.containers[name="web"].image`. */
export function describePath(path: FieldPath): string {
  return path
    .filter((e) => e !== ".")
    .map((e) => {
      if (e.startsWith("f:")) return `.${e.slice(2)}`;
      if (e.startsWith("v:")) return `[${e.slice(2)}]`;
      const keys = JSON.parse(e.slice(2)) as Record<string, unknown>;
      return `[${Object.entries(keys)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(",")}]`;
    })
    .join("");
}

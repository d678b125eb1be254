import { ApiStatusError } from "./api-status.js";
import { deepClone, isPlainObject, jsonEqual } from "./kube-object.js";

/** RFC 6901 pointer → unescaped tokens. */
function tokens(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new ApiStatusError("BadRequest", `invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(doc: unknown, path: string[]): { parent: Container; last: string } | undefined {
  let node = doc;
  for (const token of path.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node)) node = node[token];
    else return undefined;
  }
  if (!Array.isArray(node) && !isPlainObject(node)) return undefined;
  return { parent: node, last: path[path.length - 1] ?? "" };
}

function missing(op: string, pointer: string): ApiStatusError {
  return new ApiStatusError("Invalid", `the server rejected our request due to an error in our request: ${op} operation does not apply: doc is missing path: "${pointer}": missing value`);
}

function arrayIndex(arr: unknown[], token: string, allowEnd: boolean): number {
  if (allowEnd && token === "-") return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new ApiStatusError("Invalid", `invalid array index "${token}"`);
  const i = Number(token);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw new ApiStatusError("Invalid", `array index ${token} out of bounds`);
  return i;
}

function getAt(doc: unknown, pointer: string, op: string): unknown {
  let node = doc;
  for (const token of tokens(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isPlainObject(node) && Object.hasOwn(node, token)) node = node[token];
    else node = undefined;
    if (node === undefined) throw missing(op, pointer);
  }
  return node;
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const path = tokens(pointer);
  if (path.length === 0) return value;
  const { parent, last } = safeParent(doc, path, "add", pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else parent[last] = value;
  return doc;
}

function remove(doc: unknown, pointer: string): unknown {
  const path = tokens(pointer);
  const { parent, last } = safeParent(doc, path, "remove", pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else {
    if (!Object.hasOwn(parent, last)) throw missing("remove", pointer);
    delete parent[last];
  }
  return doc;
}

function safeParent(doc: unknown, path: string[], op: string, pointer: string): { parent: Container; last: string } {
  const found = parentOf(doc, path);
  if (found === undefined) throw missing(op, pointer);
  return found;
}

/** Applies an RFC 6902 JSON patch to a copy of `doc`. Any failing operation rejects the whole patch. */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new ApiStatusError("BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let result = deepClone(doc);
  for (const raw of patch) {
    if (!isPlainObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw new ApiStatusError("BadRequest", "the server rejected our request due to an error in our request: invalid JSON patch operation");
    }
    const { op, path } = raw;
    const from = typeof raw.from === "string" ? raw.from : "";
    switch (op) {
      case "add":
        result = add(result, path, deepClone(raw.value));
        break;
      case "remove":
        result = remove(result, path);
        break;
      case "replace":
        getAt(result, path, "replace");
        result = add(remove(result, path), path, deepClone(raw.value));
        break;
      case "move": {
        const value = getAt(result, from, "move");
        result = add(remove(result, from), path, value);
        break;
      }
      case "copy":
        result = add(result, path, deepClone(getAt(result, from, "copy")));
        break;
      case "test":
        if (!jsonEqual(getAt(result, path, "test"), raw.value)) {
          throw new ApiStatusError("Invalid", `the server rejected our request due to an error in our request: testing value ${path} failed: test failed`);
        }
        break;
      default:
        throw new ApiStatusError("BadRequest", `the server rejected our request due to an error in our request: Unexpected kind: ${op}`);
    }
  }
  return result;
}

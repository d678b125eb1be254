import type { GoScalar } from "./go-values.js";
import type { CommentsStack, TreeCipher } from "./tree-cipher.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/** A comment line kept in the tree, as sops.Comment. */
export class SopsComment {
  readonly value: string;
  readonly inline: boolean;
  constructor(value: string, inline = false) {
    this.value = value;
    this.inline = inline;
  }
}

export type TreeValue = GoScalar | null | TreeBranch | TreeValue[] | SopsComment;

export interface TreeItem {
  key: string | SopsComment;
  value: TreeValue;
}

/** An ordered mapping (sops.TreeBranch): key order is part of the MAC. */
export class TreeBranch {
  readonly items: TreeItem[];
  constructor(items: TreeItem[] = []) {
    this.items = items;
  }

  get(key: string): TreeValue | undefined {
    return this.items.find((i) => i.key === key)?.value;
  }
}

/** sops' walkBranch / walkSlice, rewriting leaves in place through the cipher. */
export function walkBranch(branch: TreeBranch, path: readonly string[], stack: CommentsStack, cipher: TreeCipher): void {
  const level: string[] = [];
  const inner = [...stack, level];
  for (const item of branch.items) {
    if (item.key instanceof SopsComment) {
      level.push(item.key.value);
      item.key = new SopsComment(cipher.comment(item.key.value, [path], inner), item.key.inline);
      continue;
    }
    const valueIsComment = item.value instanceof SopsComment;
    if (item.value instanceof SopsComment) level.push(item.value.value);
    item.value = walkValue(item.value, [...path, item.key], inner, cipher);
    if (!valueIsComment) level.length = 0;
  }
}

function walkSlice(list: TreeValue[], path: readonly string[], stack: CommentsStack, cipher: TreeCipher): void {
  const level: string[] = [];
  const inner = [...stack, level];
  list.forEach((v, i) => {
    if (v instanceof SopsComment) level.push(v.value);
    list[i] = walkValue(v, path, inner, cipher);
    if (!(v instanceof SopsComment)) level.length = 0;
  });
}

function walkValue(v: TreeValue, path: readonly string[], stack: CommentsStack, cipher: TreeCipher): TreeValue {
  if (v === null) return null;
  if (v instanceof TreeBranch) {
    walkBranch(v, path, stack, cipher);
    return v;
  }
  if (Array.isArray(v)) {
    walkSlice(v, path, stack, cipher);
    return v;
  }
  if (v instanceof SopsComment) return new SopsComment(cipher.comment(v.value, [path], stack), v.inline);
  return cipher.value(v, path, stack);
}

/** Plain JSON-like data from a tree (comments dropped); ints become numbers when safe, else strings. */
export function treeToPlain(v: TreeValue): unknown {
  if (v instanceof TreeBranch) {
    const out: Record<string, unknown> = {};
    for (const item of v.items) {
      if (item.key instanceof SopsComment) continue;
      out[item.key] = treeToPlain(item.value);
    }
    return out;
  }
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof SopsComment)).map(treeToPlain);
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof SopsComment) return undefined;
  return v;
}

/**
 * Deepest nesting a SOPS document may have. The tree is walked recursively (cipher, MAC, emit),
 * which overflows the stack near 2 000 levels; real files nest a few levels.
 */
export const MAX_TREE_DEPTH = 256;

/** A tree from plain JSON-like data (Kubernetes objects): numbers that are integers become ints. */
export function plainToTree(v: unknown, field = "", depth = 0): TreeValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "object" && depth >= MAX_TREE_DEPTH) {
    throw new SopsError(SOPS_ERROR.invalidFormat, `the object nests deeper than ${String(MAX_TREE_DEPTH)} levels`, { field: field || undefined });
  }
  if (Array.isArray(v)) return v.map((x) => plainToTree(x, field, depth + 1));
  if (typeof v === "object") {
    return new TreeBranch(Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: plainToTree(value, field, depth + 1) })));
  }
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return v;
  throw new SopsError(SOPS_ERROR.unsupportedValue, `unsupported value type ${typeof v}`, { field: field || undefined });
}

import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/**
 * sops' metadata flattening for dotenv and INI (stores/flatten.go): nested keys joined with
 * `__map_` and list positions with `__list_`.
 */
const MAP_SEP = "__map_";
const LIST_SEP = "__list_";

export function flattenMetadata(md: unknown, prefix: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, key: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${key}${LIST_SEP}${i}`));
    else if (typeof v === "object" && v !== null) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        walk(x, key === prefix ? `${prefix}${k}` : `${key}${MAP_SEP}${k}`);
      }
    } else out.push([key, String(v)]);
  };
  walk(md, prefix);
  return out;
}

type Tok = { map: string } | { list: number };

function tokenize(path: string): Tok[] {
  const toks: Tok[] = [];
  const re = /(__map_|__list_)/g;
  let last = 0;
  let state: "normal" | "map" | "list" = "normal";
  const finish = (end: number): void => {
    const text = path.slice(last, end);
    toks.push(state === "list" ? { list: Number.parseInt(text, 10) } : { map: text });
  };
  for (let m = re.exec(path); m !== null; m = re.exec(path)) {
    finish(m.index);
    state = m[1] === MAP_SEP ? "map" : "list";
    last = m.index + m[0].length;
  }
  finish(path.length);
  return toks;
}

/** Unflattens `[key, value]` entries back into nested plain data (errors like sops' place/convert). */
export function unflattenMetadata(entries: readonly [string, string][]): Record<string, unknown> {
  const mismatch = (): never => {
    throw new SopsError(SOPS_ERROR.invalidMetadata, "flattened metadata has conflicting or duplicate keys");
  };
  const root: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const toks = tokenize(key);
    let cur: Record<string, unknown> | unknown[] = root;
    toks.forEach((tok, i) => {
      const last = i === toks.length - 1;
      const next = toks[i + 1];
      const isList = next !== undefined && "list" in next;
      const step = (existing: unknown): Record<string, unknown> | unknown[] => {
        if (last) return mismatch();
        if (existing === undefined) return isList ? [] : {};
        if (isList ? !Array.isArray(existing) : typeof existing !== "object" || existing === null || Array.isArray(existing)) return mismatch();
        return existing as Record<string, unknown> | unknown[];
      };
      if ("map" in tok) {
        if (Array.isArray(cur)) return mismatch();
        const obj: Record<string, unknown> = cur;
        if (last) {
          if (obj[tok.map] !== undefined) mismatch();
          obj[tok.map] = value;
        } else cur = obj[tok.map] = step(obj[tok.map]);
      } else {
        if (!Array.isArray(cur) || !Number.isInteger(tok.list) || tok.list < 0 || tok.list > 1000) return mismatch();
        const arr: unknown[] = cur;
        if (last) {
          if (arr[tok.list] !== undefined) mismatch();
          arr[tok.list] = value;
        } else cur = arr[tok.list] = step(arr[tok.list]);
      }
    });
  }
  return root;
}

import { posix } from "node:path";
import { toYaml, withGoMethods } from "../template/index.js";
import type { ChartFile } from "./chart.js";
import { filesGlobPattern } from "./go-path-match.js";
import { define } from "./helm-yaml.js";

const decoder = new TextDecoder();

/**
 * `.Files`: the chart's non-template files (Helm's `engine.files`, a map of path to bytes) with
 * its methods `Get`, `GetBytes`, `Glob`, `Lines`, `AsConfig`, `AsSecrets`.
 */
export function filesObject(files: ReadonlyMap<string, Uint8Array>): Record<string, Uint8Array> {
  const m: Record<string, Uint8Array> = {};
  for (const [k, v] of files) define(m, k, v);
  const get = (name: unknown): Uint8Array | undefined => (typeof name === "string" ? files.get(name) : undefined);
  return withGoMethods(m, {
    GetBytes: (name) => get(name) ?? new Uint8Array(),
    Get: (name) => {
      const b = get(name);
      return b === undefined ? "" : decoder.decode(b);
    },
    Glob: (pattern) => {
      let re: RegExp;
      try {
        re = filesGlobPattern(String(pattern));
      } catch {
        re = /^.*$/s;
      }
      return filesObject(new Map([...files].filter(([name]) => re.test(name))));
    },
    Lines: (name) => {
      const b = get(name);
      if (b === undefined) return [];
      let s = decoder.decode(b);
      if (s.endsWith("\n")) s = s.slice(0, -1);
      return s.split("\n");
    },
    AsConfig: () => (files.size === 0 ? "" : asYaml(files, (v) => decoder.decode(v))),
    AsSecrets: () => (files.size === 0 ? "" : asYaml(files, (v) => Buffer.from(v).toString("base64"))),
  });
}

function asYaml(files: ReadonlyMap<string, Uint8Array>, encode: (v: Uint8Array) => string): string {
  const m: Record<string, string> = {};
  for (const [k, v] of files) define(m, posix.basename(k), encode(v));
  try {
    return toYaml(m);
  } catch {
    return "";
  }
}

export function filesMap(files: readonly ChartFile[]): Map<string, Uint8Array> {
  return new Map(files.map((f) => [f.name, f.data]));
}

import { Option } from "commander";
import { luaHealthRule, LuaRuntime, resourceHealth, type HealthOptions, type HealthResult, type KubeObject } from "../kube/index.js";
import type { CommandRegistrar } from "./context.js";
import { readHealthInputs, type InputDocument } from "./health-input.js";
import { readLuaHealthDir } from "./lua-health-dir.js";

export const HEALTH_FORMATS = ["table", "json"] as const;
export type HealthFormat = (typeof HEALTH_FORMATS)[number];

/** One rated object, as `flotilla health -o json` prints it (docs/health.md). */
export interface HealthRow {
  readonly file: string;
  readonly line: number;
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Null when no rule covers the kind (it does not count toward app health). */
  readonly health: HealthResult | null;
}

function field(value: unknown, ...path: string[]): string | undefined {
  let cur = value;
  for (const p of path) cur = typeof cur === "object" && cur !== null && !Array.isArray(cur) ? (cur as Record<string, unknown>)[p] : undefined;
  return typeof cur === "string" && cur !== "" ? cur : undefined;
}

/** Rates each document as the spoke rates a live object (same function, same options). */
export function rateDocuments(docs: readonly InputDocument[], options: HealthOptions = {}): HealthRow[] {
  return docs.map((doc) => {
    const apiVersion = field(doc.value, "apiVersion");
    const kind = field(doc.value, "kind");
    const namespace = field(doc.value, "metadata", "namespace");
    const name = field(doc.value, "metadata", "name") ?? field(doc.value, "metadata", "generateName");
    return {
      file: doc.file,
      line: doc.line,
      ...(apiVersion === undefined ? {} : { apiVersion }),
      ...(kind === undefined ? {} : { kind }),
      ...(namespace === undefined ? {} : { namespace }),
      ...(name === undefined ? {} : { name }),
      // resourceHealth never throws and answers for anything, even a document that is not an object.
      health: resourceHealth(doc.value as KubeObject, options) ?? null,
    };
  });
}

/** Tabs and newlines in a message would break the table's columns. */
const oneLine = (s: string): string => s.replace(/\s+/gu, " ").trim();

export function healthTable(rows: readonly HealthRow[]): string {
  const lines = [["KIND", "NAMESPACE", "NAME", "STATUS", "RULE", "MESSAGE"]];
  for (const r of rows) {
    lines.push([r.kind ?? "<none>", r.namespace ?? "", r.name ?? "<none>", r.health?.status ?? "<none>", r.health?.rule ?? "<none>", oneLine(r.health?.message ?? "")]);
  }
  const widths = lines[0]?.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? "").length))) ?? [];
  return lines.map((l) => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join("   ").trimEnd()).join("\n") + "\n";
}

interface HealthFlags {
  readonly output: HealthFormat;
  readonly lua?: string;
}

/**
 * `flotilla health FILE... [--lua DIR]`: rates every object of the files (multi-document YAML or JSON,
 * `-` for stdin, Lists expanded) with the spoke's health rules, plus the Lua health scripts of DIR
 * as the fleet repository's `health/` would give them, and says which rule rated each one. It
 * fails (non-zero) only when an input cannot be read or parsed; a Degraded object is a result.
 */
export const registerHealth: CommandRegistrar = (program, ctx) => {
  program
    .command("health")
    .description("rate the health of the objects in FILEs as the spoke does, and name the rule that rated each")
    .argument("<file...>", "YAML or JSON manifests (multi-document, Lists expanded); - reads stdin")
    .addOption(new Option("-o, --output <format>", "output format").choices(HEALTH_FORMATS).default("table"))
    .option("--lua <dir>", "Lua health scripts in Argo CD's layout (<group>/<kind>/health.lua, argocd-cm ConfigMaps), checked before the built-in rules")
    .action(async (files: string[], flags: HealthFlags) => {
      // Scripts first: a broken directory stops the command before any input is read.
      const scripts = flags.lua === undefined ? undefined : await readLuaHealthDir(flags.lua, ctx.cwd);
      const options: HealthOptions = scripts === undefined ? {} : { custom: luaHealthRule({ runtime: await LuaRuntime.load(), scripts, now: () => ctx.clock.now() }) };
      const rows = rateDocuments(await readHealthInputs(ctx, files), options);
      ctx.stdout.write(flags.output === "json" ? `${JSON.stringify({ objects: rows }, null, 2)}\n` : healthTable(rows));
    });
};

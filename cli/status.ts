import { setTimeout as sleep } from "node:timers/promises";
import { FlotillaError } from "../core/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { hubApiFor } from "./hub-api.js";
import { DEFAULT_HUB_URL, hubClientFor, hubUrlFrom } from "./hub-url.js";
import { STATUS_FORMATS, degradedClusters, formatApps, formatConditions, formatStatus, type ConditionSummary, type StatusFormat } from "./status-table.js";

interface StatusFlags {
  hub?: string;
  authToken?: string;
  output: string;
  cluster?: string;
  selector?: string;
  apps?: boolean;
  watch?: boolean;
}

function isFormat(value: string): value is StatusFormat {
  return (STATUS_FORMATS as readonly string[]).includes(value);
}

interface LeaderAnswer {
  readonly self: { readonly id: string; readonly role: string };
  readonly leader: { readonly id: string; readonly url?: string } | null;
}

/**
 * With hub failover, which hub answered and who leads: a standby's reads are served, but its
 * mutations are not (HUB_NOT_LEADER). Nothing for a hub without `--lease` (no such endpoint).
 */
async function leaderHeader(api: { get<T>(path: string): Promise<T> }): Promise<string> {
  let answer: LeaderAnswer;
  try {
    answer = await api.get<LeaderAnswer>("/api/v1/leader");
  } catch {
    return "";
  }
  if (answer.self.role === "leader") return `hub ${answer.self.id} (leader)\n`;
  const leader = answer.leader === null ? "no hub leads right now" : `leader: ${answer.leader.id}${answer.leader.url === undefined ? "" : ` at ${answer.leader.url}`}`;
  return `hub ${answer.self.id} (standby; ${leader})\n`;
}

/** How often `--watch` asks the hub again. */
const WATCH_INTERVAL_MS = 2000;

/** One look at the fleet: the text to print and the error that decides the exit code (if any). */
async function snapshot(flags: StatusFlags & { output: StatusFormat }, ctx: CliContext): Promise<{ text: string; failure?: FlotillaError }> {
  const url = hubUrlFrom(flags.hub, ctx);
  const client = hubClientFor(url, ctx);
  let clusters = await client.clusters(flags.selector === undefined ? {} : { selector: flags.selector });
  if (flags.cluster !== undefined) {
    clusters = clusters.filter((c) => c.name === flags.cluster);
    if (clusters.length === 0) throw new FlotillaError("CLUSTER_NOT_FOUND", `the hub knows no cluster "${flags.cluster}"`, { field: "--cluster" });
  }
  const { items: conditions } = await hubApiFor(url, flags.authToken, ctx).get<{ items: ConditionSummary[] }>("/api/v1/conditions");
  const shown = new Set(clusters.map((c) => c.name));
  // A selector narrows the conditions to those that hold back a listed cluster.
  const relevant = flags.selector === undefined && flags.cluster === undefined ? conditions : conditions.filter((c) => c.clusters === "all" || c.clusters.some((n) => shown.has(n)));
  const tabular = flags.output === "table" || flags.output === "wide";
  const body = flags.apps === true && tabular ? formatApps(clusters) + formatConditions(relevant) : formatStatus(clusters, flags.output, ctx.clock.now(), relevant);
  const text = tabular ? (await leaderHeader(hubApiFor(url, flags.authToken, ctx))) + body : body;
  if (relevant.length > 0) {
    const first = relevant[0];
    const where = first?.file === undefined ? "" : ` (${first.file}${first.line === undefined ? "" : `:${String(first.line)}`})`;
    return { text, failure: new FlotillaError("FLEET_CONDITION", `HEAD is not published everywhere: ${String(relevant.length)} condition(s), first ${first?.type ?? ""} ${first?.code ?? ""}${where}`) };
  }
  const degraded = degradedClusters(clusters);
  if (degraded.length > 0) return { text, failure: new FlotillaError("FLEET_DEGRADED", `${String(degraded.length)} cluster(s) Degraded: ${degraded.join(", ")}`) };
  return { text };
}

/**
 * `flotilla status`: each cluster's connection, sync, health and revision from a running hub's API,
 * printed like `kubectl get`, and the fleet-level conditions (HEAD that did not render or publish).
 * Exits 1 when a condition holds or anything is Degraded, so CI can gate on it.
 */
export const registerStatus: CommandRegistrar = (program, ctx) => {
  program
    .command("status")
    .description("show each cluster's connection, sync, health and revision from a running hub (exit 1 if HEAD failed to render/publish or anything is Degraded)")
    .option("--hub <url>", `hub URL (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL})`)
    .option("--auth-token <token>", "bearer token for a hub that protects reads (default $FLOTILLA_HUB_TOKEN)")
    .option("-o, --output <format>", "table, wide, json or yaml", "table")
    .option("--cluster <name>", "show only this cluster")
    .option("-l, --selector <selector>", "only clusters whose labels match (key=value,key!=value,key), like kubectl -l")
    .option("--apps", "one row per application per cluster (like argocd app list)")
    .option("-w, --watch", "print again whenever something changes, until interrupted")
    .action(async (flags: StatusFlags) => {
      const output = flags.output;
      if (!isFormat(output)) {
        throw new FlotillaError("INVALID_FLAG", `unknown output format "${output}" (use ${STATUS_FORMATS.join(", ")})`, { field: "--output" });
      }
      const withFormat = { ...flags, output };
      if (flags.watch !== true) {
        const { text, failure } = await snapshot(withFormat, ctx);
        ctx.stdout.write(text);
        if (failure !== undefined) throw failure;
        return;
      }
      let last = "";
      while (!ctx.shutdown.aborted) {
        const { text } = await snapshot(withFormat, ctx);
        // Ages tick every second; only a change of anything else prints again.
        const key = text.replace(/\b\d+(s|m|h|d)(\d+s)?\b/g, "");
        if (key !== last) {
          if (last !== "") ctx.stdout.write("\n");
          ctx.stdout.write(`# ${new Date(ctx.clock.now()).toISOString()}\n${text}`);
          last = key;
        }
        await sleep(WATCH_INTERVAL_MS, undefined, { signal: ctx.shutdown }).catch(() => undefined);
      }
    });
};

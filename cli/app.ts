import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { stringify } from "yaml";
import { FlotillaError } from "../core/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { parseDuration } from "./duration-flag.js";
import { hubApiFor, type HubApi } from "./hub-api.js";
import { DEFAULT_HUB_URL, hubUrlFrom } from "./hub-url.js";
import { alignColumns } from "./status-table.js";

interface HubFlags {
  hub?: string;
  authToken?: string;
  output?: string;
  cluster?: string;
}

interface AppItem {
  name: string;
  appSet: string;
  cluster: string;
  sync: string;
  health: string;
  revision: string | null;
  desiredRevision: string | null;
  message?: string;
  error?: { code: string; message: string };
  syncPolicy?: string;
  suspended?: boolean;
  historyId?: number | null;
  objects?: { kind: string; namespace?: string; name: string; sync: string; health: string; message?: string }[];
  history?: HistoryItem[];
}

interface HistoryItem {
  id: number;
  revision: string;
  deployedAt: string;
  initiatedBy: string;
  kind: string;
  generation: number;
}

const OUTPUTS = ["table", "wide", "json", "yaml"] as const;

function outputOf(flags: HubFlags): (typeof OUTPUTS)[number] {
  const o = flags.output ?? "table";
  if (!(OUTPUTS as readonly string[]).includes(o)) throw new FlotillaError("INVALID_FLAG", `unknown output format "${o}" (use ${OUTPUTS.join(", ")})`, { field: "--output" });
  return o as (typeof OUTPUTS)[number];
}

function api(flags: HubFlags, ctx: CliContext): HubApi {
  return hubApiFor(hubUrlFrom(flags.hub, ctx), flags.authToken, ctx);
}

function withHub(cmd: Command, output = true): Command {
  cmd.option("--hub <url>", `hub URL (default $FLOTILLA_HUB or ${DEFAULT_HUB_URL})`).option("--auth-token <token>", "the hub's API token for actions, read or API token for reads (default $FLOTILLA_HUB_TOKEN)");
  if (output) cmd.option("-o, --output <format>", "table, wide, json or yaml", "table");
  return cmd;
}

const short = (rev: string | null | undefined): string => (rev === null || rev === undefined || rev === "" ? "<none>" : rev.slice(0, 7));
const q = (cluster: string | undefined): string => (cluster === undefined ? "" : `?cluster=${encodeURIComponent(cluster)}`);

function printStructured(ctx: CliContext, format: string, value: unknown): boolean {
  if (format === "json") ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else if (format === "yaml") ctx.stdout.write(stringify(value));
  else return false;
  return true;
}

function appRows(items: readonly AppItem[], wide: boolean): string {
  const head = ["NAME", "CLUSTER", "APPSET", "SYNC", "HEALTH", "SYNCPOLICY", "REVISION", ...(wide ? ["DESIRED", "HISTORY", "MESSAGE"] : [])];
  const rows = items.map((a) => [
    a.name,
    a.cluster,
    a.appSet === "" ? "<none>" : a.appSet,
    a.sync,
    a.health,
    `${a.syncPolicy ?? "<unknown>"}${a.suspended === true ? " (suspended)" : ""}`,
    short(a.revision),
    ...(wide ? [short(a.desiredRevision), a.historyId === null || a.historyId === undefined ? "-" : String(a.historyId), a.error === undefined ? (a.message ?? "") : `${a.error.code}: ${a.error.message}`] : []),
  ]);
  return alignColumns([head, ...rows]);
}

async function appItems(hub: HubApi, name: string, cluster: string | undefined): Promise<AppItem[]> {
  return (await hub.get<{ items: AppItem[] }>(`/api/v1/applications/${encodeURIComponent(name)}${q(cluster)}`)).items;
}

/**
 * `flotilla app …` and `flotilla refresh`: Argo CD's `argocd app` verbs over the hub's API. Reads
 * want the read (or API) token when the hub protects reads; actions want the API token, and the
 * hub records each in its audit log. Actions reach spokes only as the next signed envelope.
 */
export const registerApp: CommandRegistrar = (program, ctx) => {
  const app = program.command("app").description("list, inspect, diff, sync, wait for, roll back, suspend and resume applications through a running hub (like argocd app)");

  withHub(app.command("list").description("every application on every cluster (or --cluster)").option("--cluster <name>", "only this cluster").option("--app-set <name>", "only apps of this ApplicationSet"))
    .action(async (flags: HubFlags & { appSet?: string }) => {
      const format = outputOf(flags);
      const params = new URLSearchParams();
      if (flags.cluster !== undefined) params.set("cluster", flags.cluster);
      if (flags.appSet !== undefined) params.set("appSet", flags.appSet);
      const { items } = await api(flags, ctx).get<{ items: AppItem[] }>(`/api/v1/applications${params.size === 0 ? "" : `?${params.toString()}`}`);
      if (printStructured(ctx, format, { items })) return;
      ctx.stdout.write(items.length === 0 ? "No applications found.\n" : appRows(items, format === "wide"));
    });

  withHub(app.command("get").argument("<name>", "application name").description("an application's sync, health, objects and history on each cluster").option("--cluster <name>", "only this cluster"))
    .action(async (name: string, flags: HubFlags) => {
      const format = outputOf(flags);
      const items = await appItems(api(flags, ctx), name, flags.cluster);
      if (printStructured(ctx, format, { items })) return;
      const parts = items.map((a) => {
        const header = [
          `Name:          ${a.name}`,
          `Cluster:       ${a.cluster}`,
          `ApplicationSet: ${a.appSet}`,
          `Sync Policy:   ${a.syncPolicy ?? "<unknown>"}${a.suspended === true ? " (suspended)" : ""}`,
          `Sync Status:   ${a.sync} (${short(a.revision)})`,
          `Health Status: ${a.health}`,
          ...(a.message === undefined ? [] : [`Message:       ${a.message}`]),
          ...(a.error === undefined ? [] : [`Error:         ${a.error.code}: ${a.error.message}`]),
        ].join("\n");
        const objects = (a.objects ?? []).map((o) => [o.kind, o.namespace ?? "", o.name, o.sync, o.health, o.message ?? ""]);
        return `${header}\n\n${objects.length === 0 ? "No objects reported.\n" : alignColumns([["KIND", "NAMESPACE", "NAME", "STATUS", "HEALTH", "MESSAGE"], ...objects])}`;
      });
      ctx.stdout.write(parts.join("\n"));
    });

  withHub(app.command("history").argument("<name>", "application name").description("the deployments of an application (ids for rollback)").option("--cluster <name>", "only this cluster"))
    .action(async (name: string, flags: HubFlags) => {
      const format = outputOf(flags);
      const { items } = await api(flags, ctx).get<{ items: { cluster: string; history: HistoryItem[] }[] }>(`/api/v1/applications/${encodeURIComponent(name)}/history${q(flags.cluster)}`);
      if (printStructured(ctx, format, { items })) return;
      const rows = items.flatMap((c) => c.history.map((h) => [c.cluster, String(h.id), h.deployedAt, short(h.revision), h.kind, h.initiatedBy]));
      ctx.stdout.write(rows.length === 0 ? "No history.\n" : alignColumns([["CLUSTER", "ID", "DATE", "REVISION", "KIND", "INITIATED BY"], ...rows]));
    });

  withHub(app.command("diff").argument("<name>", "application name").description("what a sync would change: HEAD's render against what the cluster was sent (Secret values masked); exit 1 when they differ").option("--cluster <name>", "only this cluster"), false)
    .action(async (name: string, flags: HubFlags) => {
      const { items } = await api(flags, ctx).get<{ items: { cluster: string; diffs: { id: string; diff: string }[]; error?: { code: string; message: string } }[] }>(`/api/v1/applications/${encodeURIComponent(name)}/diff${q(flags.cluster)}`);
      let changed = 0;
      for (const c of items) {
        if (c.error !== undefined) ctx.stdout.write(`===== ${c.cluster}: HEAD does not render: ${c.error.code}: ${c.error.message}\n`);
        for (const d of c.diffs) {
          changed += 1;
          ctx.stdout.write(`===== ${c.cluster} ${d.id} ======\n${d.diff.endsWith("\n") ? d.diff : `${d.diff}\n`}`);
        }
      }
      if (changed > 0) throw new FlotillaError("DIFF_FOUND", `${String(changed)} object(s) differ`, { userError: true });
    });

  withHub(app.command("sync").argument("<name>", "application name").description("give the application HEAD's content now (a new signed envelope per cluster)").option("--cluster <name>", "only this cluster").option("--prune", "allow deleting objects no longer in Git for this sync"))
    .action(async (name: string, flags: HubFlags & { prune?: boolean }) => {
      const format = outputOf(flags);
      const res = await api(flags, ctx).post<{ items: { cluster: string; generation: number | null; revision: string | null; error?: string; pending?: boolean }[]; audit: number }>(`/api/v1/applications/${encodeURIComponent(name)}/sync`, {
        ...(flags.cluster === undefined ? {} : { cluster: flags.cluster }),
        prune: flags.prune === true,
      });
      if (printStructured(ctx, format, res)) return;
      for (const i of res.items)
        ctx.stdout.write(
          i.pending === true
            ? `${name} on ${i.cluster}: sync pending (HEAD does not render for it yet; the hub sends it once it does, across restarts)\n`
            : i.error === undefined
              ? `${name} on ${i.cluster}: sync sent (generation ${String(i.generation)}, revision ${short(i.revision)})\n`
              : `${name} on ${i.cluster}: publish failed: ${i.error}\n`,
        );
      const failed = res.items.filter((i) => i.error !== undefined);
      if (failed.length > 0) throw new FlotillaError("SYNC_FAILED", `the hub could not publish to ${failed.map((f) => f.cluster).join(", ")}`);
    });

  withHub(app.command("rollback").argument("<name>", "application name").argument("[id]", "history id to go back to (default: the one before the current)").description("run an earlier deployment of a manual application on one cluster (a new signed envelope)").requiredOption("--cluster <name>", "the cluster"))
    .action(async (name: string, id: string | undefined, flags: HubFlags) => {
      const format = outputOf(flags);
      if (id !== undefined && !/^\d+$/.test(id)) throw new FlotillaError("INVALID_ARGUMENT", `history id "${id}" is not a number (see flotilla app history ${name})`, { field: "ID" });
      const res = await api(flags, ctx).post<{ items: { cluster: string; generation: number | null; id: number }[]; audit: number }>(`/api/v1/applications/${encodeURIComponent(name)}/rollback`, {
        cluster: flags.cluster,
        ...(id === undefined ? {} : { id: Number(id) }),
      });
      if (printStructured(ctx, format, res)) return;
      for (const i of res.items) ctx.stdout.write(`${name} on ${i.cluster}: rolled back to history ${String(i.id)} (generation ${String(i.generation)})\n`);
    });

  for (const verb of ["suspend", "resume"] as const) {
    withHub(app.command(verb).argument("<name>", "application name").description(verb === "suspend" ? "stop sending the application new content (like flux suspend)" : "send it new content again").option("--cluster <name>", "only this cluster"), false)
      .action(async (name: string, flags: HubFlags) => {
        const res = await api(flags, ctx).post<{ items: { cluster: string }[] }>(`/api/v1/applications/${encodeURIComponent(name)}/${verb}`, flags.cluster === undefined ? {} : { cluster: flags.cluster });
        ctx.stdout.write(`${name}: ${verb === "suspend" ? "suspended" : "resumed"} on ${res.items.map((i) => i.cluster).join(", ")}\n`);
      });
  }

  withHub(app.command("wait").argument("<name>", "application name").description("wait until the application is Synced and/or Healthy on its clusters").option("--cluster <name>", "only this cluster").option("--sync", "wait for Synced").option("--health", "wait for Healthy").option("--timeout <duration>", "give up after this long (seconds, or 30s, 5m)", "300"), false)
    .action(async (name: string, flags: HubFlags & { sync?: boolean; health?: boolean; timeout: string }) => {
      const timeoutMs = parseDuration(flags.timeout, "--timeout");
      const both = flags.sync !== true && flags.health !== true;
      const hub = api(flags, ctx);
      const deadline = ctx.clock.now() + timeoutMs;
      let last: AppItem[] = [];
      for (;;) {
        last = await appItems(hub, name, flags.cluster);
        const done = last.every((a) => ((both || flags.sync === true) ? a.sync === "Synced" : true) && ((both || flags.health === true) ? a.health === "Healthy" : true));
        if (done) {
          ctx.stdout.write(appRows(last, false));
          return;
        }
        if (ctx.clock.now() >= deadline || ctx.shutdown.aborted) break;
        await sleep(1000, undefined, { signal: ctx.shutdown }).catch(() => undefined);
      }
      ctx.stdout.write(appRows(last, false));
      throw new FlotillaError("WAIT_TIMEOUT", `timed out after ${flags.timeout} waiting for ${name}: ${last.map((a) => `${a.cluster} ${a.sync}/${a.health}`).join(", ")}`);
    });
};

/** `flotilla refresh`: fetch and render the fleet repository now (like argocd app get --refresh / flux reconcile source). */
export const registerRefresh: CommandRegistrar = (program, ctx) => {
  withHub(program.command("refresh").description("make the hub fetch and render the fleet repository now (wants the API token)"), false).action(async (flags: HubFlags) => {
    const res = await api(flags, ctx).post<{ sources: { id: string; revision?: string; error?: { code: string; message: string } }[]; conditions: unknown[] }>("/api/v1/refresh", {});
    for (const s of res.sources) ctx.stdout.write(`${s.id}: ${s.error === undefined ? `at ${short(s.revision)}` : `failed: ${s.error.code}: ${s.error.message}`}\n`);
    if (res.conditions.length > 0) ctx.stdout.write(`${String(res.conditions.length)} fleet condition(s): see flotilla status\n`);
  });
};

/** `flotilla audit`: the hub's audit log of operator actions, newest first. */
export const registerAudit: CommandRegistrar = (program, ctx) => {
  withHub(program.command("audit").description("the hub's audit log of operator actions (who, when, what), newest first").option("--app <name>", "only actions on this application").option("--limit <n>", "at most this many entries", "50"))
    .action(async (flags: HubFlags & { app?: string; limit: string }) => {
      const format = outputOf(flags);
      const params = new URLSearchParams({ limit: flags.limit });
      if (flags.app !== undefined) params.set("app", flags.app);
      const { items } = await api(flags, ctx).get<{ items: { id: number; at: string; actor: { auth: string; user?: string }; action: string; target: { app?: string; clusters?: string[] }; params?: Record<string, unknown>; result: string; message?: string }[] }>(`/api/v1/audit?${params.toString()}`);
      if (printStructured(ctx, format, { items })) return;
      const rows = items.map((e) => [String(e.id), e.at, e.actor.user === undefined ? e.actor.auth : `${e.actor.user} (${e.actor.auth})`, e.action, e.target.app ?? "-", (e.target.clusters ?? []).join(",") || "-", e.result, e.message ?? ""]);
      ctx.stdout.write(rows.length === 0 ? "No actions recorded.\n" : alignColumns([["ID", "TIME", "WHO", "ACTION", "APP", "CLUSTERS", "RESULT", "MESSAGE"], ...rows]));
    });
};

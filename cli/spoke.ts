import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { nkeyAuthenticator } from "@nats-io/transport-node";
import { FlotillaError, type Logger } from "../core/index.js";
import { ClientNodeKube, loadKubeConfig } from "../kube/index.js";
import { parseSpokeConfig, startSpoke, type SpokeConfig, type SpokeRuntime } from "../spoke/index.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { FLOTILLA_VERSION } from "./flotilla-version.js";

export interface SpokeFlags {
  nats: string;
  cluster: string;
  fleet: string;
  kubeconfig?: string;
  nkey?: string;
  hubKey: string[];
  namespace: string;
  label: string[];
  recoveryRecipient: string[];
  cacheFile?: string;
  checkInterval: string;
  heartbeat: string;
  resyncInterval: string;
  qps: string;
  burst: string;
  keyBits: string;
}

/** `60s`, `5m`, `1500ms` or plain seconds → milliseconds. */
export function parseDuration(value: string, field: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (m?.[1] === undefined) throw new FlotillaError("INVALID_FLAG", `"${value}" is not a duration like 60s or 5m`, { field });
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? "s"] ?? 1000;
  return Math.round(Number(m[1]) * unit);
}

function int(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new FlotillaError("INVALID_FLAG", `"${value}" is not a positive number`, { field });
  return n;
}

function labels(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf("=");
    if (i <= 0) throw new FlotillaError("INVALID_FLAG", `"${v}" is not key=value`, { field: "--label" });
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, ...v.split(",").map((s) => s.trim()).filter((s) => s !== "")];

/** Adds the flags shared by `spoke` and `bootstrap --then-join`. */
export function spokeConfigFrom(flags: Partial<SpokeFlags> & { cluster: string }, natsUrl: string, ctx: CliContext): SpokeConfig {
  return parseSpokeConfig({
    fleet: flags.fleet ?? "default",
    cluster: flags.cluster,
    natsUrl: natsUrl.split(",").map((s) => s.trim()).filter((s) => s !== ""),
    hubKeys: flags.hubKey ?? [],
    namespace: flags.namespace ?? "flotilla-system",
    labels: labels(flags.label ?? []),
    recoveryRecipients: flags.recoveryRecipient ?? [],
    ...(flags.cacheFile === undefined ? {} : { cacheFile: resolve(ctx.cwd, flags.cacheFile) }),
    checkIntervalMs: parseDuration(flags.checkInterval ?? "30s", "--check-interval"),
    heartbeatSeconds: Math.max(1, Math.round(parseDuration(flags.heartbeat ?? "15s", "--heartbeat") / 1000)),
    resyncIntervalMs: parseDuration(flags.resyncInterval ?? "5m", "--resync-interval"),
    qps: int(flags.qps ?? "50", "--qps"),
    burst: Math.round(int(flags.burst ?? "100", "--burst")),
    keyBits: Math.round(int(flags.keyBits ?? "4096", "--key-bits")),
  });
}

export function kubeClientFor(kubeconfig: string | undefined, config: { fieldManager: string; qps: number; burst: number }, ctx: CliContext, logger: Logger): ClientNodeKube {
  let kc;
  try {
    kc = loadKubeConfig(kubeconfig === undefined ? undefined : resolve(ctx.cwd, kubeconfig));
  } catch {
    throw new FlotillaError("INVALID_FLAG", kubeconfig === undefined ? "not running in a cluster and no --kubeconfig given" : "cannot load the kubeconfig", {
      file: kubeconfig,
      field: "--kubeconfig",
    });
  }
  return new ClientNodeKube({ kubeConfig: kc, fieldManager: config.fieldManager, qps: config.qps, burst: config.burst, clock: ctx.clock, logger });
}

export async function nkeyFrom(path: string | undefined, ctx: CliContext): Promise<ReturnType<typeof nkeyAuthenticator> | undefined> {
  if (path === undefined) return undefined;
  let seed: string;
  try {
    seed = (await readFile(resolve(ctx.cwd, path), "utf8")).trim();
  } catch {
    throw new FlotillaError("INVALID_FLAG", "cannot read the nkey seed file", { file: path, field: "--nkey" });
  }
  return nkeyAuthenticator(new TextEncoder().encode(seed));
}

/** Runs the spoke until shutdown; with `runtime`, takes over a runtime that already enforces state (bootstrap --then-join). */
export async function runSpoke(config: SpokeConfig, client: ClientNodeKube, nkey: string | undefined, ctx: CliContext, logger: Logger, runtime?: SpokeRuntime): Promise<void> {
  const agent = await startSpoke({
    config,
    client,
    clock: ctx.clock,
    logger,
    authenticator: await nkeyFrom(nkey, ctx),
    spokeVersion: FLOTILLA_VERSION,
    ...(runtime === undefined ? {} : { runtime }),
  });
  logger.info({ cluster: config.cluster, fleet: config.fleet, nats: config.natsUrl }, "spoke started");
  if (!ctx.shutdown.aborted) await new Promise<void>((r) => ctx.shutdown.addEventListener("abort", () => r(), { once: true }));
  await agent.stop();
}

export const registerSpoke: CommandRegistrar = (program, ctx) => {
  program
    .command("spoke")
    .description("run the spoke agent: pull this cluster's signed state from NATS, decrypt locally, apply with SSA, report")
    .requiredOption("--nats <urls>", "NATS server URL(s), comma-separated")
    .requiredOption("--cluster <name>", "this cluster's name")
    .requiredOption("--hub-key <ed25519:…>", "pinned hub public key (repeat during a rotation)", collect)
    .option("--fleet <name>", "fleet name", "default")
    .option("--kubeconfig <file>", "kubeconfig (default: in-cluster service account)")
    .option("--nkey <file>", "NATS nkey seed (flotilla nats-config writes DIR/<cluster>.nk)")
    .option("--namespace <ns>", "the spoke's namespace (keys, inventories, cache)", "flotilla-system")
    .option("--label <k=v>", "cluster label sent in Hello (repeatable)", collect, [])
    .option("--recovery-recipient <age1…>", "age recipient for the sealing key backup (repeatable)", collect, [])
    .option("--cache-file <file>", "keep the last verified envelope in this file (default: a Secret)")
    .option("--check-interval <duration>", "periodic revision check", "30s")
    .option("--heartbeat <duration>", "heartbeat period", "15s")
    .option("--resync-interval <duration>", "full reconcile pass period (0 = off)", "5m")
    .option("--qps <n>", "Kubernetes client QPS", "50")
    .option("--burst <n>", "Kubernetes client burst", "100")
    .option("--key-bits <n>", "RSA size of generated sealing keys", "4096")
    .action(async (flags: SpokeFlags) => {
      const logger = ctx.logger();
      const config = spokeConfigFrom(flags, flags.nats, ctx);
      const client = kubeClientFor(flags.kubeconfig, config, ctx, logger);
      await runSpoke(config, client, flags.nkey, ctx, logger);
    });
};

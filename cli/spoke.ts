import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { nkeyAuthenticator } from "@nats-io/transport-node";
import { errorMessage, FlotillaError, type Logger } from "../core/index.js";
import { KubeError, loadKubeTarget, RestKube } from "../kube/index.js";
// Deep imports, not the spoke/ barrel: the barrel also loads the probe server (fastify) and the
// metrics (prom-client), which `flotilla spoke` loads only with --metrics-addr (footprint).
import { parseSpokeConfig, type SpokeConfig } from "../spoke/spoke-config.js";
import { startSpoke } from "../spoke/spoke-agent.js";
import type { SpokeProbeServer } from "../spoke/spoke-probe-server.js";
import type { SpokeRuntime } from "../spoke/spoke-runtime.js";
import type { CliContext, CommandRegistrar } from "./context.js";
import { parseDuration } from "./duration-flag.js";
import { collectList } from "./flag-collectors.js";
import { addNatsTlsFlags, natsTlsFrom, type NatsTlsFlags } from "./nats-tls-flags.js";
import { FLOTILLA_VERSION } from "./flotilla-version.js";

export interface SpokeFlags extends NatsTlsFlags {
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
  metricsAddr?: string;
  sealingKeyNamespace?: string;
  sealedSecretsController?: boolean;
  sealedSecretsNamespace?: string[];
  listenAddr?: string;
  rateLimit?: string;
  rateLimitBurst?: string;
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
    ...(flags.sealingKeyNamespace === undefined ? {} : { sealingKeyNamespace: flags.sealingKeyNamespace }),
    ...(flags.sealedSecretsController === true
      ? {
          sealedSecretsController: {
            namespaces: flags.sealedSecretsNamespace ?? [],
            listen: flags.listenAddr ?? ":8080",
            rateLimit: int(flags.rateLimit ?? "2", "--rate-limit"),
            rateLimitBurst: Math.round(int(flags.rateLimitBurst ?? "2", "--rate-limit-burst")),
          },
        }
      : {}),
    tls: natsTlsFrom(flags, ctx.cwd),
  });
}

/** A Kubernetes client from `--kubeconfig` (default: in-cluster), optionally for one `--context` of it. */
export function kubeClientFor(
  kubeconfig: string | undefined,
  config: { fieldManager: string; qps: number; burst: number; context?: string | undefined },
  ctx: CliContext,
  logger: Logger,
): RestKube {
  let target;
  try {
    target = loadKubeTarget({ kubeconfig: kubeconfig === undefined ? undefined : resolve(ctx.cwd, kubeconfig), context: config.context, env: ctx.env });
  } catch (err) {
    // Whole-file problems are the flag's; a bad field inside the kubeconfig keeps its own file/field.
    if (config.context !== undefined && err instanceof KubeError && err.field === "contexts") {
      throw new FlotillaError("INVALID_FLAG", `the kubeconfig has no context "${config.context}"`, { file: kubeconfig, field: "--context" });
    }
    if (err instanceof KubeError && (err.field === "" || err.field === "--kubeconfig" || err.field === undefined)) {
      throw new FlotillaError("INVALID_FLAG", kubeconfig === undefined ? "not running in a cluster and no --kubeconfig given" : `cannot load the kubeconfig: ${err.message}`, {
        file: kubeconfig ?? err.file,
        field: "--kubeconfig",
      });
    }
    throw err;
  }
  return new RestKube({ target, fieldManager: config.fieldManager, qps: config.qps, burst: config.burst, clock: ctx.clock, logger, env: ctx.env });
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

export interface RunSpokeOptions {
  readonly config: SpokeConfig;
  readonly client: RestKube;
  readonly nkey: string | undefined;
  readonly ctx: CliContext;
  readonly logger: Logger;
  /** A runtime that already enforces state (bootstrap --then-join): taken over, nothing reapplied. */
  readonly runtime?: SpokeRuntime;
  /** `host:port` for /metrics, /healthz and /readyz (Flux's --metrics-addr); off when undefined. */
  readonly metricsAddr?: string | undefined;
}

async function probeServer(o: RunSpokeOptions, runtime: SpokeRuntime): Promise<SpokeProbeServer | undefined> {
  if (o.metricsAddr === undefined) return undefined;
  const [{ SpokeMetrics }, { startSpokeProbeServer }] = await Promise.all([import("../spoke/spoke-metrics.js"), import("../spoke/spoke-probe-server.js")]);
  const metrics = new SpokeMetrics({
    requestCounts: () => o.client.requestCounts(),
    privateOperations: () => runtime.custody.privateOperations,
    desiredGeneration: () => runtime.reconciler.desired?.generation ?? 0,
  });
  runtime.addPassListener((summary) => metrics.observe(summary));
  try {
    return await startSpokeProbeServer({ listen: o.metricsAddr, metrics, ready: () => runtime.passes > 0 });
  } catch (err) {
    throw new FlotillaError("INVALID_FLAG", `cannot serve metrics on ${o.metricsAddr}: ${errorMessage(err)}`, { field: "--metrics-addr" });
  }
}

/** Runs the spoke until shutdown. */
export async function runSpoke(o: RunSpokeOptions): Promise<void> {
  const { config, ctx, logger } = o;
  const agent = await startSpoke({
    config,
    client: o.client,
    clock: ctx.clock,
    logger,
    authenticator: await nkeyFrom(o.nkey, ctx),
    spokeVersion: FLOTILLA_VERSION,
    ...(o.runtime === undefined ? {} : { runtime: o.runtime }),
  });
  const probes = await probeServer(o, agent.runtime).catch(async (err: unknown) => {
    await agent.stop();
    throw err;
  });
  logger.info({ cluster: config.cluster, fleet: config.fleet, nats: config.natsUrl, ...(probes === undefined ? {} : { metrics: `${probes.url}/metrics` }) }, "spoke started");
  if (!ctx.shutdown.aborted) await new Promise<void>((r) => ctx.shutdown.addEventListener("abort", () => r(), { once: true }));
  await probes?.close();
  await agent.stop();
}

/** The flags that run a spoke, shared by `spoke` and `bootstrap --then-join`. */
export function addSpokeRunFlags(command: Command): Command {
  return addNatsTlsFlags(command)
    .option("--fleet <name>", "fleet name", "default")
    .option("--kubeconfig <file>", "kubeconfig (default: in-cluster service account)")
    .option("--nkey <file>", "NATS nkey seed (flotilla nats-config writes DIR/<cluster>.nk)")
    .option("--namespace <ns>", "the spoke's namespace (keys, inventories, cache)", "flotilla-system")
    .option("--label <k=v>", "cluster label sent in Hello (repeatable)", collectList, [])
    .option("--recovery-recipient <age1…>", "age recipient for the sealing key backup (repeatable)", collectList, [])
    .option("--cache-file <file>", "keep the last verified envelope in this file (default: a Secret)")
    .option("--check-interval <duration>", "periodic revision check", "30s")
    .option("--heartbeat <duration>", "heartbeat period", "15s")
    .option("--resync-interval <duration>", "full reconcile pass period (0 = off)", "5m")
    .option("--qps <n>", "Kubernetes client QPS", "50")
    .option("--burst <n>", "Kubernetes client burst", "100")
    .option("--key-bits <n>", "RSA size of generated sealing keys", "4096")
    .option("--metrics-addr <host:port>", "serve /metrics, /healthz and /readyz here (e.g. :8080; port 0 picks one)")
    .option("--sealing-key-namespace <ns>", "namespace of the sealing key Secrets (kube-system to adopt a Sealed Secrets controller's keys; default --namespace)")
    .option("--sealed-secrets-controller", "do the Sealed Secrets controller's job: unseal every SealedSecret in the cluster and serve its HTTP API for kubeseal")
    .option("--sealed-secrets-namespace <ns>", "with --sealed-secrets-controller: only these namespaces (repeatable; default all)", collectList, [])
    .option("--listen-addr <host:port>", "with --sealed-secrets-controller: the controller's HTTP API (/v1/cert.pem, /v1/verify, /v1/rotate, /healthz, /metrics)", ":8080")
    .option("--rate-limit <n>", "with --sealed-secrets-controller: /v1/verify requests per second", "2")
    .option("--rate-limit-burst <n>", "with --sealed-secrets-controller: /v1/verify burst", "2");
}

export const registerSpoke: CommandRegistrar = (program, ctx) => {
  const command = program
    .command("spoke")
    .description("run the spoke agent: pull this cluster's signed state from NATS, decrypt locally, apply with SSA, report")
    .requiredOption("--nats <urls>", "NATS server URL(s), comma-separated")
    .requiredOption("--cluster <name>", "this cluster's name")
    .requiredOption("--hub-key <ed25519:…>", "pinned hub public key (repeat during a rotation)", collectList);
  addSpokeRunFlags(command).action(async (flags: SpokeFlags) => {
    const logger = ctx.logger();
    const config = spokeConfigFrom(flags, flags.nats, ctx);
    const client = kubeClientFor(flags.kubeconfig, config, ctx, logger);
    await runSpoke({ config, client, nkey: flags.nkey, ctx, logger, metricsAddr: flags.metricsAddr });
  });
};

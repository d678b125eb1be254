import { readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { FlotillaError } from "../core/index.js";
import { loadGitCredentialsFile, readChartKeyring, type ChartKeyring } from "../gitops/index.js";
import { loadAllowlists, startHub, type HubConfig } from "../hub/index.js";
import { assertClusterName } from "../protocol/index.js";
import type { CommandRegistrar } from "./context.js";
import { parseDuration } from "./duration-flag.js";
import { addNatsTlsFlags, natsTlsFrom, type NatsTlsFlags } from "./nats-tls-flags.js";
import { addRenderBudgetFlags, renderBudgetFrom, type RenderBudgetFlags } from "./render-budget-flags.js";

interface HubOptions extends NatsTlsFlags, RenderBudgetFlags {
  fleet: string;
  nats: string;
  repo: string[];
  revision?: string;
  appsetPath?: string;
  clustersPath?: string;
  nkey?: string;
  creds?: string;
  signingKey: string;
  listen: string;
  apiTokenFile?: string;
  readTokenFile?: string;
  webhookSecretFile?: string;
  pollInterval: string;
  missedHeartbeats: string;
  allowlists?: string;
  autoRollback?: boolean;
  replicas?: string;
  allowLocalRepos?: boolean;
  gitCacheDir?: string;
  gitCredentialsFile?: string;
  chartKeyring?: string;
  allowInsecureHttpCredentials?: boolean;
  kustomizeRemoteBases?: string[];
  lease?: string;
  hubId?: string;
  advertiseUrl?: string;
}

async function secretFile(path: string | undefined, field: string, cwd: string): Promise<string | undefined> {
  if (path === undefined) return undefined;
  try {
    const value = (await readFile(resolve(cwd, path), "utf8")).trim();
    if (value === "") throw new Error("empty");
    return value;
  } catch {
    throw new FlotillaError("INVALID_FLAG", "cannot read a non-empty secret from the file", { file: path, field });
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function parseListen(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(":");
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new FlotillaError("INVALID_FLAG", `"${value}" is not host:port`, { field: "--listen" });
  return { host: value.slice(0, i).replace(/^\[|\]$/g, "") || "0.0.0.0", port };
}

function failoverFrom(opts: HubOptions): HubConfig["failover"] {
  if (opts.lease === undefined) {
    if (opts.hubId !== undefined || opts.advertiseUrl !== undefined) throw new FlotillaError("INVALID_FLAG", "only meaningful with --lease (hub failover)", { field: opts.hubId !== undefined ? "--hub-id" : "--advertise-url" });
    return undefined;
  }
  const leaseMs = parseDuration(opts.lease, "--lease");
  if (leaseMs < 1000) throw new FlotillaError("INVALID_FLAG", "the lease period must be at least 1s", { field: "--lease" });
  const id = nonEmpty(opts.hubId) ?? hostname();
  if (!/^[\w.@:-]{1,128}$/.test(id)) throw new FlotillaError("INVALID_FLAG", "a hub id is 1-128 letters, digits and . _ - @ :", { field: "--hub-id" });
  const url = nonEmpty(opts.advertiseUrl);
  if (url !== undefined && !/^https?:\/\/[^\s]+$/.test(url)) throw new FlotillaError("INVALID_FLAG", `"${url}" is not an http(s) URL`, { field: "--advertise-url" });
  return { id, leaseMs, advertiseUrl: url };
}

export const registerHub: CommandRegistrar = (program, ctx) => {
  const command = program
    .command("hub")
    .description("run the hub: render the fleet repo, publish signed desired state over NATS, serve the API")
    .requiredOption("--fleet <name>", "fleet name")
    .requiredOption("--nats <urls>", "NATS server URL(s), comma-separated")
    .requiredOption("--repo <url>", "fleet repository (https URL or path); repeat for several", (v: string, prev: string[] = []) => [...prev, v])
    .option("--revision <rev>", "branch, tag or commit to follow", "HEAD")
    .option("--appset-path <dir>", "where ApplicationSets live in the repo")
    .option("--clusters-path <dir>", "where Cluster objects live in the repo")
    .option("--nkey <file>", "NATS nkey seed (flotilla nats-config writes DIR/hub.nk)")
    .option("--creds <file>", "NATS .creds file")
    .option("--signing-key <file>", "hub ed25519 signing key (PEM), created if missing", "flotilla-hub-signing.pem")
    .option("--listen <host:port>", "API listen address", "0.0.0.0:8080")
    .option("--api-token-file <file>", "bearer token for API mutations (or FLOTILLA_HUB_TOKEN)")
    .option("--read-token-file <file>", "bearer token every API read and the dashboard want (or FLOTILLA_HUB_READ_TOKEN); reads are open without one")
    .option("--webhook-secret-file <file>", "webhook secret: GitHub/generic HMAC key or GitLab token (or FLOTILLA_WEBHOOK_SECRET)")
    .option("--poll-interval <duration>", "repository poll period, jittered ±10% (0 = off)", "60s")
    .option("--missed-heartbeats <n>", "heartbeats missed before a cluster is offline", "3")
    .option("--replicas <n>", "replicas of the hub's KV and object streams (default 3 on a NATS cluster, 1 on a single server); existing streams must match")
    .option("--allowlists <file>", "YAML: projects/appSets → sourceRepos, destinationNamespaces, kind lists")
    .option("--auto-rollback", "roll back a degraded RollingSync step unless the ApplicationSet says otherwise")
    .option("--allow-local-repos", "let apps name local paths as repoURL (development only)")
    .option("--git-cache-dir <dir>", "where remote repositories are cloned")
    .option("--chart-keyring <file>", "OpenPGP public keys (armored or binary): every chart fetched from a Helm repository or OCI registry must have provenance (.prov) signed by one of them")
    .option("--git-credentials-file <file>", "YAML: credentials: [{url, username, password | passwordFile}], matched by longest URL prefix (FLOTILLA_GIT_TOKEN covers only the fleet repositories)")
    .option("--allow-insecure-http-credentials", "let credentials go to http:// prefixes configured for them (development and tests only)")
    .option("--lease <duration>", "hub failover: run several hubs; one leads through a lease of this period in NATS KV (e.g. 15s); off = this hub is the fleet's only one")
    .option("--hub-id <name>", "this hub's name in the lease (default: the host name; unique among the fleet's hubs)")
    .option("--advertise-url <url>", "this hub's API URL as other hubs and clients should reach it (default: the listen address)")
    .option("--kustomize-remote-bases <url-prefix>", "repositories under this prefix may use kustomize remote bases (git/https); repeat for several", (v: string, prev: string[] = []) => [...prev, v]);
  addRenderBudgetFlags(addNatsTlsFlags(command)).action(async (opts: HubOptions) => {
      const missed = Number(opts.missedHeartbeats);
      if (!Number.isInteger(missed) || missed < 1) throw new FlotillaError("INVALID_FLAG", "must be a positive integer", { field: "--missed-heartbeats" });
      const replicas = opts.replicas === undefined ? undefined : Number(opts.replicas);
      // JetStream allows 1 to 5 replicas.
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 1 || replicas > 5)) throw new FlotillaError("INVALID_FLAG", "must be an integer from 1 to 5", { field: "--replicas" });
      const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(ctx.cwd, p));
      const config: HubConfig = {
        fleet: assertClusterName(opts.fleet, "fleet"),
        nats: {
          servers: opts.nats.split(",").map((s) => s.trim()),
          nkeyFile: abs(opts.nkey),
          credsFile: abs(opts.creds),
          tls: natsTlsFrom(opts, ctx.cwd),
        },
        signingKeyFile: resolve(ctx.cwd, opts.signingKey),
        repos: opts.repo.map((url) => ({
          url: /^https?:\/\//.test(url) ? url : resolve(ctx.cwd, url),
          revision: opts.revision,
          appSetPath: opts.appsetPath,
          clustersPath: opts.clustersPath,
        })),
        gitToken: ctx.env.FLOTILLA_GIT_TOKEN,
        gitCredentials: opts.gitCredentialsFile === undefined ? undefined : await loadGitCredentialsFile(resolve(ctx.cwd, opts.gitCredentialsFile)),
        allowInsecureHttpCredentials: opts.allowInsecureHttpCredentials,
        kustomizeRemoteBases: opts.kustomizeRemoteBases,
        gitCacheDir: abs(opts.gitCacheDir),
        chartProvenance: opts.chartKeyring === undefined ? undefined : await chartKeyringFile(resolve(ctx.cwd, opts.chartKeyring)),
        allowLocalRepos: opts.allowLocalRepos,
        listen: parseListen(opts.listen),
        apiToken: (await secretFile(opts.apiTokenFile, "--api-token-file", ctx.cwd)) ?? ctx.env.FLOTILLA_HUB_TOKEN,
        readToken: (await secretFile(opts.readTokenFile, "--read-token-file", ctx.cwd)) ?? nonEmpty(ctx.env.FLOTILLA_HUB_READ_TOKEN),
        webhookSecret: (await secretFile(opts.webhookSecretFile, "--webhook-secret-file", ctx.cwd)) ?? ctx.env.FLOTILLA_WEBHOOK_SECRET,
        pollIntervalMs: parseDuration(opts.pollInterval, "--poll-interval"),
        missedHeartbeats: missed,
        autoRollbackDefault: opts.autoRollback,
        replicas,
        allowlists: opts.allowlists === undefined ? undefined : await loadAllowlists(resolve(ctx.cwd, opts.allowlists)),
        render: renderBudgetFrom(opts),
        failover: failoverFrom(opts),
      };
      const logger = ctx.logger();
      const hub = await startHub(config, { clock: ctx.clock, logger });
      ctx.stdout.write(`flotilla hub for fleet ${config.fleet} listening on ${hub.url}\nhub signing key ${hub.publicKey}\n`);
      await new Promise<void>((done) => {
        if (ctx.shutdown.aborted) done();
        else ctx.shutdown.addEventListener("abort", () => done(), { once: true });
      });
      await hub.close();
    });
};

/** --chart-keyring, read once at the edge. */
async function chartKeyringFile(path: string): Promise<ChartKeyring> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    throw new FlotillaError("INVALID_FLAG", `cannot read --chart-keyring ${path}`, { field: "--chart-keyring", file: path });
  }
  return readChartKeyring(bytes, { file: path, field: "--chart-keyring" });
}

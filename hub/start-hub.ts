import { randomInt } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import type { NatsConnection } from "@nats-io/transport-node";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { errorMessage, type Clock, type Logger } from "../core/index.js";
import { RenderPool, type ChartKeyring, type RenderBudget } from "../gitops/index.js";
import { generateSigningKey, loadSigningKey, type SigningKey } from "../protocol/index.js";
import { GitCredentials, tryParseRemoteRepoURL, urlPrefixMatches, type GitCredentialEntry } from "../gitops/index.js";
import { sourcePolicy, type Allowlists } from "./allowlist.js";
import { buildApi } from "./api-server.js";
import type { DesiredStateSource } from "./fleet-source.js";
import { GitFleetSource } from "./git-fleet-source.js";
import { HUB_ERROR, HubError } from "./hub-errors.js";
import { HubService, type HubServiceOptions } from "./hub-service.js";
import { connectNats, type NatsConnectOptions } from "./nats-connect.js";
import { LeaderElection } from "./leader-election.js";
import { leaseTiming } from "./leader-lease.js";

export interface HubRepoConfig {
  readonly url: string;
  readonly revision?: string | undefined;
  readonly appSetPath?: string | undefined;
  readonly clustersPath?: string | undefined;
}

/** Everything `flotilla hub` needs, validated once at the edge (cli/hub.ts builds it). */
export interface HubConfig
  extends Pick<HubServiceOptions, "fleet" | "allowlists" | "pollIntervalMs" | "publishConcurrency" | "missedHeartbeats" | "autoRollbackDefault" | "replicas"> {
  readonly nats: NatsConnectOptions;
  /** PKCS#8 PEM ed25519 key; created (mode 0600) when the file does not exist. */
  readonly signingKeyFile: string;
  readonly repos: readonly HubRepoConfig[];
  /** HTTPS token for the fleet repositories' own URLs only (FLOTILLA_GIT_TOKEN). */
  readonly gitToken?: string | undefined;
  /** Credentials by URL prefix (--git-credentials-file), like Argo CD's repo-creds. */
  readonly gitCredentials?: readonly GitCredentialEntry[] | undefined;
  /** Send credentials over plain http:// to prefixes configured for it (development and tests only). */
  readonly allowInsecureHttpCredentials?: boolean | undefined;
  /** URL prefixes of repositories whose kustomizations may name remote bases (--kustomize-remote-bases). */
  readonly kustomizeRemoteBases?: readonly string[] | undefined;
  readonly gitCacheDir?: string | undefined;
  /** Charts from Helm repositories and OCI registries must carry provenance signed by this keyring (--chart-keyring). */
  readonly chartProvenance?: ChartKeyring | undefined;
  readonly allowLocalRepos?: boolean | undefined;
  readonly listen: { readonly host: string; readonly port: number };
  readonly apiToken?: string | undefined;
  /** Bearer token for reads (API and dashboard); without one, reads are open. */
  readonly readToken?: string | undefined;
  readonly webhookSecret?: string | undefined;
  /**
   * Render budgets, and worker threads to render in (`flotilla hub` always sets workers; 0 renders
   * on the event loop, for in-process tests that run from source).
   */
  readonly render?: { readonly budget: RenderBudget; readonly workers: number } | undefined;
  /**
   * Hub failover (`--lease`): several hubs of one fleet run, one leads through a lease in
   * `flotilla-status` (docs/hub.md#failover). Absent: this hub is the fleet's only hub and always leads.
   */
  readonly failover?: { readonly id: string; readonly leaseMs: number; readonly advertiseUrl?: string | undefined } | undefined;
}

export interface HubDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random?: (() => number) | undefined;
  /** Replaces the git sources (tests that feed a FleetRender directly). */
  readonly sources?: readonly DesiredStateSource[] | undefined;
}

export interface RunningHub {
  readonly url: string;
  readonly service: HubService;
  readonly publicKey: string;
  /** With failover: who leads. */
  readonly leadership?: LeaderElection | undefined;
  close(): Promise<void>;
}

function electionFor(config: HubConfig, nc: NatsConnection, deps: HubDeps, service: () => HubService): LeaderElection | undefined {
  const failover = config.failover;
  if (failover === undefined) return undefined;
  return new LeaderElection({
    nc,
    id: failover.id,
    timing: leaseTiming(failover.leaseMs),
    clock: deps.clock,
    logger: deps.logger,
    onChange: (role) => {
      if (role === "leader") service().leadershipChanged();
    },
  });
}

const groupKind = z.object({ group: z.string(), kind: z.string() });
const policy = z.object({
  sourceRepos: z.array(z.string()).optional(),
  destinationNamespaces: z.array(z.string()).optional(),
  clusterResourceWhitelist: z.array(groupKind).optional(),
  namespaceResourceBlacklist: z.array(groupKind).optional(),
  namespaceResourceWhitelist: z.array(groupKind).optional(),
});
const allowlistsSchema = z.object({ projects: z.record(z.string(), policy).default({}), appSets: z.record(z.string(), policy).optional() });

/** Reads an allowlists YAML file: `projects: {name: policy}`, `appSets: {name: policy}` (AppProject field names). */
export async function loadAllowlists(file: string): Promise<Allowlists> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(file, "utf8"));
  } catch (err) {
    throw new HubError(HUB_ERROR.config, `cannot read allowlists: ${errorMessage(err)}`, { file });
  }
  const result = allowlistsSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new HubError(HUB_ERROR.config, issue?.message ?? "invalid allowlists", { file, field: issue?.path.map(String).join(".") });
  }
  return result.data;
}

async function signingKeyFrom(file: string, logger: Logger): Promise<SigningKey> {
  let pem: string | undefined;
  try {
    pem = await readFile(file, "utf8");
  } catch {
    pem = undefined;
  }
  if (pem !== undefined) return loadSigningKey(pem, file);
  const key = generateSigningKey();
  await writeFile(file, key.privateKeyPem, { mode: 0o600, flag: "wx" });
  logger.info({ file, publicKey: key.publicKey }, "created the hub signing key; pin its public key on every spoke");
  return key;
}

/**
 * The hub's git credentials: the credentials file's entries (by URL prefix) and FLOTILLA_GIT_TOKEN
 * for each fleet repository's own URL, and nothing else. A fleet repository on plain http gets no
 * token unless --allow-insecure-http-credentials says so.
 */
function hubCredentials(config: HubConfig, logger: Logger): ((url: string) => { username?: string; password?: string } | undefined) | undefined {
  const entries: GitCredentialEntry[] = [...(config.gitCredentials ?? [])];
  const token = config.gitToken;
  if (token !== undefined && token !== "") {
    const seen = new Set<string>();
    for (const repo of config.repos) {
      const remote = tryParseRemoteRepoURL(repo.url);
      if (remote === undefined || seen.has(remote.href)) continue;
      seen.add(remote.href);
      if (remote.scheme === "http" && config.allowInsecureHttpCredentials !== true) {
        logger.warn({ repo: remote.href }, "FLOTILLA_GIT_TOKEN is not sent to a plain http:// repository; use https (or --allow-insecure-http-credentials in development)");
        continue;
      }
      entries.push({ url: remote.href, password: token, exact: true, origin: { field: "FLOTILLA_GIT_TOKEN" } });
    }
  }
  if (entries.length === 0) return undefined;
  return new GitCredentials({ entries, allowInsecureHttp: config.allowInsecureHttpCredentials }).resolver();
}

/** Which repositories may use kustomize remote bases: those under one of the URL prefixes. */
function remoteBasesMatcher(prefixes: readonly string[]): ((source: string) => boolean) | undefined {
  if (prefixes.length === 0) return undefined;
  const parsed = prefixes.map((p) => {
    const url = tryParseRemoteRepoURL(p);
    if (url === undefined) throw new HubError(HUB_ERROR.config, `${JSON.stringify(p)} is not an http(s) URL prefix`, { field: "--kustomize-remote-bases" });
    return url;
  });
  return (source) => {
    const repo = tryParseRemoteRepoURL(source);
    return repo !== undefined && parsed.some((prefix) => urlPrefixMatches(prefix, repo));
  };
}

/** The composition root of `flotilla hub`: NATS, signing key, sources, the service and its API. */
export async function startHub(config: HubConfig, deps: HubDeps): Promise<RunningHub> {
  // Configuration errors first, before anything is opened.
  const credentials = hubCredentials(config, deps.logger);
  const repoSourcePolicy = sourcePolicy(config.allowlists);
  const remoteBases = remoteBasesMatcher(config.kustomizeRemoteBases ?? []);
  const signingKey = await signingKeyFrom(config.signingKeyFile, deps.logger);
  const nc = await connectNats(config.nats);
  const pool = config.render !== undefined && config.render.workers > 0 ? new RenderPool({ size: config.render.workers, budget: config.render.budget, logger: deps.logger }) : undefined;
  const sources =
    deps.sources ??
    config.repos.map(
      (r) =>
        new GitFleetSource({
          url: r.url,
          revision: r.revision,
          appSetPath: r.appSetPath,
          clustersPath: r.clustersPath,
          credentials,
          allowInsecureHttp: config.allowInsecureHttpCredentials,
          sourcePolicy: repoSourcePolicy,
          kustomizeRemoteBases: remoteBases,
          cacheDir: config.gitCacheDir,
          allowLocalRepos: config.allowLocalRepos,
          logger: deps.logger,
          budget: config.render?.budget,
          renderAppSet: pool?.renderer,
          chartProvenance: config.chartProvenance,
        }),
    );
  const election = electionFor(config, nc, deps, () => service);
  let service: HubService;
  try {
    service = await HubService.start({
      fleet: config.fleet,
      nc,
      signingKey,
      sources,
      allowlists: config.allowlists,
      pollIntervalMs: config.pollIntervalMs,
      publishConcurrency: config.publishConcurrency,
      missedHeartbeats: config.missedHeartbeats,
      autoRollbackDefault: config.autoRollbackDefault,
      replicas: config.replicas,
      clock: deps.clock,
      random: deps.random ?? (() => randomInt(0, 1 << 30) / (1 << 30)),
      logger: deps.logger,
      leadership: election,
    });
  } catch (err) {
    await nc.close();
    await pool?.close();
    throw err;
  }
  const api = buildApi({ leadership: election, hub: service, apiToken: config.apiToken, readToken: config.readToken, webhookSecret: config.webhookSecret, hubPublicKey: signingKey.publicKey, clock: deps.clock, logger: deps.logger });
  try {
    await api.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    await service.close();
    await nc.close();
    await pool?.close();
    throw new HubError(HUB_ERROR.config, `cannot listen on ${config.listen.host}:${String(config.listen.port)}: ${errorMessage(err)}`, { field: "--listen" });
  }
  const address = api.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${String(address.port)}`;
  try {
    // Listening on every address: other hubs and clients reach this one by its host name.
    const wildcard = address.address === "0.0.0.0" || address.address === "::";
    await election?.start(config.failover?.advertiseUrl ?? (wildcard ? `http://${hostname()}:${String(address.port)}` : url));
  } catch (err) {
    await api.close();
    await service.close();
    await nc.close();
    await pool?.close();
    throw new HubError(HUB_ERROR.config, `cannot start the leader election: ${errorMessage(err)}`, { field: "--lease" });
  }
  return {
    url,
    leadership: election,
    service,
    publicKey: signingKey.publicKey,
    close: async () => {
      // Release first, so a standby takes over at once instead of after the lease period.
      await election?.close();
      await api.close();
      await service.close();
      await nc.drain().catch(() => nc.close());
      await pool?.close();
    },
  };
}

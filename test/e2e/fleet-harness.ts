import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { silentLogger } from "../../core/index.js";
import { HubClient, ProcessSupervisor, type ClusterSummary } from "../../demo/index.js";
import { devclusterArgs, hubArgs, natsConfigArgs, spokeArgs, SPOKE_NAMESPACE } from "../../demo/product-commands.js";
import { CLI_PATH, findNatsServer, freePort, makeGitRepo, makeTestPki, runFlotilla, type GitRepo, type RepoFiles, type TestPki } from "../harness/index.js";

// A whole fleet as real processes for the user-story tests: nats-server (per-spoke nkey users from
// `flotilla nats-config`), a devcluster and a spoke per cluster, and the hub, all started from the
// built CLI with the same command lines the demo uses. Each piece can be stopped and started again
// to play outages, lost clusters and restarts.

const run = promisify(execFile);

export interface FleetClusterSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The three clusters every story uses: two prod, one staging. */
export const STORY_CLUSTERS: readonly FleetClusterSpec[] = [
  { name: "prod-eu", labels: { env: "prod", region: "eu-west-1" } },
  { name: "prod-us", labels: { env: "prod", region: "us-east-1" } },
  { name: "staging", labels: { env: "staging", region: "eu-west-1" } },
];

/**
 * An ApplicationSet `name` on every cluster of the fleet: app `<name>-<cluster>` from `path`
 * (default `apps/<name>`) into `namespace` (default `name`), pruned and self-healed.
 */
export function clustersAppSet(name: string, options: { path?: string; namespace?: string; manual?: boolean } = {}): string {
  // Without `automated` an app is manual, as in Argo CD: it waits OutOfSync for `flotilla app sync`.
  const automated = options.manual === true ? "" : "        automated: {prune: true, selfHeal: true}\n";
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  generators:
  - clusters: {}
  template:
    metadata:
      name: '${name}-{{.name}}'
    spec:
      source: {repoURL: ., path: ${options.path ?? `apps/${name}`}}
      destination: {name: '{{.name}}', namespace: ${options.namespace ?? name}}
      syncPolicy:
${automated}        syncOptions: [CreateNamespace=true]
`;
}

/** The plainest app for a story: `web` on every cluster, from `apps/web`, in namespace `web`. */
export const PLAIN_WEB_APPSET = clustersAppSet("web");

/** A Flotilla `Cluster` definition for the fleet repo. */
export function clusterFile(cluster: FleetClusterSpec): string {
  const labels = Object.entries(cluster.labels)
    .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
    .join("\n");
  return `apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: ${cluster.name}\n  labels:\n${labels}\n`;
}

export interface StartFleetOptions {
  /** Repository content besides `clusters/<name>.yaml`, which is written for every cluster. */
  readonly files: RepoFiles;
  readonly clusters?: readonly FleetClusterSpec[];
  /** Extra `flotilla spoke` flags per cluster (e.g. `--recovery-recipient`). */
  readonly spokeFlags?: (cluster: string) => readonly string[];
  /** Extra `flotilla hub` flags (e.g. `--auto-rollback`). */
  readonly hubFlags?: readonly string[];
  /** Extra `flotilla devcluster` flags per cluster (e.g. `--faults FILE`). */
  readonly devclusterFlags?: (cluster: string) => readonly string[];
  /** Manifests applied with kubectl to every new devcluster before its spoke starts (e.g. the SOPS key Secret). */
  readonly preinstall?: (cluster: string) => string | undefined;
  /**
   * NATS over mutual TLS: a throwaway CA signs the server's certificate and one client certificate
   * each for the hub and every spoke; nats-server requires and verifies them (`--tls-verify`).
   */
  readonly tls?: boolean;
  /** Start the hub with `--read-token-file` holding this token; the fleet's own hub client sends it. */
  readonly readToken?: string;
  /** Node flags for the spoke processes (e.g. the ones Dockerfile.spoke runs with), per cluster. */
  readonly spokeNodeFlags?: (cluster: string) => readonly string[];
  /** Extra environment of the hub process (e.g. NODE_EXTRA_CA_CERTS for a test chart repository). */
  readonly hubEnv?: Readonly<Record<string, string>>;
  /**
   * Starts NATS instead of the single nats-server (e.g. a cluster and a regional leaf, see
   * nats-cluster-fleet.ts). It must write the seeds `hub.nk` and `<cluster>.nk` into `natsDir`.
   */
  readonly nats?: (input: { readonly natsDir: string; readonly clusters: readonly string[] }) => Promise<FleetNats>;
}

/** NATS as a fleet sees it: where the hub connects, where each spoke connects, and how to stop it. */
export interface FleetNats {
  /** The hub's `--nats` (comma-separated URLs for a cluster). */
  readonly url: string;
  /** A spoke's `--nats` (e.g. its region's leaf server); default `url`. */
  spokeUrl?(cluster: string): string;
  stop(): Promise<void>;
}

export interface TestFleet {
  readonly dir: string;
  readonly natsUrl: string;
  readonly repo: GitRepo;
  readonly clusters: readonly FleetClusterSpec[];
  /** The test PKI when the fleet runs NATS over TLS. */
  readonly pki: TestPki | undefined;
  /** `--tls-ca/--tls-cert/--tls-key` for a NATS client named `name` (none without TLS). */
  tlsFlags(name: string): Promise<string[]>;
  hubUrl(): string;
  hubKey(): string;
  hub(): HubClient;
  kubeconfig(cluster: string): string;
  /** The spoke's NATS nkey seed written by `flotilla nats-config`. */
  nkeyFile(cluster: string): string;
  /** Runs another long-lived `flotilla` command under the fleet's supervisor (logs kept, stopped with the fleet). */
  startProcess(name: string, args: readonly string[], ready: RegExp | undefined): Promise<{ readyLine: string | undefined; exited: Promise<number | null> }>;
  stopProcess(name: string): Promise<void>;
  kubectl(cluster: string, ...args: string[]): Promise<string>;
  /** `kubectl get … -o json`, parsed; undefined when the object does not exist. */
  getJson<T = Record<string, unknown>>(cluster: string, ...args: string[]): Promise<T | undefined>;
  startHub(): Promise<void>;
  stopHub(): Promise<void>;
  startSpoke(cluster: string): Promise<void>;
  stopSpoke(cluster: string): Promise<void>;
  /** A fresh, empty devcluster for `cluster` (its kubeconfig is rewritten); preinstall is applied. */
  startDevcluster(cluster: string): Promise<void>;
  /** Stops the devcluster process: it kept everything in memory, so the cluster is gone for good. */
  deleteDevcluster(cluster: string): Promise<void>;
  /** Polls until probe returns a value; the timeout error carries the fleet's recent output. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs?: number): Promise<T>;
  /** Waits until the hub has rendered `revision` and every named cluster (default all) is Online, Synced and Healthy on what the hub wants for it. */
  converged(revision: string, clusters?: readonly string[], timeoutMs?: number): Promise<ClusterSummary[]>;
  /** Everything a process printed since the fleet started (unbounded), by child name prefix. */
  logs(prefix: string): string;
  stop(): Promise<void>;
}

const FULL_LOG_LIMIT = 64 * 1024 * 1024;

export async function startFleet(options: StartFleetOptions): Promise<TestFleet> {
  const clusters = options.clusters ?? STORY_CLUSTERS;
  const names = clusters.map((c) => c.name);
  const dir = await mkdtemp(join(tmpdir(), "flotilla-story-"));
  const dirs = { nats: join(dir, "nats"), kube: join(dir, "kubeconfigs"), hub: join(dir, "hub"), work: join(dir, "work") };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  const supervisor = new ProcessSupervisor({ logger: silentLogger(), stopGraceMs: 5_000 });
  const logs = new Map<string, string>();
  const keep = (name: string) => (text: string) => {
    logs.set(name, ((logs.get(name) ?? "") + text).slice(-FULL_LOG_LIMIT));
  };
  const recentOutput = (): string =>
    [...logs]
      .map(([name, text]) => `--- ${name}\n${text.split("\n").slice(-12).join("\n")}`)
      .join("\n");

  const files: Record<string, string | Uint8Array | null> = { ...options.files };
  for (const c of clusters) files[`clusters/${c.name}.yaml`] = clusterFile(c);
  const repo = await makeGitRepo(files);

  const pki = options.tls === true ? await makeTestPki(dirs.nats) : undefined;
  const serverTls = pki === undefined ? [] : ["--tls-cert", pki.server.certFile, "--tls-key", pki.server.keyFile, "--tls-ca", pki.caFile, "--tls-verify"];
  const tlsFlags = async (name: string): Promise<string[]> => {
    if (pki === undefined) return [];
    const client = await pki.client(name);
    return ["--tls-ca", pki.caFile, "--tls-cert", client.certFile, "--tls-key", client.keyFile];
  };
  let natsUrl: string;
  let customNats: FleetNats | undefined;
  if (options.nats === undefined) {
    const natsPort = await freePort();
    natsUrl = `nats://127.0.0.1:${String(natsPort)}`;
    const configured = await runFlotilla([...natsConfigArgs({ clusters: names, out: dirs.nats, listen: `127.0.0.1:${String(natsPort)}` }), ...serverTls]);
    if (configured.code !== 0) throw new Error(`flotilla nats-config failed: ${configured.stderr}`);
    await supervisor.start({
      name: "nats-server",
      command: findNatsServer(process.env.PATH),
      args: ["-c", join(dirs.nats, "nats-server.conf")],
      ready: /Server is ready/,
      readyTimeoutMs: 30_000,
      onOutput: keep("nats-server"),
    });
  } else {
    customNats = await options.nats({ natsDir: dirs.nats, clusters: names });
    natsUrl = customNats.url;
  }

  let hubUrl = "";
  let hubKey = "";
  let client: HubClient | undefined;
  const hubPort = await freePort();
  const flotilla = (name: string, args: readonly string[], ready: RegExp | undefined, nodeFlags: readonly string[] = [], env?: Readonly<Record<string, string>>) =>
    supervisor.start({ name, command: process.execPath, args: [...nodeFlags, CLI_PATH, "--log-level", "debug", ...args], ready, readyTimeoutMs: 90_000, onOutput: keep(name), ...(env === undefined ? {} : { env: { ...process.env, ...env } }) });

  const fleet: TestFleet = {
    dir,
    natsUrl,
    repo,
    clusters,
    pki,
    tlsFlags,
    hubUrl: () => hubUrl,
    hubKey: () => hubKey,
    hub: () => {
      if (client === undefined) throw new Error("the hub has not been started");
      return client;
    },
    kubeconfig: (cluster) => join(dirs.kube, `${cluster}.yaml`),
    nkeyFile: (cluster) => join(dirs.nats, `${cluster}.nk`),
    startProcess: (name, args, ready) => flotilla(name, args, ready),
    stopProcess: (name) => supervisor.stopChild(name),
    kubectl: async (cluster, ...args) => (await run("kubectl", ["--kubeconfig", fleet.kubeconfig(cluster), ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout,
    getJson: async <T>(cluster: string, ...args: string[]): Promise<T | undefined> => {
      try {
        return JSON.parse(await fleet.kubectl(cluster, "get", ...args, "-o", "json")) as T;
      } catch (err) {
        if (/NotFound|not found/.test(String((err as { stderr?: string }).stderr ?? err))) return undefined;
        throw err;
      }
    },
    startHub: async () => {
      const readTokenFlags: string[] = [];
      if (options.readToken !== undefined) {
        await writeFile(join(dirs.hub, "read-token"), options.readToken, { mode: 0o600 });
        readTokenFlags.push("--read-token-file", join(dirs.hub, "read-token"));
      }
      const hub = await flotilla(
        "hub",
        [...hubArgs({ natsUrl, nkey: join(dirs.nats, "hub.nk"), repo: repo.dir, port: hubPort, signingKey: join(dirs.hub, "signing-key.pem") }), ...(await tlsFlags("hub")), ...readTokenFlags, ...(options.hubFlags ?? [])],
        /listening on http/,
        [],
        options.hubEnv,
      );
      hubUrl = /listening on (http\S+)/.exec(hub.readyLine ?? "")?.[1] ?? `http://127.0.0.1:${String(hubPort)}`;
      client = new HubClient({ url: hubUrl, token: options.readToken });
      hubKey = await client.hubKey();
    },
    stopHub: () => supervisor.stopChild("hub"),
    startSpoke: async (cluster) => {
      const args = spokeArgs({ cluster, natsUrl: customNats?.spokeUrl?.(cluster) ?? natsUrl, nkey: join(dirs.nats, `${cluster}.nk`), hubKey, kubeconfig: fleet.kubeconfig(cluster) });
      await flotilla(`spoke ${cluster}`, [...args, ...(await tlsFlags(cluster)), ...(options.spokeFlags?.(cluster) ?? [])], /spoke started/, options.spokeNodeFlags?.(cluster));
    },
    stopSpoke: (cluster) => supervisor.stopChild(`spoke ${cluster}`),
    startDevcluster: async (cluster) => {
      await flotilla(`devcluster ${cluster}`, [...devclusterArgs({ name: cluster, kubeconfig: fleet.kubeconfig(cluster) }), ...(options.devclusterFlags?.(cluster) ?? [])], /ready at/);
      // What deploy/spoke installs first: the spoke's namespace; then the story's own manifests.
      const extra = options.preinstall?.(cluster);
      const manifest = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${SPOKE_NAMESPACE}\n${extra === undefined ? "" : `---\n${extra}`}`;
      {
        const file = join(dirs.work, `${cluster}-preinstall.yaml`);
        await writeFile(file, manifest, { mode: 0o600 });
        try {
          await fleet.kubectl(cluster, "apply", "-f", file);
        } finally {
          await rm(file, { force: true });
        }
      }
    },
    deleteDevcluster: (cluster) => supervisor.stopChild(`devcluster ${cluster}`),
    waitFor: async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 120_000): Promise<T> => {
      const deadline = Date.now() + timeoutMs;
      let lastError = "";
      for (;;) {
        try {
          const value = await probe();
          if (value !== undefined) return value;
        } catch (err) {
          lastError = String(err);
        }
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError === "" ? "" : ` (last error: ${lastError})`}\n${recentOutput()}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    converged: async (revision, only = names, timeoutMs = 120_000) => {
      let last: ClusterSummary[] = [];
      try {
        return await fleet.waitFor(
          `${only.join(", ")} Synced/Healthy at ${revision.slice(0, 7)}`,
          async () => {
            // The hub has rendered the commit, and each cluster applied what the hub wants for it
            // (a cluster whose objects the commit does not change keeps its earlier desired state),
            // and no publish to it failed (the hub keeps the last good state and retries next pass).
            const sources = await fleet.hub().sources();
            last = await fleet.hub().clusters();
            if (sources.length === 0 || sources.some((s) => s.publishedRevision !== revision)) return undefined;
            const picked = only.map((n) => last.find((c) => c.name === n));
            const done = picked.every(
              (c) =>
                c !== undefined &&
                c.connection === "Online" &&
                c.sync === "Synced" &&
                c.health === "Healthy" &&
                typeof c.desired?.generation === "number" &&
                c.publishError === undefined &&
                c.applied?.generation === c.desired.generation &&
                c.applied.revision === c.desired.revision,
            );
            return done ? (picked as ClusterSummary[]) : undefined;
          },
          timeoutMs,
        );
      } catch (err) {
        // What the hub last said about each cluster: the first thing to read when a story stalls.
        const state = last.map((c) => ({ name: c.name, connection: c.connection, sync: c.sync, health: c.health, desired: c.desired, applied: c.applied, errors: c.errors, apps: c.apps.filter((a) => a.sync !== "Synced" || a.health !== "Healthy") }));
        throw new Error(`${(err as Error).message}\nhub view: ${JSON.stringify(state, null, 1)}`);
      }
    },
    logs: (prefix) =>
      [...logs]
        .filter(([name]) => name.startsWith(prefix))
        .map(([, text]) => text)
        .join("\n"),
    stop: async () => {
      await supervisor.stopAll();
      await customNats?.stop();
      await repo.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(names.map((n) => fleet.startDevcluster(n)));
    await fleet.startHub();
    for (const n of names) await fleet.startSpoke(n);
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}

export { SPOKE_NAMESPACE };

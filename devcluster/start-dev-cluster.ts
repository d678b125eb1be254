import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { silentLogger, systemClock, type Clock, type Logger } from "../core/index.js";
import { DEFAULT_TIME_FACTOR } from "./deployment-rollout.js";
import { DevClusterError } from "./devcluster-errors.js";
import { validateFaults, type DevClusterFaults } from "./fault-injection.js";
import { buildHttpServer } from "./http-server.js";
import { KubeApi } from "./kube-api.js";
import { renderKubeconfig } from "./kubeconfig.js";
import { ObjectStore } from "./object-store.js";
import { ResourceRegistry } from "./resource-registry.js";
import { SimulatedController } from "./simulated-controller.js";
import { readStateFile, writeStateFile } from "./state-file.js";
import { createServingCertificate } from "./tls-certificate.js";

export interface DevClusterOptions {
  /** Cluster, user and context name in the kubeconfig. Default `devcluster`. */
  readonly name?: string;
  /** TCP port on 127.0.0.1; 0 or unset picks a free one. */
  readonly port?: number;
  /** Added to every request before it is served. */
  readonly latencyMs?: number;
  readonly faults?: DevClusterFaults;
  /** Persist state to this JSON file and reload it on start (resourceVersions keep increasing). */
  readonly dataFile?: string;
  /** How long simulated controllers take to report workloads ready. Default 200 ms. */
  readonly controllerDelayMs?: number;
  /** How long a namespace stays Terminating. Default 500 ms. */
  readonly namespaceDeletionDelayMs?: number;
  /**
   * Kubernetes durations in devcluster time: a Deployment's progressDeadlineSeconds passes after
   * `seconds × 1000 × timeFactor` ms. Default DEFAULT_TIME_FACTOR (0.005: 600 s is 3 s); 1 is real time.
   */
  readonly timeFactor?: number;
  /** Write the kubeconfig here (the CLI's `--kubeconfig`); default a temp dir removed on stop. */
  readonly kubeconfigPath?: string;
  /** Events kept for watch resumption; older resourceVersions get 410 Gone. Default 2000. */
  readonly historyLimit?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Uniform [0, 1) source for fault injection. */
  readonly random?: () => number;
  /** Also accept client certificates signed by this CA (PEM), as an API server with `--client-ca-file`. */
  readonly clientCaPem?: string;
}

export interface DevCluster {
  readonly name: string;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly kubeconfigPath: string;
  /** The kubeconfig YAML (also written to kubeconfigPath). */
  readonly kubeconfig: string;
  /** The bearer token of the kubeconfig's user. */
  readonly token: string;
  /** Replaces the accepted bearer tokens (rotation, revocation); the kubeconfig file is left as is. */
  setTokens(tokens: readonly string[]): void;
  /** PEM of the self-signed serving certificate (its own CA). */
  readonly caPem: string;
  /** The faults in force now. */
  faults(): DevClusterFaults;
  /** Replaces the faults in force (validated; takes effect for the next request/reconcile). */
  setFaults(faults: DevClusterFaults): void;
  setLatency(ms: number): void;
  /** Closes every open watch connection now (clients must re-watch). */
  dropWatches(): void;
  /** The store's current resourceVersion. */
  resourceVersion(): number;
  /** Stops serving, flushes `dataFile`, removes the temp kubeconfig. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

/**
 * Starts an in-memory Kubernetes API server on 127.0.0.1 over HTTPS that kubectl 1.32 and
 * @kubernetes/client-node use unchanged, and writes a kubeconfig for it.
 */
export async function startDevCluster(options: DevClusterOptions = {}): Promise<DevCluster> {
  const name = options.name ?? "devcluster";
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger();
  const random = options.random ?? Math.random;
  let faults = validateFaults(options.faults ?? {});
  let latency = options.latencyMs ?? 0;
  if (!(latency >= 0)) throw new DevClusterError("DEVCLUSTER_INVALID_OPTION", "latencyMs must be >= 0", { field: "latencyMs" });
  const timeFactor = options.timeFactor ?? DEFAULT_TIME_FACTOR;
  if (!(timeFactor > 0) || !Number.isFinite(timeFactor)) throw new DevClusterError("DEVCLUSTER_INVALID_OPTION", "timeFactor must be a number > 0", { field: "timeFactor" });

  const store = new ObjectStore(options.historyLimit === undefined ? {} : { historyLimit: options.historyLimit });
  const registry = new ResourceRegistry();
  const saved = options.dataFile === undefined ? undefined : readStateFile(options.dataFile);
  if (saved !== undefined) {
    store.restore(saved);
    for (const { group, resource, object } of saved.objects) {
      if (group === "apiextensions.k8s.io" && resource === "customresourcedefinitions") registry.registerCrd(object);
    }
  }
  const api = new KubeApi({ store, registry, clock });
  const nsType = registry.find("", "v1", "namespaces");
  if (nsType !== undefined) for (const ns of DEFAULT_NAMESPACES) api.ensure(nsType, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });

  const token = randomBytes(24).toString("base64url");
  let tokens: readonly string[] = [token];
  const tls = createServingCertificate({ commonName: `${name}-devcluster`, now: clock.now() });
  let port = options.port ?? 0;
  const { app, watches } = buildHttpServer({
    api,
    tls,
    tokens: () => tokens,
    clientCaPem: options.clientCaPem,
    clock,
    logger,
    faults: () => faults,
    latencyMs: () => latency,
    random,
    serverAddress: () => `127.0.0.1:${port}`,
    bookmarkIntervalMs: 10_000,
  });
  try {
    await app.listen({ host: "127.0.0.1", port });
  } catch (err) {
    throw new DevClusterError("DEVCLUSTER_LISTEN", `cannot listen on 127.0.0.1:${port}: ${(err as Error).message}`, { field: "port", cause: err });
  }
  const address = app.server.address();
  port = typeof address === "object" && address !== null ? address.port : port;
  const url = `https://127.0.0.1:${port}`;

  const controller = new SimulatedController({
    api,
    clock,
    logger,
    faults: () => faults,
    delayMs: options.controllerDelayMs ?? 200,
    namespaceDeletionDelayMs: options.namespaceDeletionDelayMs ?? 500,
    timeFactor,
  });
  controller.start();

  let flushTimer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    flushTimer = undefined;
    if (options.dataFile !== undefined) writeStateFile(options.dataFile, store.snapshot());
  };
  const unsubscribePersist =
    options.dataFile === undefined
      ? () => undefined
      : store.subscribe(() => {
          flushTimer ??= setTimeout(() => {
            try {
              flush();
            } catch (err) {
              logger.error({ err: (err as Error).message }, "devcluster could not persist its state");
            }
          }, 50);
        });
  if (options.dataFile !== undefined) flush();

  const kubeconfig = renderKubeconfig({ name, server: url, caPem: tls.certPem, token });
  const tempDir = options.kubeconfigPath === undefined ? mkdtempSync(join(tmpdir(), "devcluster-")) : undefined;
  const kubeconfigPath = options.kubeconfigPath ?? join(tempDir ?? "", "kubeconfig");
  try {
    mkdirSync(dirname(kubeconfigPath), { recursive: true });
    writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
  } catch (err) {
    controller.stop();
    unsubscribePersist();
    await app.close();
    throw new DevClusterError("DEVCLUSTER_INVALID_OPTION", `cannot write the kubeconfig: ${(err as Error).message}`, { file: kubeconfigPath, field: "kubeconfig", cause: err });
  }

  let stopped: Promise<void> | undefined;
  const dropWatches = (): void => {
    for (const w of [...watches]) w.end();
  };
  return {
    name,
    url,
    port,
    kubeconfigPath,
    kubeconfig,
    token,
    caPem: tls.certPem,
    setTokens: (next) => {
      tokens = [...next];
    },
    faults: () => faults,
    setFaults: (next) => {
      faults = validateFaults(next);
      controller.resyncAll();
    },
    setLatency: (ms) => {
      if (!(ms >= 0)) throw new DevClusterError("DEVCLUSTER_INVALID_OPTION", "latencyMs must be >= 0", { field: "latencyMs" });
      latency = ms;
    },
    dropWatches,
    resourceVersion: () => store.resourceVersion,
    stop: () =>
      (stopped ??= (async () => {
        controller.stop();
        dropWatches();
        await app.close();
        unsubscribePersist();
        flush();
        if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
      })()),
  };
}

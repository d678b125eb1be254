import { randomBytes } from "node:crypto";
import type { Authenticator } from "@nats-io/transport-node";
import { errorMessage, silentLogger, type Clock, type Logger, type RandomSource } from "../core/index.js";
import type { KubeClient } from "../kube/index.js";
import { MAX_KEY_BACKUP_BYTES, readBundleHealth, verifyEnvelope, type Bundle, type DesiredStateEnvelope } from "../protocol/index.js";
import { desiredApp, luaHealthOf, type DesiredState } from "./desired-state.js";
import { FileEnvelopeCache, SecretEnvelopeCache, type EnvelopeCache } from "./envelope-cache.js";
import type { KeyCustody } from "./key-custody.js";
import type { SpokeConfig } from "./spoke-config.js";
import { SPOKE_ERROR, SpokeError } from "./spoke-errors.js";
import { repeatEvery } from "./repeat-every.js";
import { SpokeRuntime } from "./spoke-runtime.js";
import type { SealedSecretsController } from "./sealed-secrets-controller.js";
import type { SealedSecretsApi } from "./sealed-secrets-api.js";
import type { SealedSecretsMetrics } from "./sealed-secrets-metrics.js";
import { SpokeSession } from "./spoke-session.js";

export interface StartSpokeOptions {
  readonly config: SpokeConfig;
  readonly client: KubeClient;
  readonly clock: Clock;
  readonly random?: RandomSource;
  readonly logger?: Logger;
  readonly authenticator?: Authenticator | undefined;
  readonly spokeVersion: string;
  /** Where the last verified envelope is kept; default from config (file, else a Secret). */
  readonly cache?: EnvelopeCache;
  /** A runtime already enforcing state (bootstrap `--then-join`): it keeps its digests, so nothing is reapplied. */
  readonly runtime?: SpokeRuntime;
}

export function desiredFromEnvelope(envelope: DesiredStateEnvelope, bundle: Bundle): DesiredState {
  return {
    generation: envelope.generation,
    revision: envelope.revision,
    bundleDigest: envelope.bundleDigest,
    apps: bundle.apps.map((a) => desiredApp(a as Record<string, unknown>)),
    source: "hub",
    ...luaHealthOf(readBundleHealth(bundle)),
  };
}

export interface KeyWatchOptions {
  readonly custody: KeyCustody;
  readonly clock: Clock;
  /** How often the key Secrets are re-listed (the spoke's check interval). */
  readonly intervalMs: number;
  readonly logger: Logger;
  /** The key set changed; `certChanged` when the sealing (newest) key is another one. */
  readonly onChange: (change: { readonly certChanged: boolean }) => Promise<void>;
}

/** Re-lists the sealing key Secrets every interval (one LIST) until `signal` aborts. */
function watchKeys(o: KeyWatchOptions, signal: AbortSignal): Promise<void> {
  return repeatEvery({
    clock: o.clock,
    intervalMs: o.intervalMs,
    signal,
    tick: async () => {
      const before = o.custody.keysVersion;
      const certChanged = await o.custody.refresh();
      if (certChanged || o.custody.keysVersion !== before) await o.onChange({ certChanged });
    },
    onError: (err) => o.logger.warn({ code: (err as { code?: string }).code, error: errorMessage(err) }, "reloading the sealing keys failed; keeping the loaded ones"),
  });
}

/** The Sealed Secrets controller's part of a spoke (when configured). */
export interface SealedSecretsPart {
  readonly controller: SealedSecretsController;
  readonly api: SealedSecretsApi;
  readonly metrics: SealedSecretsMetrics;
}

/** The running spoke: runtime (cluster side) + session (NATS side) + the sealing key watch. */
export class SpokeAgent {
  readonly runtime: SpokeRuntime;
  readonly session: SpokeSession;
  sealedSecrets: SealedSecretsPart | undefined;
  readonly #connecting: Promise<void>;
  readonly #stopKeys = new AbortController();
  readonly #keyWatch: Promise<void> | undefined;

  constructor(runtime: SpokeRuntime, session: SpokeSession, keyWatch?: KeyWatchOptions) {
    this.runtime = runtime;
    this.session = session;
    this.#connecting = session.start();
    this.#keyWatch = keyWatch === undefined ? undefined : watchKeys(keyWatch, this.#stopKeys.signal);
  }

  /** Resolves once the first NATS connection is up (or stop() was called). */
  connected(): Promise<void> {
    return this.#connecting;
  }

  async stop(): Promise<void> {
    this.#stopKeys.abort();
    await this.#keyWatch;
    await this.sealedSecrets?.api.close();
    await this.sealedSecrets?.controller.stop();
    await this.session.stop();
    await this.runtime.stop();
  }
}

/**
 * The spoke's composition root: keys first (generate or load), then the cached envelope (so a
 * partitioned spoke keeps enforcing), then the reconcile worker, then the NATS session.
 */
export async function startSpoke(options: StartSpokeOptions): Promise<SpokeAgent> {
  const { config, client, clock } = options;
  const logger = options.logger ?? silentLogger();
  const random = options.random ?? ((n: number) => new Uint8Array(randomBytes(n)));
  const uniform = (): number => (random(4).reduce((a, b) => a * 256 + b, 0) >>> 0) / 2 ** 32;
  // The runtime reports before the session exists (cached state); reports go through this late binding.
  const link: { session?: SpokeSession } = {};
  const runtime =
    options.runtime ??
    new SpokeRuntime({
      fleet: config.fleet,
      cluster: config.cluster,
      client,
      namespace: config.namespace,
      clock,
      random,
      logger,
      resyncIntervalMs: config.resyncIntervalMs,
      waitTimeoutMs: config.waitTimeoutMs,
      keyBits: config.keyBits,
      rotateEveryMs: config.rotateEveryMs,
      sealingKeyNamespace: config.sealingKeyNamespace,
    });
  runtime.setReporter((r) => link.session?.publishStatus(r));
  await runtime.custody.ensureSealingKeys();
  const statusKey = await runtime.custody.statusKey();
  // The age-encrypted backup of every sealing key travels in Hello (the hub keeps it for disaster recovery).
  const makeBackup = async (): Promise<string | undefined> => {
    if (config.recoveryRecipients.length === 0) return undefined;
    const armored = await runtime.custody.backup(config.recoveryRecipients);
    if (armored.length <= MAX_KEY_BACKUP_BYTES) {
      runtime.reconciler.clearErrors("key-backup");
      return armored;
    }
    const message = `the sealing key backup (${String(armored.length)} bytes) exceeds the ${String(MAX_KEY_BACKUP_BYTES)} bytes a Hello may carry; not sent (use flotilla keys backup -f)`;
    logger.warn({ bytes: armored.length }, message);
    runtime.reconciler.recordError(SPOKE_ERROR.keys, message, "key-backup");
    return undefined;
  };
  let keyBackup = await makeBackup();
  const cache = options.cache ?? (config.cacheFile === undefined ? new SecretEnvelopeCache({ client, namespace: config.namespace }) : new FileEnvelopeCache(config.cacheFile));

  let accepted = runtime.reconciler.desired?.source === "hub" ? runtime.reconciler.desired.generation : 0;
  const cached = await cache.load().catch(() => undefined);
  if (cached !== undefined && runtime.reconciler.desired === undefined) {
    const result = verifyEnvelope({ envelope: cached, hubPublicKey: config.hubKeys, fleet: config.fleet, cluster: config.cluster, minGeneration: 0 });
    if (result.ok) {
      accepted = result.envelope.generation;
      runtime.setDesired(desiredFromEnvelope(result.envelope, result.bundle));
      logger.info({ generation: accepted }, "enforcing the cached desired state until the hub is reached");
    } else {
      runtime.reconciler.recordError(SPOKE_ERROR.cache, `cached envelope rejected: ${result.error.code}`);
    }
  }
  runtime.start();

  const session = new SpokeSession({
    servers: config.natsUrl,
    fleet: config.fleet,
    cluster: config.cluster,
    hubKeys: config.hubKeys,
    authenticator: options.authenticator,
    tls: config.tls,
    statusKey,
    spokeVersion: options.spokeVersion,
    labels: config.labels,
    sealingCert: () => runtime.custody.sealingCertificate(),
    helloExtra: () => Promise.resolve(keyBackup === undefined ? {} : { keyBackup }),
    heartbeatSeconds: config.heartbeatSeconds,
    checkIntervalMs: config.checkIntervalMs,
    connectBackoffMaxMs: config.connectBackoffMaxMs,
    clock,
    random: uniform,
    logger,
    minGeneration: () => accepted,
    applied: () => runtime.reconciler.applied,
    onVerified: ({ envelope, bundle }, raw) => {
      // What the hub serves verifies again: earlier rejections and a bad cache are history.
      const cleared = runtime.reconciler.clearErrors("desired-state");
      const current = runtime.reconciler.desired;
      if (current?.source === "hub" && current.generation === envelope.generation && current.bundleDigest === envelope.bundleDigest) {
        if (cleared) runtime.trigger();
        return;
      }
      accepted = envelope.generation;
      runtime.setDesired(desiredFromEnvelope(envelope, bundle));
      cache.save(raw).catch((err: unknown) => logger.warn({ error: errorMessage(err) }, "could not cache the envelope"));
    },
    onRejected: (code, message) => {
      runtime.reconciler.recordError(code, message);
      runtime.trigger();
    },
  });
  link.session = session;
  // A key added in the cluster (`flotilla keys rotate --kubeconfig`, a restore) is used without a
  // restart: the new certificate and backup go out in a fresh Hello, and apps that failed to
  // decrypt get another pass. The watch is its own timer, so reconcile passes send no extra request.
  const sealedSecrets =
    config.sealedSecretsController === undefined
      ? undefined
      : await startSealedSecretsPart({ config, client, clock, random, logger, runtime, spokeVersion: options.spokeVersion }).catch(async (err: unknown) => {
          await runtime.stop();
          throw new SpokeError(SPOKE_ERROR.config, `cannot serve the sealed secrets API on ${config.sealedSecretsController?.listen ?? ""}: ${errorMessage(err)}`, {
            field: "--listen-addr",
            userError: true,
          });
        });
  const agent = new SpokeAgent(runtime, session, {
    custody: runtime.custody,
    clock,
    intervalMs: config.checkIntervalMs,
    logger,
    onChange: async ({ certChanged }) => {
      keyBackup = await makeBackup();
      logger.info({ certChanged, sealingKey: (await runtime.custody.sealingRing()).sealingKey.fingerprint }, "sealing keys changed");
      if (certChanged || keyBackup !== undefined) await session.resendHello();
      runtime.reconciler.retryDecryptFailures();
      sealedSecrets?.controller.retryFailures();
      runtime.trigger();
    },
  });
  agent.sealedSecrets = sealedSecrets;
  return agent;
}

/** Starts the controller's job (watch and unseal every SealedSecret) and its HTTP API. */
async function startSealedSecretsPart(o: {
  config: SpokeConfig;
  client: KubeClient;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  runtime: SpokeRuntime;
  spokeVersion: string;
}): Promise<SealedSecretsPart | undefined> {
  const settings = o.config.sealedSecretsController;
  if (settings === undefined) return undefined;
  // Imported only when enabled: fastify and prom-client cost an idle spoke ~20 MiB (docs/benchmarks.md, footprint).
  const [{ SealedSecretsMetrics }, { SealedSecretsController }, { startSealedSecretsApi }] = await Promise.all([
    import("./sealed-secrets-metrics.js"),
    import("./sealed-secrets-controller.js"),
    import("./sealed-secrets-api.js"),
  ]);
  const metrics = new SealedSecretsMetrics({ version: o.spokeVersion });
  const ring = (): ReturnType<KeyCustody["sealingRing"]> => o.runtime.custody.sealingRing();
  const controller = new SealedSecretsController({
    client: o.client,
    ring,
    namespaces: settings.namespaces,
    bundleLabel: o.runtime.manager.appLabel,
    resyncIntervalMs: o.config.resyncIntervalMs,
    clock: o.clock,
    random: o.random,
    logger: o.logger,
    metrics,
  });
  const api = await startSealedSecretsApi({ listen: settings.listen, controller, ring, metrics, clock: o.clock, random: o.random, logger: o.logger, rateLimit: settings.rateLimit, rateLimitBurst: settings.rateLimitBurst });
  controller.start();
  o.logger.info({ url: api.url, namespaces: settings.namespaces.length === 0 ? "*" : settings.namespaces.join(",") }, "sealed secrets controller API listening");
  return { controller, api, metrics };
}

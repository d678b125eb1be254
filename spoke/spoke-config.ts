import { z } from "zod";
import { SPOKE_ERROR, SpokeError } from "./spoke-errors.js";

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "lower-case letters, digits and '-', at most 63");

/** The spoke's whole configuration, built once at the edge (cli/spoke.ts) and frozen. */
export const spokeConfigSchema = z.object({
  fleet: name.default("default"),
  cluster: name,
  natsUrl: z.array(z.string().min(1)).min(1),
  /** Pinned hub keys `ed25519:<base64url>`. */
  hubKeys: z.array(z.string().startsWith("ed25519:")).min(1),
  nkeySeed: z.string().optional(),
  /** PEM files for NATS over TLS (absolute paths, checked at the CLI edge); absent → plain NATS. */
  tls: z.object({ caFile: z.string().optional(), certFile: z.string().optional(), keyFile: z.string().optional() }).optional(),
  /** The spoke's namespace (inventories, keys, identity, envelope cache). */
  namespace: name.default("flotilla-system"),
  fieldManager: z.string().min(1).default("flotilla"),
  labels: z.record(z.string(), z.string()).default({}),
  heartbeatSeconds: z.int().min(1).max(3600).default(15),
  checkIntervalMs: z.int().min(100).default(30_000),
  resyncIntervalMs: z.int().min(0).default(300_000),
  qps: z.number().positive().default(50),
  burst: z.int().positive().default(100),
  keyBits: z.int().min(2048).default(4096),
  rotateEveryMs: z.int().min(0).default(30 * 24 * 3600 * 1000),
  /** age recipients for the sealing key backup (published to the hub in Hello; plaintext never leaves). */
  recoveryRecipients: z.array(z.string().startsWith("age1")).default([]),
  /** Where the sealing key Secrets live (the controller's keys: `kube-system`); default `namespace`. */
  sealingKeyNamespace: name.optional(),
  /**
   * The Sealed Secrets controller's job: unseal every SealedSecret in the cluster (not only the
   * bundle's), serve its HTTP API on `listen` and report its metrics. Off unless configured.
   */
  sealedSecretsController: z
    .object({
      /** Namespaces watched; empty = all. */
      namespaces: z.array(name).default([]),
      /** `host:port` of /v1/cert.pem, /v1/verify, /v1/rotate, /healthz, /metrics (the controller's --listen-addr). */
      listen: z.string().regex(/^[^:]*:\d+$/, "host:port").default(":8080"),
      rateLimit: z.number().positive().default(2),
      rateLimitBurst: z.int().positive().default(2),
    })
    .optional(),
  /** File path for the last verified envelope; absent → a Secret in the namespace. */
  cacheFile: z.string().optional(),
  waitTimeoutMs: z.int().min(1000).default(300_000),
  /** Cap of the jittered exponential backoff between failed first connection attempts. */
  connectBackoffMaxMs: z.int().min(100).default(30_000),
});

export type SpokeConfig = Readonly<z.output<typeof spokeConfigSchema>>;
export type SpokeConfigInput = z.input<typeof spokeConfigSchema>;

/** Validates and freezes; a bad value throws SPOKE_CONFIG_INVALID naming the field. */
export function parseSpokeConfig(input: SpokeConfigInput): SpokeConfig {
  const result = spokeConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join(".") ?? "";
    throw new SpokeError(SPOKE_ERROR.config, issue?.message ?? "invalid configuration", { field, userError: true });
  }
  return Object.freeze(result.data);
}

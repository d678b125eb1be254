import { z } from "zod";

/** Zod schemas for every message on the wire (docs/protocol.md). Loose objects: unknown fields are kept (and signed). */

const name = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be 1-63 of [a-z0-9-]");
const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex>");
const publicKey = z.string().regex(/^ed25519:[A-Za-z0-9_-]{43}$/, "must be ed25519:<base64url>");
const revision = z.string().min(1).max(256);
const timestamp = z.iso.datetime({ offset: true });
const generation = z.int().min(0).max(Number.MAX_SAFE_INTEGER);
const signature = z.string().regex(/^[A-Za-z0-9+/]{86}==$/, "must be a base64 ed25519 signature");
const message = z.string().max(4096);

/** Largest uncompressed bundle a spoke accepts (the 8 MiB target with head-room). */
export const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

export const bundleRefSchema = z.looseObject({
  bucket: z.string().regex(/^flotilla-bundles-[a-z0-9-]+$/),
  object: z.string().regex(/^sha256-[0-9a-f]{64}$/),
  size: z.int().min(0),
});

export const desiredStateSchema = z.looseObject({
  protocol: z.literal(1),
  kind: z.literal("DesiredState"),
  fleet: name,
  cluster: name,
  generation,
  revision,
  issuedAt: timestamp,
  bundleDigest: digest,
  bundleSize: z.int().min(0).max(MAX_BUNDLE_BYTES),
  bundleEncoding: z.literal("gzip"),
  bundle: z.base64().optional(),
  bundleRef: bundleRefSchema.optional(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature,
});

const kubeObject = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional() }).optional(),
});

export const appBundleSchema = z.looseObject({
  name: z.string().min(1).max(253),
  namespace: z.string().max(253).optional(),
  project: z.string().optional(),
  digest: digest.optional(),
  objects: z.array(kubeObject),
});

/**
 * Health customizations every object of the bundle is rated with (docs/protocol.md, "Bundle
 * health"). Only `version` is checked with the bundle: a spoke that does not know a version
 * ignores the field and reports it, instead of refusing the whole desired state. Spokes older
 * than the field never look at it (bundles are loose objects).
 */
export const bundleHealthEnvelopeSchema = z.looseObject({ version: z.int().min(1).max(1_000_000) });

export const BUNDLE_HEALTH_VERSION = 1;
/** Bounds of the Lua scripts a bundle carries (the fleet repo's `health/` directory). */
export const BUNDLE_HEALTH_LIMITS = { scriptBytes: 64 * 1024, totalBytes: 1024 * 1024, scripts: 1000, keyLength: 317 } as const;

const luaScripts = z
  .record(z.string().min(1).max(BUNDLE_HEALTH_LIMITS.keyLength), z.string().max(BUNDLE_HEALTH_LIMITS.scriptBytes))
  .refine((m) => Object.keys(m).length <= BUNDLE_HEALTH_LIMITS.scripts, `at most ${BUNDLE_HEALTH_LIMITS.scripts} scripts`);

/** Version 1: Argo CD Lua health scripts, by Argo key (`group/Kind`, `Kind` for the core group, `*` wildcards). */
export const bundleHealthV1Schema = z
  .looseObject({
    version: z.literal(BUNDLE_HEALTH_VERSION),
    lua: z.looseObject({ overrides: luaScripts.default({}), files: luaScripts.default({}) }),
  })
  .refine((h) => {
    let total = 0;
    for (const m of [h.lua.overrides, h.lua.files]) for (const script of Object.values(m)) total += Buffer.byteLength(script);
    return total <= BUNDLE_HEALTH_LIMITS.totalBytes && Object.keys(h.lua.overrides).length + Object.keys(h.lua.files).length <= BUNDLE_HEALTH_LIMITS.scripts;
  }, `health scripts over ${BUNDLE_HEALTH_LIMITS.totalBytes} bytes or ${BUNDLE_HEALTH_LIMITS.scripts} scripts`);

export const bundleSchema = z.looseObject({
  apiVersion: z.literal("flotilla.dev/v1"),
  kind: z.literal("Bundle"),
  cluster: name,
  revision,
  apps: z.array(appBundleSchema),
  health: bundleHealthEnvelopeSchema.optional(),
});

export const notifySchema = z.looseObject({
  protocol: z.literal(1),
  kind: z.literal("Notify"),
  fleet: name,
  cluster: name,
  generation,
  revision,
  /** The hub does not know (or no longer verifies) the spoke's status key: send Hello again. */
  announce: z.boolean().optional(),
});

export const helloSchema = z.looseObject({
  protocol: z.literal(1),
  kind: z.literal("Hello"),
  fleet: name,
  cluster: name,
  sentAt: timestamp,
  spokeVersion: z.string().max(64),
  labels: z.record(z.string().max(317), z.string().max(63)).default({}),
  statusKey: publicKey,
  sealingCert: z.string().max(16 * 1024).optional(),
  /** The spoke's sealing keys, age-encrypted to its recovery recipients and armored; never plaintext. The hub bounds it (MAX_KEY_BACKUP_BYTES). */
  keyBackup: z.string().optional(),
  heartbeatSeconds: z.int().min(1).max(3600).default(15),
  appliedGeneration: generation.optional(),
  appliedRevision: revision.optional(),
  signature,
});

export const heartbeatSchema = z.looseObject({
  protocol: z.literal(1),
  kind: z.literal("Heartbeat"),
  fleet: name,
  cluster: name,
  sentAt: timestamp,
  appliedGeneration: generation.optional(),
  appliedRevision: revision.optional(),
  signature,
});

export const SYNC_STATUSES = ["Synced", "OutOfSync", "Unknown"] as const;
export const HEALTH_STATUSES = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as const;
const sync = z.enum(SYNC_STATUSES);
const health = z.enum(HEALTH_STATUSES);
const reportedError = z.looseObject({ code: z.string().max(128), message });

export const objectStatusSchema = z.looseObject({
  group: z.string().optional(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  sync,
  health,
  message: message.optional(),
  /** The rule that rated the object's health (`builtin:Deployment`, `kstatus`, …; docs/health.md). */
  healthRule: z.string().max(256).optional(),
});

export const appStatusSchema = z.looseObject({
  name: z.string().min(1).max(253),
  sync,
  health,
  revision: revision.optional(),
  message: message.optional(),
  error: reportedError.optional(),
  objects: z.array(objectStatusSchema).max(10_000).optional(),
});

export const statusReportSchema = z.looseObject({
  protocol: z.literal(1),
  kind: z.literal("StatusReport"),
  fleet: name,
  cluster: name,
  sentAt: timestamp,
  generation: generation.optional(),
  revision: revision.optional(),
  bundleDigest: digest.optional(),
  apps: z.array(appStatusSchema),
  errors: z.array(reportedError).max(100).optional(),
  signature,
});

export type DesiredStateEnvelope = z.infer<typeof desiredStateSchema>;
export type BundleRef = z.infer<typeof bundleRefSchema>;
export type Bundle = z.infer<typeof bundleSchema>;
export type BundleHealthV1 = z.infer<typeof bundleHealthV1Schema>;
export type AppBundle = z.infer<typeof appBundleSchema>;
export type NotifyMessage = z.infer<typeof notifySchema>;
export type HelloMessage = z.infer<typeof helloSchema>;
export type HeartbeatMessage = z.infer<typeof heartbeatSchema>;
export type StatusReport = z.infer<typeof statusReportSchema>;
export type AppStatus = z.infer<typeof appStatusSchema>;
export type ObjectStatus = z.infer<typeof objectStatusSchema>;
export type SyncStatus = (typeof SYNC_STATUSES)[number];
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

const unsignedFields = { protocol: true, kind: true, signature: true } as const;
/** What a spoke fills in before signing (protocol, kind and signature are added by the sign functions). */
export const helloInputSchema = helloSchema.omit({ ...unsignedFields, statusKey: true });
export const heartbeatInputSchema = heartbeatSchema.omit(unsignedFields);
export const statusReportInputSchema = statusReportSchema.omit(unsignedFields);
export type HelloInput = z.input<typeof helloInputSchema>;
export type HeartbeatInput = z.input<typeof heartbeatInputSchema>;
export type StatusReportInput = z.input<typeof statusReportInputSchema>;

import { HEALTH, parseRefId, safeDiff, worstOf, type FieldDiff, type HealthStatus, type HealthStatusCode, type KubeObject } from "../kube/index.js";
import type { AppStatus, ObjectStatus, StatusReportInput } from "../protocol/index.js";

/** What the reconciler knows about one managed object. */
export interface ObjectState {
  readonly id: string;
  readonly desired: KubeObject | undefined;
  readonly baseline: KubeObject | undefined;
  readonly live: KubeObject | null | undefined;
  readonly health: HealthStatus | undefined;
  readonly drift: readonly FieldDiff[];
}

export interface AppState {
  readonly name: string;
  readonly revision?: string | undefined;
  readonly objects: readonly ObjectState[];
  /** The stage that failed last (DecryptFailed, ApplyFailed, …) and its error, as Flux's Ready=False reason. */
  readonly failure?: { readonly reason: string; readonly code: string; readonly message: string } | undefined;
  /** True until the app's current desired digest has been applied. */
  readonly pending: boolean;
}

const MAX_MESSAGE = 4000;

function short(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

function show(v: unknown): string {
  return v === undefined ? "<none>" : typeof v === "string" ? v : JSON.stringify(v);
}

/**
 * The drift as users read it, Secret values masked (gitops-engine HideSecretData): the diff is
 * recomputed from baseline and live through `safeDiff`, never from the raw `drift` values.
 */
export function driftMessage(obj: ObjectState): string {
  if (obj.live === null) return "missing: deleted out of band";
  if (obj.baseline === undefined || obj.live === undefined) return "";
  const diff = safeDiff(obj.baseline, obj.live);
  return short(diff.map((d) => `${d.path}: ${show(d.desired)} → ${show(d.live)}`).join("; "));
}

export function objectStatus(obj: ObjectState): ObjectStatus {
  const parts = parseRefId(obj.id);
  const outOfSync = obj.live === null || obj.drift.length > 0;
  const health = obj.live === null ? HEALTH.missing : (obj.health?.status ?? HEALTH.healthy);
  const message = outOfSync ? driftMessage(obj) : obj.health?.message;
  return {
    ...(parts?.group === undefined || parts.group === "" ? {} : { group: parts.group }),
    kind: parts?.kind ?? obj.desired?.kind ?? "",
    ...(parts?.namespace === undefined || parts.namespace === "" ? {} : { namespace: parts.namespace }),
    name: parts?.name ?? obj.desired?.metadata.name ?? "",
    sync: outOfSync ? "OutOfSync" : "Synced",
    health,
    ...(message === undefined || message === "" ? {} : { message: short(message) }),
    ...(obj.live === null || obj.health?.rule === undefined ? {} : { healthRule: obj.health.rule }),
  };
}

/**
 * What a failure says about health. Secrets that do not open (a MAC missing, a key gone, a template
 * that fails) mean the app cannot be what Git says, whatever is still running from before: Degraded,
 * as Flux's Ready=False. Another failure before anything was applied leaves the app Missing.
 */
function failureHealth(app: AppState): { status: HealthStatusCode } | undefined {
  if (app.failure === undefined) return undefined;
  if (app.failure.reason === "DecryptFailed") return { status: HEALTH.degraded };
  return app.objects.length === 0 ? { status: HEALTH.missing } : undefined;
}

export function appStatus(app: AppState): AppStatus {
  const objects = app.objects.map(objectStatus);
  const outOfSync = app.pending || app.failure !== undefined || objects.some((o) => o.sync === "OutOfSync");
  const failure = app.failure;
  const health = worstOf([...app.objects.map((o) => (o.live === null ? { status: HEALTH.missing } : o.health)), failureHealth(app)]);
  return {
    name: app.name,
    sync: outOfSync ? "OutOfSync" : "Synced",
    health: health.status,
    ...(app.revision === undefined ? {} : { revision: app.revision }),
    ...(failure === undefined
      ? health.message === undefined
        ? {}
        : { message: short(health.message) }
      : { message: short(`${failure.reason}: ${failure.message}`), error: { code: failure.code, message: short(failure.message) } }),
    objects,
  };
}

/** The report the spoke signs and publishes (pure). */
export function buildStatusReport(input: {
  fleet: string;
  cluster: string;
  now: number;
  applied: { generation: number; revision: string; bundleDigest: string } | undefined;
  apps: readonly AppState[];
  errors: ReadonlyArray<{ code: string; message: string }>;
}): StatusReportInput {
  return {
    fleet: input.fleet,
    cluster: input.cluster,
    sentAt: new Date(input.now).toISOString(),
    ...(input.applied === undefined ? {} : { generation: input.applied.generation, revision: input.applied.revision, bundleDigest: input.applied.bundleDigest }),
    apps: input.apps.map(appStatus),
    ...(input.errors.length === 0 ? {} : { errors: input.errors.slice(-100).map((e) => ({ code: e.code, message: short(e.message) })) }),
  };
}


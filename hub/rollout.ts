import { createHash } from "node:crypto";
import type { HealthStatus, SyncStatus } from "../protocol/index.js";

/**
 * RollingSync, after Argo CD's ApplicationSet progressive sync: clusters are grouped into steps by
 * label `matchExpressions` (In/NotIn, all must match); a step's clusters are updated at most
 * `maxUpdate` at a time (int or percent, 0 = no limit); the next step starts when every cluster of
 * the step reports Healthy at the new content. A Degraded cluster halts the rollout and, with
 * autoRollback, the clusters it updated get their previous content (and revision) back. An offline cluster
 * is *waiting*, never failed. Clusters no step selects are not updated (as in Argo).
 * Pure: the hub feeds in what it knows and publishes what comes out.
 */

export interface RolloutStepSpec {
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] | undefined }[] | undefined;
  readonly maxUpdate?: number | string | undefined;
}

export interface RolloutClusterInput {
  readonly cluster: string;
  /** Cluster labels overlaid with the app labels (steps match either). */
  readonly labels: Readonly<Record<string, string>>;
  /** Digest of the ApplicationSet's apps for this cluster at the new revision. */
  readonly targetDigest: string;
  /** Digest of what is published for this cluster now (null: nothing yet). */
  readonly currentDigest: string | null;
  /** The revision the cluster's published envelope carries now (null or absent: nothing published). */
  readonly currentRevision?: string | null | undefined;
  readonly online: boolean;
  /** Worst health/sync of the ApplicationSet's apps in the latest report at the published generation, or null if not reported yet. */
  readonly observed: { readonly health: HealthStatus; readonly sync: SyncStatus } | null;
}

export type RolloutPhase = "Progressing" | "Halted" | "RolledBack" | "Completed";
export type ClusterRolloutState = "Waiting" | "Pending" | "Progressing" | "Healthy" | "Degraded" | "Offline" | "RolledBack" | "NotSelected";

/** Persisted between decisions (and across hub restarts, in `flotilla-status`). */
export interface RolloutRecord {
  readonly appSet: string;
  readonly revision: string;
  /** Digest over every cluster's target: a new target starts a new rollout. */
  readonly target: string;
  readonly phase: RolloutPhase;
  readonly currentStep: number;
  /** Clusters given the new content. */
  readonly released: readonly string[];
  /** Clusters given their previous content back. */
  readonly rolledBack: readonly string[];
  /**
   * Each cluster a step of this rollout updated, with the revision it was published at just before
   * (null: nothing was). Only these clusters are rolled back: one that already ran the target when
   * the rollout started was not updated by it. Absent in records written before this field existed.
   */
  readonly previousRevisions?: Readonly<Record<string, string | null>> | undefined;
  /** Each rolled-back cluster and the revision whose content it was given back (null: unknown). */
  readonly rolledBackTo?: Readonly<Record<string, string | null>> | undefined;
  readonly message?: string | undefined;
  readonly startedAt: number;
  readonly updatedAt: number;
  /** When each step (by index) started, finished (all Healthy) or halted (a cluster Degraded); absent in older records. */
  readonly stepTimes?: Readonly<Record<string, StepTimes>> | undefined;
}

export interface StepTimes {
  readonly startedAt?: number | undefined;
  readonly finishedAt?: number | undefined;
  readonly haltedAt?: number | undefined;
}

export interface RolloutDecision {
  readonly record: RolloutRecord;
  /** Clusters to publish the new content to now. */
  readonly release: readonly string[];
  /** Clusters to publish their previous content to now. */
  readonly rollback: readonly string[];
  readonly steps: readonly { readonly index: number; readonly clusters: readonly { readonly cluster: string; readonly state: ClusterRolloutState }[] }[];
}

export interface RolloutInput {
  readonly appSet: string;
  readonly revision: string;
  readonly steps: readonly RolloutStepSpec[];
  readonly autoRollback: boolean;
  readonly clusters: readonly RolloutClusterInput[];
  readonly record: RolloutRecord | undefined;
  readonly now: number;
}

function matches(step: RolloutStepSpec, labels: Readonly<Record<string, string>>): boolean {
  return (step.matchExpressions ?? []).every((expr) => {
    const value = labels[expr.key];
    const values = expr.values ?? [];
    switch (expr.operator) {
      case "In":
        return value !== undefined && values.includes(value);
      case "NotIn":
        return value === undefined || !values.includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        return false;
    }
  });
}

/** Argo's scaling: percent rounds down but a non-zero percent selects at least one; 0 means no limit. */
export function maxUpdateOf(maxUpdate: number | string | undefined, stepSize: number): number {
  if (maxUpdate === undefined) return stepSize;
  let value: number;
  if (typeof maxUpdate === "string" && maxUpdate.endsWith("%")) {
    const pct = Number(maxUpdate.slice(0, -1));
    value = Math.floor((pct * stepSize) / 100);
    if (pct > 0 && value < 1) value = 1;
  } else {
    value = Number(maxUpdate);
  }
  if (!Number.isFinite(value) || value <= 0) return stepSize;
  return Math.min(value, stepSize);
}

export function rolloutTarget(clusters: readonly RolloutClusterInput[]): string {
  const h = createHash("sha256");
  for (const c of [...clusters].sort((a, b) => a.cluster.localeCompare(b.cluster))) h.update(`${c.cluster}=${c.targetDigest}\n`);
  return `sha256:${h.digest("hex")}`;
}

function stateOf(c: RolloutClusterInput, released: boolean, rolledBack: boolean): ClusterRolloutState {
  if (rolledBack) return "RolledBack";
  if (!released) return "Waiting";
  if (!c.online) return "Offline";
  if (c.currentDigest !== c.targetDigest || c.observed === null) return "Pending";
  if (c.observed.health === "Degraded") return "Degraded";
  if (c.observed.health === "Healthy" && c.observed.sync === "Synced") return "Healthy";
  return "Progressing";
}

export function decideRollout(input: RolloutInput): RolloutDecision {
  const target = rolloutTarget(input.clusters);
  let record: RolloutRecord =
    input.record?.target === target
      ? input.record
      : {
          appSet: input.appSet,
          revision: input.revision,
          target,
          phase: "Progressing",
          currentStep: 0,
          // Clusters that already run the target (e.g. after a hub restart) count as released.
          released: input.clusters.filter((c) => c.currentDigest === c.targetDigest).map((c) => c.cluster),
          rolledBack: [],
          previousRevisions: {},
          startedAt: input.now,
          updatedAt: input.now,
        };
  const specs = input.steps.length === 0 ? [{}] : input.steps;
  const stepOf = new Map<string, number>();
  for (const c of input.clusters) {
    const index = specs.findIndex((s) => matches(s, c.labels));
    if (index >= 0) stepOf.set(c.cluster, index);
  }
  const released = new Set(record.released);
  const rolledBack = new Set(record.rolledBack);
  const previousRevisions = record.previousRevisions === undefined ? undefined : { ...record.previousRevisions };
  const rolledBackTo: Record<string, string | null> = { ...record.rolledBackTo };
  const release: string[] = [];
  const rollback: string[] = [];
  const stepTimes: Record<string, StepTimes> = { ...record.stepTimes };
  const mark = (step: number, field: keyof StepTimes): void => {
    const times = stepTimes[String(step)] ?? {};
    if (times[field] === undefined) stepTimes[String(step)] = { ...(field === "startedAt" ? {} : { startedAt: times.startedAt ?? input.now }), ...times, [field]: input.now };
  };
  const byStep = specs.map((_, index) => input.clusters.filter((c) => stepOf.get(c.cluster) === index).sort((a, b) => a.cluster.localeCompare(b.cluster)));

  if (record.phase === "Progressing") {
    let step = record.currentStep;
    let message: string | undefined;
    let phase: RolloutPhase = "Progressing";
    while (step < specs.length) {
      mark(step, "startedAt");
      const members = byStep[step] ?? [];
      const states = members.map((c) => stateOf(c, released.has(c.cluster), false));
      const degraded = members.filter((_, i) => states[i] === "Degraded").map((c) => c.cluster);
      if (degraded.length > 0) {
        message = `step ${String(step + 1)} halted: ${degraded.join(", ")} Degraded`;
        phase = "Halted";
        mark(step, "haltedAt");
        if (input.autoRollback) {
          phase = "RolledBack";
          for (const c of input.clusters) {
            const updated = previousRevisions === undefined || Object.hasOwn(previousRevisions, c.cluster);
            if (released.has(c.cluster) && updated && c.currentDigest === c.targetDigest) {
              rollback.push(c.cluster);
              rolledBack.add(c.cluster);
              rolledBackTo[c.cluster] = previousRevisions?.[c.cluster] ?? null;
            }
          }
          message = `${message}; rolled back ${rollback.join(", ")}`;
        }
        break;
      }
      if (states.every((s) => s === "Healthy")) {
        mark(step, "finishedAt");
        step += 1;
        continue;
      }
      const limit = maxUpdateOf(specs[step]?.maxUpdate, members.length);
      const inFlight = members.filter((c, i) => released.has(c.cluster) && states[i] !== "Healthy").length;
      for (const c of members) {
        if (release.length >= limit - inFlight) break;
        if (!released.has(c.cluster)) {
          release.push(c.cluster);
          released.add(c.cluster);
          if (previousRevisions !== undefined) previousRevisions[c.cluster] = c.currentRevision ?? null;
        }
      }
      const offline = members.filter((c) => stateOf(c, released.has(c.cluster), false) === "Offline").map((c) => c.cluster);
      message = `step ${String(step + 1)} of ${String(specs.length)}${offline.length > 0 ? `: waiting for offline ${offline.join(", ")}` : ""}`;
      break;
    }
    if (step >= specs.length) {
      phase = "Completed";
      message = "all steps healthy";
    }
    record = {
      ...record,
      phase,
      currentStep: Math.min(step, specs.length),
      released: [...released].sort(),
      rolledBack: [...rolledBack].sort(),
      ...(previousRevisions === undefined ? {} : { previousRevisions }),
      ...(rolledBack.size === 0 ? {} : { rolledBackTo }),
      message,
      updatedAt: input.now,
      stepTimes,
    };
  }
  const steps = byStep.map((members, index) => ({
    index,
    clusters: members.map((c) => ({ cluster: c.cluster, state: stateOf(c, released.has(c.cluster), rolledBack.has(c.cluster)) })),
  }));
  const unselected = input.clusters.filter((c) => !stepOf.has(c.cluster));
  if (unselected.length > 0) steps.push({ index: -1, clusters: unselected.map((c) => ({ cluster: c.cluster, state: "NotSelected" as const })) });
  return { record, release, rollback, steps };
}

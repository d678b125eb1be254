import { isPlainObject } from "./kube-object.js";

type Rec = Record<string, unknown>;

/**
 * How much faster than a real cluster the devcluster's controllers keep time: a Deployment's
 * `progressDeadlineSeconds` (600 by default) passes after `seconds × 1000 × timeFactor` ms.
 * The default (3 s for the default deadline) lets tests and the demo see a stuck rollout fail.
 */
export const DEFAULT_TIME_FACTOR = 0.005;

/** Kubernetes' "no deadline" value of progressDeadlineSeconds (math.MaxInt32). */
const NO_DEADLINE = 2147483647;

function int(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isInteger(v) ? v : fallback;
}

/** An int-or-percent of `total` (`25%`), rounded up (surge) or down (unavailable), as the deployment controller does. */
function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === "number" && Number.isInteger(v)) return Math.max(0, v);
  const pct = typeof v === "string" && /^\d+%$/.test(v) ? Number(v.slice(0, -1)) : 25;
  const exact = (pct * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export interface RolloutCondition {
  readonly type: string;
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
}

export interface DeploymentRollout {
  readonly counts: { replicas: number; updatedReplicas: number; readyReplicas: number; availableReplicas: number; unavailableReplicas: number };
  readonly conditions: readonly RolloutCondition[];
  /** When the progress deadline will pass (clock ms), if it is still ahead. */
  readonly deadlineAt?: number;
}

export interface RolloutInput {
  readonly spec: Rec;
  /** The live status before this step (what the previous revision left). */
  readonly status: Rec;
  readonly generation: number;
  /** The new ReplicaSet's name, for condition messages. */
  readonly replicaSet: string;
  /** The new pods can never become ready (unpullable image, never-ready fault). */
  readonly stuck: boolean;
  readonly now: number;
  /** When this generation started to progress (clock ms); the deadline counts from it. */
  readonly since: number;
  readonly timeFactor: number;
}

/**
 * The deployment controller's view of a rollout whose new pods cannot start, as on a real cluster:
 * a RollingUpdate keeps its previous ReplicaSet's ready pods (scaled down only to
 * `replicas - maxUnavailable`), adds at most `maxSurge + maxUnavailable` new pods that never become
 * ready, and reports Progressing=True (ReplicaSetUpdated) until `progressDeadlineSeconds` has
 * passed, then Progressing=False (ProgressDeadlineExceeded). A Recreate rollout has removed its
 * old pods first. A rollout that can progress completes at once.
 */
export function deploymentRollout(input: RolloutInput): DeploymentRollout {
  const { spec, status, replicaSet } = input;
  const replicas = int(spec.replicas, 1);
  if (!input.stuck || replicas === 0) {
    return {
      counts: { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas, unavailableReplicas: 0 },
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${replicaSet}" has successfully progressed.` },
      ],
    };
  }
  const strategy = isPlainObject(spec.strategy) ? spec.strategy : {};
  const rolling = isPlainObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  const recreate = strategy.type === "Recreate";
  const surge = scaled(rolling.maxSurge, replicas, true);
  let unavailable = scaled(rolling.maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  const minAvailable = Math.max(0, replicas - unavailable);
  // Ready pods of earlier revisions: what the status said before this generation was observed.
  const sameGeneration = int(status.observedGeneration, 0) === input.generation;
  const old = recreate ? 0 : Math.min(int(sameGeneration ? status.readyReplicas : status.availableReplicas, 0), minAvailable);
  const fresh = recreate ? replicas : Math.min(replicas, replicas + surge - old);
  const seconds = int(spec.progressDeadlineSeconds, 600);
  const deadlineAt = seconds >= NO_DEADLINE || spec.paused === true ? Number.POSITIVE_INFINITY : input.since + seconds * 1000 * input.timeFactor;
  const exceeded = input.now >= deadlineAt;
  return {
    counts: { replicas: old + fresh, updatedReplicas: fresh, readyReplicas: old, availableReplicas: old, unavailableReplicas: Math.max(0, replicas - old) },
    conditions: [
      old >= minAvailable
        ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }
        : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
      exceeded
        ? { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${replicaSet}" has timed out progressing.` }
        : { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${replicaSet}" is progressing.` },
    ],
    ...(exceeded || !Number.isFinite(deadlineAt) ? {} : { deadlineAt }),
  };
}

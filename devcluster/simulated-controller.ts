import type { Clock, Logger } from "../core/index.js";
import { DEFAULT_TIME_FACTOR, deploymentRollout } from "./deployment-rollout.js";
import { neverReady, unpullableImages, type DevClusterFaults } from "./fault-injection.js";
import type { KubeApi } from "./kube-api.js";
import { isPlainObject, jsonEqual, type KubeObject } from "./kube-object.js";
import type { StoreEvent } from "./object-store.js";
import type { ResourceType } from "./resource-type.js";

export interface SimulatedControllerOptions {
  readonly api: KubeApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly faults: () => DevClusterFaults;
  /** How long workloads take to "roll out" after a change. */
  readonly delayMs: number;
  /** How long a Terminating namespace stays before it and its contents are removed. */
  readonly namespaceDeletionDelayMs: number;
  /** Scales Kubernetes durations (progressDeadlineSeconds) to devcluster time; default DEFAULT_TIME_FACTOR. */
  readonly timeFactor?: number;
}

type Rec = Record<string, unknown>;

function rec(v: unknown): Rec {
  return isPlainObject(v) ? v : {};
}

function int(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isInteger(v) ? v : fallback;
}

interface Condition {
  readonly type: string;
  readonly status: "True" | "False";
  readonly reason: string;
  readonly message: string;
}

/** Conditions with transition times kept when type, status and reason did not change (so reconciles settle). */
function conditions(previous: unknown, wanted: readonly Condition[], now: string, withUpdateTime: boolean): Rec[] {
  const old = Array.isArray(previous) ? previous.filter(isPlainObject) : [];
  return wanted.map((c) => {
    const same = old.find((o) => o.type === c.type && o.status === c.status && o.reason === c.reason);
    const transition = old.find((o) => o.type === c.type && o.status === c.status);
    return {
      type: c.type,
      status: c.status,
      ...(withUpdateTime ? { lastUpdateTime: same?.lastUpdateTime ?? now } : {}),
      lastTransitionTime: transition?.lastTransitionTime ?? now,
      reason: c.reason,
      message: c.message,
    };
  });
}

/** A pod spec's containers (init containers first) as name and image. */
function containersOf(podSpec: unknown, lists: readonly ("initContainers" | "containers")[] = ["initContainers", "containers"]): { name: string; image: string }[] {
  const spec = rec(podSpec);
  return lists
    .flatMap((list) => (Array.isArray(spec[list]) ? (spec[list] as unknown[]).filter(isPlainObject) : []))
    .map((c) => ({ name: typeof c.name === "string" ? c.name : "", image: typeof c.image === "string" ? c.image : "" }));
}

/**
 * The kubelet's view of a pod's containers: an unpullable image waits in ImagePullBackOff; init
 * containers complete, unless one cannot be pulled, and then the main containers wait to start.
 */
function podContainerStatuses(spec: Rec, unpullable: ReadonlySet<string>, startedAt: string): { ready: boolean; waiting: string[]; status: Rec } {
  const pullBackOff = (c: { name: string; image: string }): Rec => ({
    name: c.name,
    image: c.image,
    imageID: "",
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image}"` } },
  });
  const inits = containersOf(spec, ["initContainers"]);
  const mains = containersOf(spec, ["containers"]);
  const initBlocked = inits.some((c) => unpullable.has(c.image));
  const initStatuses = inits.map((c) =>
    unpullable.has(c.image)
      ? pullBackOff(c)
      : { name: c.name, image: c.image, imageID: "", ready: true, restartCount: 0, started: false, state: { terminated: { exitCode: 0, reason: "Completed", startedAt, finishedAt: startedAt } } },
  );
  const mainStatuses = mains.map((c) => {
    if (initBlocked) return { name: c.name, image: c.image, imageID: "", ready: false, restartCount: 0, started: false, state: { waiting: { reason: "PodInitializing" } } };
    if (unpullable.has(c.image)) return pullBackOff(c);
    return { name: c.name, image: c.image, imageID: "", ready: true, restartCount: 0, started: true, state: { running: { startedAt } } };
  });
  const waiting = [...inits, ...mains].filter((c) => unpullable.has(c.image)).map((c) => c.name);
  const unready = initBlocked ? mains.map((c) => c.name) : waiting;
  return {
    ready: waiting.length === 0,
    waiting: unready,
    status: { ...(inits.length > 0 ? { initContainerStatuses: initStatuses } : {}), containerStatuses: mainStatuses },
  };
}

/** Drops zero counters, as the Kubernetes controllers' JSON does (`omitempty`). */
function compact(status: Rec): Rec {
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== 0 && v !== undefined));
}

/**
 * Stands in for kube-controller-manager and friends: after `delayMs`, Deployments, StatefulSets,
 * DaemonSets and ReplicaSets report all replicas ready. A Deployment a fault keeps from starting
 * (never-ready, or an unpullable image in its pod template) rolls out as on a real cluster: its
 * previous pods stay ready, it is Progressing, and only after its `progressDeadlineSeconds`
 * (× timeFactor) does it report ProgressDeadlineExceeded (deployment-rollout.ts). Jobs
 * complete, Pods run (or wait in ImagePullBackOff on an unpullable image), PVCs bind, LoadBalancer Services get an address, and
 * Terminating namespaces are emptied and removed. It never creates Pods or ReplicaSets.
 */
export class SimulatedController {
  readonly #o: SimulatedControllerOptions;
  readonly #pending = new Set<string>();
  /** When each stuck Deployment's current generation started progressing (its deadline counts from then). */
  readonly #progressingSince = new Map<string, { generation: number; since: number }>();
  readonly #abort = new AbortController();
  #unsubscribe: (() => void) | undefined;

  constructor(options: SimulatedControllerOptions) {
    this.#o = options;
  }

  start(): void {
    this.#unsubscribe = this.#o.api.store.subscribe((e) => {
      this.#observe(e);
    });
    this.resyncAll();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#abort.abort(new Error("devcluster stopped"));
  }

  /** Re-examines every object (after a fault change, or at start after a reload). */
  resyncAll(): void {
    for (const type of this.#o.api.registry.all()) {
      for (const object of this.#o.api.store.list(type.group, type.resource)) {
        this.#observe({ type: "MODIFIED", resourceVersion: 0, group: type.group, resource: type.resource, object });
      }
    }
  }

  #observe(e: StoreEvent): void {
    if (e.type === "DELETED") {
      this.#progressingSince.delete(`${e.group}/${e.resource}/${e.object.metadata.namespace ?? ""}/${e.object.metadata.name ?? ""}`);
      return;
    }
    const type = this.#o.api.registry.all().find((t) => t.group === e.group && t.resource === e.resource);
    if (type === undefined || !type.strategicMerge) return;
    const o = e.object;
    const key = `${e.group}/${e.resource}/${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;
    if (type.kind === "Namespace") {
      if (o.metadata.deletionTimestamp !== undefined) this.#schedule(key, this.#o.namespaceDeletionDelayMs, () => this.#o.api.finalizeNamespace(o.metadata.name ?? ""));
      return;
    }
    const reconcile = (): void => {
      const live = this.#o.api.store.get({ group: type.group, resource: type.resource, namespace: o.metadata.namespace ?? "", name: o.metadata.name ?? "" });
      if (live === undefined) return;
      const status = this.#desiredStatus(type, live, key)?.status;
      if (status !== undefined && !jsonEqual(status, live.status)) this.#o.api.writeStatus(type, live.metadata.namespace, live.metadata.name ?? "", status);
    };
    const desired = this.#desiredStatus(type, o, key);
    // A stuck rollout changes on its own when its deadline passes: look again then (one timer per generation).
    if (desired?.deadlineAt !== undefined) {
      this.#schedule(`${key}#deadline#${String(o.metadata.generation ?? 0)}`, Math.max(0, desired.deadlineAt - this.#o.clock.now()), reconcile);
    }
    if (desired === undefined || jsonEqual(desired.status, o.status)) return;
    this.#schedule(key, this.#o.delayMs, reconcile);
  }

  #schedule(key: string, delayMs: number, work: () => void): void {
    if (this.#pending.has(key)) return;
    this.#pending.add(key);
    this.#o.clock.sleep(delayMs, this.#abort.signal).then(
      () => {
        this.#pending.delete(key);
        try {
          work();
        } catch (err) {
          this.#o.logger.warn({ key, err: err instanceof Error ? err.message : String(err) }, "simulated controller step failed");
        }
      },
      () => {
        this.#pending.delete(key);
      },
    );
  }

  #now(): string {
    return new Date(this.#o.clock.now()).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  #desiredStatus(type: ResourceType, o: KubeObject, key: string): { status: Rec; deadlineAt?: number } | undefined {
    if (type.kind === "Deployment") return this.#deploymentStatus(o, key);
    const status = this.#workloadStatus(type, o);
    return status === undefined ? undefined : { status };
  }

  #deploymentStatus(o: KubeObject, key: string): { status: Rec; deadlineAt?: number } {
    const spec = rec(o.spec);
    const status = rec(o.status);
    const generation = int(o.metadata.generation, 1);
    const name = o.metadata.name ?? "";
    const faults = this.#o.faults();
    const images = containersOf(rec(spec.template).spec).map((c) => c.image);
    const stuck = neverReady(faults, o.metadata.namespace ?? "", name) || unpullableImages(faults, images).length > 0;
    let started = this.#progressingSince.get(key);
    if (!stuck) this.#progressingSince.delete(key);
    else if (started?.generation !== generation) {
      started = { generation, since: this.#o.clock.now() };
      this.#progressingSince.set(key, started);
    }
    const rs = `${name}-${(generation * 2654435761 % 4294967296).toString(16).slice(0, 10)}`;
    const rollout = deploymentRollout({
      spec,
      status,
      generation,
      replicaSet: rs,
      stuck,
      now: this.#o.clock.now(),
      since: started?.since ?? this.#o.clock.now(),
      timeFactor: this.#o.timeFactor ?? DEFAULT_TIME_FACTOR,
    });
    return {
      status: compact({ observedGeneration: generation, ...rollout.counts, conditions: conditions(status.conditions, rollout.conditions, this.#now(), true) }),
      ...(rollout.deadlineAt === undefined ? {} : { deadlineAt: rollout.deadlineAt }),
    };
  }

  #workloadStatus(type: ResourceType, o: KubeObject): Rec | undefined {
    const spec = rec(o.spec);
    const status = rec(o.status);
    const generation = int(o.metadata.generation, 1);
    const now = this.#now();
    const name = o.metadata.name ?? "";
    switch (type.kind) {
      case "StatefulSet": {
        const replicas = int(spec.replicas, 1);
        const revision = `${name}-${generation}`;
        return compact({
          observedGeneration: generation,
          replicas,
          readyReplicas: replicas,
          currentReplicas: replicas,
          updatedReplicas: replicas,
          availableReplicas: replicas,
          currentRevision: revision,
          updateRevision: revision,
          collisionCount: 0,
        });
      }
      case "DaemonSet":
        return {
          observedGeneration: generation,
          desiredNumberScheduled: 1,
          currentNumberScheduled: 1,
          numberReady: 1,
          updatedNumberScheduled: 1,
          numberAvailable: 1,
          numberMisscheduled: 0,
        };
      case "ReplicaSet": {
        const replicas = int(spec.replicas, 1);
        return compact({ observedGeneration: generation, replicas, fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });
      }
      case "Job": {
        const completions = int(spec.completions, 1);
        const start = typeof status.startTime === "string" ? status.startTime : now;
        return {
          startTime: start,
          completionTime: typeof status.completionTime === "string" ? status.completionTime : now,
          succeeded: completions,
          ready: 0,
          terminating: 0,
          uncountedTerminatedPods: {},
          conditions: conditions(
            status.conditions,
            [
              { type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
              { type: "Complete", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" },
            ],
            now,
            false,
          ).map((c) => ({ ...c, lastProbeTime: c.lastTransitionTime })),
        };
      }
      case "Pod": {
        const start = typeof status.startTime === "string" ? status.startTime : now;
        const unpullable = new Set(unpullableImages(this.#o.faults(), containersOf(spec).map((c) => c.image)));
        const kubelet = podContainerStatuses(spec, unpullable, start);
        return {
          ...status,
          phase: kubelet.ready ? "Running" : "Pending",
          conditions: conditions(
            status.conditions,
            [
              kubelet.ready
                ? { type: "Ready", status: "True", reason: "", message: "" }
                : { type: "Ready", status: "False", reason: "ContainersNotReady", message: `containers with unready status: [${kubelet.waiting.join(" ")}]` },
            ],
            now,
            false,
          ),
          ...kubelet.status,
          podIP: typeof status.podIP === "string" ? status.podIP : "10.244.0.10",
          startTime: start,
        };
      }
      case "PersistentVolumeClaim": {
        const resources = rec(spec.resources);
        return {
          phase: "Bound",
          accessModes: Array.isArray(spec.accessModes) ? spec.accessModes : ["ReadWriteOnce"],
          capacity: rec(resources.requests).storage === undefined ? {} : { storage: rec(resources.requests).storage },
        };
      }
      case "Service":
        if (spec.type !== "LoadBalancer") return undefined;
        return { loadBalancer: { ingress: [{ ip: "127.0.0.1", ipMode: "VIP" }] } };
      default:
        return undefined;
    }
  }
}

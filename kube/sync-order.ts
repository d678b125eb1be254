import { groupOf, nameOrPrefix, type KubeObject } from "./kube-object.js";
import { hookDeletePolicies, hookTypes, objectSyncOptions, syncWave, type HookDeletePolicy, type SyncOptions, type SyncPhase } from "./sync-options.js";

/**
 * Argo CD's kind order (gitops-engine `pkg/sync/sync_tasks.go`), with CustomResourceDefinition
 * moved up next to Namespace: a CR later in the same wave needs its CRD established first.
 */
export const KIND_ORDER: readonly string[] = [
  "Namespace",
  "CustomResourceDefinition",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodSecurityPolicy",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "SecretList",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "ClusterRole",
  "ClusterRoleList",
  "ClusterRoleBinding",
  "ClusterRoleBindingList",
  "Role",
  "RoleList",
  "RoleBinding",
  "RoleBindingList",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];

const KIND_RANK: ReadonlyMap<string, number> = new Map(KIND_ORDER.map((k, i) => [k, i]));

/** Unknown kinds (custom resources) go after every known kind, as in Argo. */
export function kindRank(kind: string): number {
  return KIND_RANK.get(kind) ?? KIND_ORDER.length;
}

const PHASE_RANK: Record<SyncPhase, number> = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };

/** One object to sync, with everything ordering and the executor need to know. */
export interface SyncTask {
  readonly obj: KubeObject;
  readonly phase: SyncPhase;
  readonly wave: number;
  /** True for hook resources (created, waited for, not tracked in the inventory, never pruned). */
  readonly hook: boolean;
  readonly hookDeletePolicies: readonly HookDeletePolicy[];
  readonly options: SyncOptions;
}

/** phase → wave → kind → namespace → name, the order Argo CD syncs in. */
export function compareTasks(a: SyncTask, b: SyncTask): number {
  return (
    PHASE_RANK[a.phase] - PHASE_RANK[b.phase] ||
    a.wave - b.wave ||
    kindRank(a.obj.kind) - kindRank(b.obj.kind) ||
    a.obj.kind.localeCompare(b.obj.kind) ||
    groupOf(a.obj.apiVersion).localeCompare(groupOf(b.obj.apiVersion)) ||
    (a.obj.metadata.namespace ?? "").localeCompare(b.obj.metadata.namespace ?? "") ||
    nameOrPrefix(a.obj).localeCompare(nameOrPrefix(b.obj))
  );
}

/** A batch the executor applies together and waits on before moving to the next. */
export interface SyncStep {
  readonly phase: SyncPhase;
  readonly wave: number;
  readonly tasks: readonly SyncTask[];
}

export interface SyncPlan {
  /** PreSync, Sync and PostSync steps, in order. */
  readonly steps: readonly SyncStep[];
  /** SyncFail hooks, run only when a step fails. */
  readonly syncFail: readonly SyncStep[];
  /** Objects annotated `hook: Skip`: never applied. */
  readonly skipped: readonly KubeObject[];
}

/** Expands objects into tasks (an object with several hook types becomes several tasks). */
export function tasksOf(objects: readonly KubeObject[], appOptions?: SyncOptions): { tasks: SyncTask[]; skipped: KubeObject[] } {
  const tasks: SyncTask[] = [];
  const skipped: KubeObject[] = [];
  for (const obj of objects) {
    const hooks = hookTypes(obj);
    const wave = syncWave(obj);
    const options = objectSyncOptions(obj, appOptions);
    if (hooks.includes("Skip")) {
      skipped.push(obj);
      continue;
    }
    if (hooks.length === 0) {
      tasks.push({ obj, phase: "Sync", wave, hook: false, hookDeletePolicies: [], options });
      continue;
    }
    const policies = hookDeletePolicies(obj);
    for (const phase of hooks) {
      if (phase === "Skip") continue;
      tasks.push({ obj, phase, wave, hook: true, hookDeletePolicies: policies, options });
    }
  }
  return { tasks, skipped };
}

/** Groups sorted tasks into (phase, wave) steps. Pure: the same input always gives the same plan. */
export function planSync(objects: readonly KubeObject[], appOptions?: SyncOptions): SyncPlan {
  const { tasks, skipped } = tasksOf(objects, appOptions);
  tasks.sort(compareTasks);
  const steps: SyncStep[] = [];
  const syncFail: SyncStep[] = [];
  for (const task of tasks) {
    const target = task.phase === "SyncFail" ? syncFail : steps;
    const last = target.at(-1);
    if (last !== undefined && last.phase === task.phase && last.wave === task.wave) (last.tasks as SyncTask[]).push(task);
    else target.push({ phase: task.phase, wave: task.wave, tasks: [task] });
  }
  return { steps, syncFail, skipped };
}

/**
 * The order to delete in: the reverse of the sync order (Deployments before their Namespace, CRs
 * before their CRD), with PruneLast objects after all others.
 */
export function pruneOrder<T extends { obj: KubeObject; pruneLast: boolean }>(items: readonly T[]): T[] {
  const withTask = items.map((item) => ({
    item,
    task: { obj: item.obj, phase: "Sync", wave: syncWave(item.obj), hook: false, hookDeletePolicies: [], options: objectSyncOptions(item.obj) } satisfies SyncTask,
  }));
  withTask.sort((a, b) => Number(a.item.pruneLast) - Number(b.item.pruneLast) || compareTasks(b.task, a.task));
  return withTask.map((w) => w.item);
}

export {
  type KubeObject,
  type KubeMetadata,
  type ObjectRef,
  groupOf,
  refOf,
  refId,
  parseRefId,
  refSubject,
  isNamedByServer,
  nameOrPrefix,
  annotationOf,
  labelOf,
  isRecord,
} from "./kube-object.js";
export {
  KUBE_ERROR,
  KubeError,
  KubeApiError,
  isKubeApiError,
  isKubeError,
  isNotFound,
  isConflict,
  isInvalid,
  type KubeErrorCode,
  type KubeVerb,
} from "./kube-errors.js";
export type { KubeClient, ListQuery, ObjectList, ApplyOptions, WatchEvent, WatchEventType, WatchOptions } from "./kube-client.js";
export { RestKube, statusError, type RestKubeOptions, type RequestCounts } from "./rest-kube.js";
export type { KubeTarget, KubeUser, ExecPluginConfig } from "./kube-target.js";
export { loadKubeTarget, type LoadKubeTargetOptions } from "./load-kube-target.js";
export { kubeconfigTarget, loadKubeconfig, EXEC_API_VERSIONS, type KubeconfigOptions } from "./kubeconfig.js";
export { inClusterTarget, SERVICE_ACCOUNT_DIR, type InClusterOptions } from "./in-cluster.js";
export { ExecCredentialPlugin, parseExecCredential, type ExecCredential, type ExecCredentialOptions } from "./exec-credential.js";
export { KubeTransport, type KubeTransportOptions, type KubeRequest, type KubeResponse } from "./kube-transport.js";
export { ApiDiscovery, apiVersionPath, resourcesOf, type ApiResource } from "./api-discovery.js";
export { TokenBucket, type TokenBucketOptions } from "./token-bucket.js";
export { withRetry, retryDelay, isRetryable, DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, type RetryPolicy } from "./retry-policy.js";
export {
  ANNOTATION,
  SYNC_PHASE,
  HOOK_DELETE_POLICY,
  DEFAULT_SYNC_OPTIONS,
  parseSyncOptions,
  objectSyncOptions,
  syncWave,
  hookTypes,
  hookDeletePolicies,
  type SyncOptions,
  type SyncPhase,
  type HookType,
  type HookDeletePolicy,
} from "./sync-options.js";
export { KIND_ORDER, kindRank, compareTasks, tasksOf, planSync, pruneOrder, type SyncTask, type SyncStep, type SyncPlan } from "./sync-order.js";
export { appliedHash, canonicalJson } from "./applied-hash.js";
export { ACTION, changeSetEntry, changed, formatChangeSet, countActions, type Action, type ChangeSetEntry } from "./change-set.js";
export {
  encodeInventory,
  decodeInventory,
  staleEntries,
  mergeEntries,
  entryRef,
  INVENTORY_DATA_KEY,
  type Inventory,
  type InventoryEntry,
} from "./inventory.js";
export { InventoryStore, inventoryName, labelValue, INVENTORY_LABEL, type InventoryStoreOptions } from "./inventory-store.js";
export { SsaManager, secretStringDataToData, type SsaManagerOptions, type SyncRequest, type SyncResult, type AppliedObject } from "./ssa-manager.js";
export { diffObjects, hideSecretData, safeDiff, projectOnto, type FieldDiff } from "./object-diff.js";
export { HEALTH, worstOf, isWorse, type HealthStatus, type HealthStatusCode, type HealthResult } from "./health/health-status.js";
export { resourceHealth, type HealthOptions } from "./health/resource-health.js";
export { LuaRuntime, DEFAULT_LUA_LIMITS, LUA_FAILURE, type LuaLimits, type LuaRun, type LuaFailureKind } from "./health/lua/lua-runtime.js";
export { luaHealth, INVALID_HEALTH_STATUS, MAX_LUA_MESSAGE } from "./health/lua/lua-health.js";
export { luaHealthRule, type LuaHealthRuleOptions, type LuaHealthResult } from "./health/lua/lua-health-rule.js";
export {
  parseLuaHealthScripts,
  findLuaHealthScript,
  isLuaExempt,
  argoKey,
  NO_LUA_HEALTH_SCRIPTS,
  LUA_HEALTH_LIMITS,
  HEALTH_SCRIPT_FILE,
  type LuaHealthScripts,
  type HealthScriptFile,
} from "./health/lua/lua-health-scripts.js";
export { parseHealthRule, applyHealthRule, evaluatePath, parsePath, HEALTH_RULE_ANNOTATION, type HealthRule } from "./health/jsonpath-rule.js";
export { deploymentHealth } from "./health/deployment.js";
export { statefulSetHealth } from "./health/stateful-set.js";
export { daemonSetHealth } from "./health/daemon-set.js";
export { replicaSetHealth } from "./health/replica-set.js";
export { jobHealth } from "./health/job.js";
export { pvcHealth } from "./health/pvc.js";
export { serviceHealth, ingressHealth } from "./health/service.js";
export { podHealth } from "./health/pod.js";
export { sealedSecretHealth } from "./health/sealed-secret.js";
export { hpaHealth } from "./health/hpa.js";
export { apiServiceHealth } from "./health/api-service.js";
export { argoWorkflowHealth } from "./health/argo-workflow.js";
export { builtinHealth, hasBuiltinCheck } from "./health/builtin-health.js";
export { kstatusHealth, computeKStatus, isCustomResource, KSTATUS, KSTATUS_HEALTH, type KStatus, type KStatusResult } from "./health/kstatus-rule.js";
export { WorkQueue, type WorkQueueOptions } from "./work-queue.js";
export { parseIgnoreDifferences, ignoredPointers, withoutPointers, NO_IGNORED_DIFFERENCES, type IgnoreDifference, type IgnoreDifferences } from "./ignore-differences.js";

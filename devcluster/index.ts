// The devcluster: an in-memory Kubernetes API server for tests, the demo and local trials.
export { startDevCluster, type DevCluster, type DevClusterOptions } from "./start-dev-cluster.js";
export { DEFAULT_TIME_FACTOR } from "./deployment-rollout.js";
export { validateFaults, type DevClusterFaults, type FaultStatus } from "./fault-injection.js";
export { DevClusterError, isDevClusterError, DEVCLUSTER_ERRORS, type DevClusterErrorCode } from "./devcluster-errors.js";
export { ObjectStore, type ObjectKey, type StoreEvent, type ObjectStoreSnapshot } from "./object-store.js";
export { ResourceRegistry } from "./resource-registry.js";
export { type ResourceType } from "./resource-type.js";
export { KubeApi, type ApiRequest, type ApiResponse, type WatchEvent, type WatchSink } from "./kube-api.js";
export { applyJsonPatch } from "./json-patch.js";
export { applyMergePatch } from "./merge-patch.js";
export { applyStrategicMergePatch } from "./strategic-merge-patch.js";
export { serverSideApply, trackUpdate } from "./managed-fields.js";
export { type KubeObject, type ManagedFieldsEntry } from "./kube-object.js";

export { SPOKE_ERROR, SpokeError, isSpokeError, type SpokeErrorCode } from "./spoke-errors.js";
export { done, wait, retry, stalled, worstOutcome, jittered, backoffDelay, type Outcome } from "./outcome.js";
export { desiredApp, type DesiredApp, type DesiredState } from "./desired-state.js";
export { SecretDecryptor, isEncryptedObject, type DecryptionKeys, type DecryptedApp } from "./secret-decryptor.js";
export { KeyCustody, type KeyCustodyOptions } from "./key-custody.js";
export { DriftWatcher, type DriftWatcherOptions } from "./drift-watcher.js";
export { buildStatusReport, appStatus, objectStatus, driftMessage, type AppState, type ObjectState } from "./status-report.js";
export { SpokeReconciler, type SpokeReconcilerOptions, type ReconcileSummary } from "./spoke-reconciler.js";
export { SpokeRuntime, type SpokeRuntimeOptions } from "./spoke-runtime.js";

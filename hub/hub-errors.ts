import { FlotillaError, type FlotillaErrorOptions } from "../core/index.js";

/** Stable codes the hub puts in status, API answers and CLI output. */
export const HUB_ERROR = {
  config: "HUB_CONFIG_INVALID",
  source: "HUB_SOURCE_FAILED",
  allowlist: "ALLOWLIST_VIOLATION",
  publish: "HUB_PUBLISH_FAILED",
  webhookSignature: "WEBHOOK_SIGNATURE_INVALID",
  unauthorized: "HUB_UNAUTHORIZED",
  notFound: "HUB_NOT_FOUND",
  statusRejected: "STATUS_REJECTED",
  natsServer: "NATS_SERVER_UNSUPPORTED",
  /** An existing Flotilla stream's replicas (or history, direct get) differ from what the hub runs with. */
  streamMismatch: "NATS_STREAM_MISMATCH",
  /** The cluster's spoke has not sent a sealing key backup (it runs without --recovery-recipient). */
  keyBackupNotFound: "KEY_BACKUP_NOT_FOUND",
  /** A Hello's key backup was not kept: too large, or not an armored age file. */
  keyBackupRejected: "KEY_BACKUP_REJECTED",
  /** No such application on the cluster(s) named (app sync/rollback/suspend/get). */
  appNotFound: "APP_NOT_FOUND",
  /** `app rollback` of an app with syncPolicy.automated (Argo CD refuses it too). */
  rollbackAutomated: "ROLLBACK_AUTOSYNC_ENABLED",
  /** `app rollback` to a history id the hub does not have. */
  historyNotFound: "APP_HISTORY_NOT_FOUND",
  /** A mutation sent to a standby hub (failover): the answer names the leader. */
  notLeader: "HUB_NOT_LEADER",
} as const;

export type HubErrorCode = (typeof HUB_ERROR)[keyof typeof HUB_ERROR];

export class HubError extends FlotillaError {
  declare readonly code: HubErrorCode;

  constructor(code: HubErrorCode, message: string, options: FlotillaErrorOptions = {}) {
    super(code, message, options);
    this.name = "HubError";
  }
}

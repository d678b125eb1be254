/** Argo CD's health status names. */
export const HEALTH = {
  healthy: "Healthy",
  suspended: "Suspended",
  progressing: "Progressing",
  missing: "Missing",
  degraded: "Degraded",
  unknown: "Unknown",
} as const;
export type HealthStatusCode = (typeof HEALTH)[keyof typeof HEALTH];

export interface HealthStatus {
  readonly status: HealthStatusCode;
  readonly message?: string | undefined;
  /** The rule that rated the object, when it came from resourceHealth (see HealthResult). */
  readonly rule?: string | undefined;
}

/**
 * A rated object: its status plus the rule that rated it, so an operator can tell a built-in
 * verdict from a script's or a generic guess. Rule names: `builtin:<Kind>`, `kstatus`,
 * `annotation:jsonpath`, `override:<group>/<Kind>`, `lua:<group>/<Kind>` (custom hook), and the
 * generic `deletion` and `missing`.
 */
export interface HealthResult extends HealthStatus {
  readonly rule: string;
}

/** gitops-engine `healthOrder`: later is worse. */
const ORDER: readonly HealthStatusCode[] = ["Healthy", "Suspended", "Progressing", "Missing", "Degraded", "Unknown"];

export function isWorse(current: HealthStatusCode, next: HealthStatusCode): boolean {
  return ORDER.indexOf(next) > ORDER.indexOf(current);
}

/** App health: the worst of its objects' health; Healthy when no object has a health check. */
export function worstOf(statuses: Iterable<HealthStatus | undefined>): HealthStatus {
  let worst: HealthStatus = { status: HEALTH.healthy };
  for (const s of statuses) {
    if (s !== undefined && isWorse(worst.status, s.status)) worst = s;
  }
  return worst;
}

/** Go's `HealthStatus{Message: ""}` and an absent message print the same: keep both absent. */
function make(status: HealthStatusCode, message: string | undefined): HealthStatus {
  return message === undefined || message === "" ? { status } : { status, message };
}

export const healthy = (message?: string): HealthStatus => make(HEALTH.healthy, message);
export const progressing = (message?: string): HealthStatus => make(HEALTH.progressing, message);
export const degraded = (message?: string): HealthStatus => make(HEALTH.degraded, message);
export const suspended = (message?: string): HealthStatus => make(HEALTH.suspended, message);
export const unknown = (message?: string): HealthStatus => make(HEALTH.unknown, message);
export const missing = (message?: string): HealthStatus => make(HEALTH.missing, message);

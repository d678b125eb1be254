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

export const healthy = (message?: string): HealthStatus => ({ status: HEALTH.healthy, ...(message === undefined ? {} : { message }) });
export const progressing = (message?: string): HealthStatus => ({ status: HEALTH.progressing, ...(message === undefined ? {} : { message }) });
export const degraded = (message?: string): HealthStatus => ({ status: HEALTH.degraded, ...(message === undefined ? {} : { message }) });
export const suspended = (message?: string): HealthStatus => ({ status: HEALTH.suspended, ...(message === undefined ? {} : { message }) });
export const unknown = (message?: string): HealthStatus => ({ status: HEALTH.unknown, ...(message === undefined ? {} : { message }) });

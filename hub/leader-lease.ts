/**
 * Hub leader election over one KV key, decided here without I/O (hub/leader-election.ts is the KV edge).
 *
 * Semantics follow client-go's leaderelection (Kubernetes controllers):
 * - The value names the holder and its lease period; the KV revision is the compare-and-set token.
 *   Every write is a create (key absent) or an update with the revision last seen, so two hubs can
 *   never both succeed from the same state.
 * - A standby never compares wall clocks across machines: it times the lease from the moment *it*
 *   first saw the current revision, on its own clock. Only when that revision has stood for the
 *   holder's whole lease period does it try to take over (a compare-and-set on that revision).
 * - The leader times its lease from the moment it *sent* its last successful renewal, which is never
 *   later than when the server stored it, hence never later than when any standby saw it. It stops
 *   publishing once `leaseMs - safetyMarginMs` have passed since then, so it has stopped before any
 *   standby can have counted the lease as expired (the margin absorbs clock-rate drift and the time
 *   one publish batch takes).
 */

/** The value of the lease key (JSON). Written only by hubs. */
export interface LeaseRecord {
  /** The hub's name (`--hub-id`: the pod name in deploy/hub). */
  readonly holder: string;
  /** Random per process: a restarted hub with the same name is a new holder and waits like any other. */
  readonly nonce: string;
  /** The holder's lease period; a standby waits this long (not its own setting) before taking over. */
  readonly leaseMs: number;
  /** The holder's advertised API URL, so a standby can say where the leader is. */
  readonly url?: string | undefined;
  /** Informational, on the holder's clock (ms since the epoch). */
  readonly acquiredAt: number;
  readonly renewedAt: number;
}

export interface LeaseTiming {
  readonly leaseMs: number;
  /** How often the leader renews (default leaseMs / 4). */
  readonly renewEveryMs: number;
  /** The leader stops publishing this long before its lease could expire elsewhere (default leaseMs / 3). */
  readonly safetyMarginMs: number;
  /** How often a standby reads the key (default leaseMs / 10). */
  readonly pollEveryMs: number;
}

export function leaseTiming(leaseMs: number, overrides: Partial<Omit<LeaseTiming, "leaseMs">> = {}): LeaseTiming {
  return {
    leaseMs,
    renewEveryMs: overrides.renewEveryMs ?? Math.max(1, Math.floor(leaseMs / 4)),
    safetyMarginMs: overrides.safetyMarginMs ?? Math.max(1, Math.floor(leaseMs / 3)),
    pollEveryMs: overrides.pollEveryMs ?? Math.max(1, Math.floor(leaseMs / 10)),
  };
}

export const LEASE_ROLE = { leader: "leader", standby: "standby" } as const;
export type LeaseRole = (typeof LEASE_ROLE)[keyof typeof LEASE_ROLE];

/** What one hub knows about the lease. Replaced (never mutated) by the functions below. */
export interface LeaseState {
  readonly role: LeaseRole;
  /** Leader: the KV revision of its own last write. */
  readonly revision: number;
  /** Leader: local time the last successful write was sent. */
  readonly renewedAt: number;
  /** Leader: the revision it acquired the lease at (a new value each time it becomes leader: its term). */
  readonly term: number;
  /** What the key held when last read, and when (local clock) that revision was first seen. */
  readonly observed?: { readonly revision: number; readonly record: LeaseRecord | null; readonly since: number } | undefined;
}

export const INITIAL_LEASE_STATE: LeaseState = { role: LEASE_ROLE.standby, revision: 0, renewedAt: 0, term: 0 };

/** One read of the key: revision 0 when it never existed; record null for a delete marker or an unreadable value. */
export interface LeaseReading {
  readonly revision: number;
  readonly record: LeaseRecord | null;
}

export type LeaseAction =
  | { readonly kind: "create" }
  | { readonly kind: "update"; readonly revision: number; readonly why: "renew" | "takeover" }
  | { readonly kind: "wait" };

export function isMine(record: LeaseRecord | null, self: { id: string; nonce: string }): boolean {
  return record !== null && record.holder === self.id && record.nonce === self.nonce;
}

/** Records a read of the key; the standby's lease clock restarts only when the revision moved. */
export function observe(state: LeaseState, reading: LeaseReading, now: number): LeaseState {
  const since = state.observed?.revision === reading.revision ? state.observed.since : now;
  return { ...state, observed: { revision: reading.revision, record: reading.record, since } };
}

/** True while this hub may publish: it leads and its lease has at least the safety margin left. */
export function holds(state: LeaseState, timing: LeaseTiming, now: number): boolean {
  return state.role === LEASE_ROLE.leader && now - state.renewedAt < timing.leaseMs - timing.safetyMarginMs;
}

/** What to do at `now`: renew, try to take over, create the key, or wait. */
export function decide(state: LeaseState, timing: LeaseTiming, now: number): LeaseAction {
  if (state.role === LEASE_ROLE.leader) {
    return now - state.renewedAt >= timing.renewEveryMs ? { kind: "update", revision: state.revision, why: "renew" } : { kind: "wait" };
  }
  const seen = state.observed;
  if (seen === undefined) return { kind: "wait" };
  if (seen.revision === 0) return { kind: "create" };
  // Released (deleted) or unreadable: free now. Otherwise wait out the holder's own lease period.
  if (seen.record === null) return { kind: "update", revision: seen.revision, why: "takeover" };
  const leaseMs = Math.max(seen.record.leaseMs, timing.leaseMs);
  return now - seen.since >= leaseMs ? { kind: "update", revision: seen.revision, why: "takeover" } : { kind: "wait" };
}

/** After a successful create/update sent at `sentAt`: this hub leads, until `leaseMs - margin` after sentAt. */
export function acquired(state: LeaseState, revision: number, record: LeaseRecord, sentAt: number): LeaseState {
  const term = state.role === LEASE_ROLE.leader ? state.term : revision;
  return { role: LEASE_ROLE.leader, revision, renewedAt: sentAt, term, observed: { revision, record, since: sentAt } };
}

/** The compare-and-set failed (another hub wrote first) or the lease ran out: back to standby. */
export function lost(state: LeaseState): LeaseState {
  return { ...INITIAL_LEASE_STATE, observed: state.observed };
}

/** When to look again (ms from now): the renewal or poll period, earlier if the lease can expire or must stop before it. */
export function nextCheckIn(state: LeaseState, timing: LeaseTiming, now: number): number {
  if (state.role === LEASE_ROLE.leader) {
    const renewDue = state.renewedAt + timing.renewEveryMs - now;
    const stopDue = state.renewedAt + timing.leaseMs - timing.safetyMarginMs - now;
    return Math.max(1, Math.min(renewDue, stopDue, timing.pollEveryMs));
  }
  const seen = state.observed;
  if (seen?.record == null) return timing.pollEveryMs;
  const expiresIn = seen.since + Math.max(seen.record.leaseMs, timing.leaseMs) - now;
  return Math.max(1, Math.min(timing.pollEveryMs, expiresIn));
}

/** The lease value as read from the KV; anything that is not a lease record counts as no holder. */
export function parseLeaseRecord(data: Uint8Array | null): LeaseRecord | null {
  if (data === null || data.length === 0) return null;
  try {
    const v = JSON.parse(Buffer.from(data).toString("utf8")) as Partial<LeaseRecord>;
    if (typeof v.holder !== "string" || typeof v.nonce !== "string" || typeof v.leaseMs !== "number" || !(v.leaseMs > 0)) return null;
    return {
      holder: v.holder,
      nonce: v.nonce,
      leaseMs: v.leaseMs,
      url: typeof v.url === "string" ? v.url : undefined,
      acquiredAt: typeof v.acquiredAt === "number" ? v.acquiredAt : 0,
      renewedAt: typeof v.renewedAt === "number" ? v.renewedAt : 0,
    };
  } catch {
    return null;
  }
}

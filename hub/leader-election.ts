import { randomBytes } from "node:crypto";
import { jetstream } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { errorMessage, type Clock, type Logger } from "../core/index.js";
import { STATUS_BUCKET } from "../protocol/index.js";
import {
  INITIAL_LEASE_STATE,
  LEASE_ROLE,
  acquired,
  decide,
  holds,
  isMine,
  lost,
  nextCheckIn,
  observe,
  parseLeaseRecord,
  type LeaseReading,
  type LeaseRecord,
  type LeaseRole,
  type LeaseState,
  type LeaseTiming,
} from "./leader-lease.js";

/** The lease key in the hub-only `flotilla-status` bucket (no cluster or ApplicationSet key has this name). */
export const LEADER_KEY = "leader";

/** What the service and the API ask of the election. */
export interface Leadership {
  /** This hub's name. */
  readonly id: string;
  /** Local and cheap: this hub leads and its lease has more than the safety margin left. */
  holds(): boolean;
  /** Asks the KV: the lease key still holds this hub's last write, and the lease has time left. Call before each publish batch. */
  confirm(): Promise<boolean>;
  /** A new number each time this hub becomes leader (0 while it never led): the service restores state once per term. */
  term(): number;
  /** Who leads, as far as this hub knows. */
  view(): LeaderView;
}

export interface LeaderView {
  readonly self: { readonly id: string; readonly role: LeaseRole; readonly url?: string | undefined };
  /** The holder of the lease as last read (null: nobody holds it). */
  readonly leader: { readonly id: string; readonly url?: string | undefined; readonly leaseMs: number; readonly acquiredAt: string; readonly renewedAt: string } | null;
}

export interface LeaderElectionOptions {
  readonly nc: NatsConnection;
  readonly id: string;
  readonly url?: string | undefined;
  readonly timing: LeaseTiming;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after each change of role (on the election's own timer). */
  readonly onChange?: ((role: LeaseRole) => void) | undefined;
  readonly nonce?: string | undefined;
}

/**
 * The KV edge of the hub's leader election (decisions in leader-lease.ts): one timer reads, creates
 * or updates the lease key with compare-and-set on its revision, and releases it on close.
 */
export class LeaderElection implements Leadership {
  readonly id: string;
  readonly #o: LeaderElectionOptions;
  #kv: KV | undefined;
  #url: string | undefined;
  readonly #nonce: string;
  #state: LeaseState = INITIAL_LEASE_STATE;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #tick: Promise<void> = Promise.resolve();

  /** Stands by (holds nothing) until start(). */
  constructor(options: LeaderElectionOptions) {
    this.#o = options;
    this.id = options.id;
    this.#nonce = options.nonce ?? randomBytes(8).toString("hex");
  }

  /** Binds to the status bucket (the hub's store created it) and runs the first round before resolving. */
  async start(url?: string): Promise<void> {
    this.#url = url ?? this.#o.url;
    this.#kv = await new Kvm(jetstream(this.#o.nc)).open(STATUS_BUCKET, { allow_direct: true });
    await this.#round();
  }

  #bucket(): KV {
    if (this.#kv === undefined) throw new Error("the leader election has not started");
    return this.#kv;
  }

  holds(): boolean {
    return !this.#closed && holds(this.#state, this.#o.timing, this.#o.clock.now());
  }

  term(): number {
    return this.#state.role === LEASE_ROLE.leader ? this.#state.term : 0;
  }

  async confirm(): Promise<boolean> {
    if (!this.holds()) return false;
    const expected = this.#state.revision;
    try {
      const reading = await this.#read();
      if (reading.revision !== expected || !isMine(reading.record, this.#self())) {
        this.#step(lost(observe(this.#state, reading, this.#o.clock.now())), "the lease key was written by another hub");
        return false;
      }
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, "cannot confirm the hub lease; not publishing");
      return false;
    }
    return this.holds();
  }

  view(): LeaderView {
    const record = this.#state.observed?.record ?? null;
    return {
      self: { id: this.id, role: this.holds() ? LEASE_ROLE.leader : LEASE_ROLE.standby, url: this.#url },
      leader:
        record === null
          ? null
          : { id: record.holder, url: record.url, leaseMs: record.leaseMs, acquiredAt: new Date(record.acquiredAt).toISOString(), renewedAt: new Date(record.renewedAt).toISOString() },
    };
  }

  /** Stops the timer and, when leading, deletes the key (compare-and-set) so a standby takes over at once. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#tick;
    if (this.#state.role !== LEASE_ROLE.leader || this.#kv === undefined) return;
    try {
      await this.#bucket().delete(LEADER_KEY, { previousSeq: this.#state.revision });
      this.#o.logger.info({ id: this.id }, "released the hub lease");
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, "hub lease not released; a standby takes over when it expires");
    }
    this.#state = lost(this.#state);
  }

  #self(): { id: string; nonce: string } {
    return { id: this.id, nonce: this.#nonce };
  }

  async #read(): Promise<LeaseReading> {
    const entry = await this.#bucket().get(LEADER_KEY);
    if (entry === null) return { revision: 0, record: null };
    return { revision: entry.revision, record: entry.operation === "PUT" ? parseLeaseRecord(entry.value) : null };
  }

  #schedule(): void {
    if (this.#closed) return;
    const delay = nextCheckIn(this.#state, this.#o.timing, this.#o.clock.now());
    this.#timer = setTimeout(() => {
      this.#tick = this.#round().finally(() => {
        this.#schedule();
      });
    }, delay);
  }

  /** One round: read the key (standby), decide, write; then schedule the next. */
  async #round(): Promise<void> {
    try {
      await this.#roundOnce();
    } catch (err) {
      this.#o.logger.warn({ err: errorMessage(err) }, "hub lease round failed");
    }
    // A leader whose renewals keep failing stops leading once the margin is reached, on its own.
    if (this.#state.role === LEASE_ROLE.leader && !holds(this.#state, this.#o.timing, this.#o.clock.now())) this.#step(lost(this.#state), "the lease was not renewed in time");
    if (this.#timer === undefined && !this.#closed) this.#schedule();
  }

  async #roundOnce(): Promise<void> {
    if (this.#closed) return;
    if (this.#state.role === LEASE_ROLE.standby) this.#state = observe(this.#state, await this.#read(), this.#o.clock.now());
    const action = decide(this.#state, this.#o.timing, this.#o.clock.now());
    if (action.kind === "wait") return;
    const sentAt = this.#o.clock.now();
    const record: LeaseRecord = {
      holder: this.id,
      nonce: this.#nonce,
      leaseMs: this.#o.timing.leaseMs,
      url: this.#url,
      acquiredAt: this.#state.role === LEASE_ROLE.leader ? (this.#state.observed?.record?.acquiredAt ?? sentAt) : sentAt,
      renewedAt: sentAt,
    };
    const data = new TextEncoder().encode(JSON.stringify(record));
    let revision: number;
    try {
      revision =
        action.kind === "create"
          ? await this.#bucket().create(LEADER_KEY, data)
          : await this.#bucket().update(LEADER_KEY, data, action.revision, Math.max(250, this.#o.timing.safetyMarginMs));
    } catch (err) {
      if (this.#state.role === LEASE_ROLE.leader && isCasFailure(err)) this.#step(lost(this.#state), "another hub holds the lease");
      else this.#o.logger.debug({ err: errorMessage(err), action: action.kind }, "hub lease write failed");
      return;
    }
    const wasLeader = this.#state.role === LEASE_ROLE.leader;
    this.#state = acquired(this.#state, revision, record, sentAt);
    if (!wasLeader) {
      this.#o.logger.info({ id: this.id, revision, leaseMs: this.#o.timing.leaseMs }, "this hub leads the fleet");
      this.#o.onChange?.(LEASE_ROLE.leader);
    }
  }

  #step(next: LeaseState, reason: string): void {
    const was = this.#state.role;
    this.#state = next;
    if (was === LEASE_ROLE.leader && next.role !== LEASE_ROLE.leader) {
      this.#o.logger.warn({ id: this.id, reason }, "this hub no longer leads; it stopped publishing and stands by");
      this.#o.onChange?.(LEASE_ROLE.standby);
    }
  }
}

/** JetStream's "wrong last sequence" (10071): the key moved since this hub last wrote it. */
function isCasFailure(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; code?: number | string; message?: string } | null;
  return e?.api_error?.err_code === 10071 || /wrong last sequence|key exists/i.test(errorMessage(err));
}

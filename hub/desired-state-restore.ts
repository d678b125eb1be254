import {
  PROTOCOL_ERROR_CODES,
  bundleBucket,
  verifyEnvelope,
  verifyEnvelopeHeader,
  type Bundle,
  type DesiredStateEnvelope,
} from "../protocol/index.js";
import type { DesiredEntry, PublishedState } from "./desired-state-store.js";

/** What a restarted hub may take from a cluster's key. */
export interface RestoredDesiredState {
  /** The highest-generation entry that verifies in full (fleet, cluster, the hub's own signature, bundle). */
  readonly current?: { readonly state: PublishedState; readonly bundle: Bundle } | undefined;
  /** The highest generation the hub ever signed for this cluster among the kept revisions (header verified). */
  readonly generationFloor: number;
  /** Why the key's latest value is not what was restored; the hub then publishes over it. */
  readonly rejected?: { readonly code: string; readonly message: string; readonly kvRevision: number } | undefined;
  /** The latest value is not the restored entry (rejected, deleted or missing): publish even if nothing changed. */
  readonly republish: boolean;
}

export interface RestoreInput {
  readonly fleet: string;
  readonly cluster: string;
  /** The hub's own public key: a restored entry must carry the hub's own signature, nothing else. */
  readonly hubPublicKey: string;
  readonly entries: readonly DesiredEntry[];
  /** The compressed bundle of a verified envelope's bundleRef, null when the object is gone. Called only after the header verified. */
  readonly readObject: (bucket: string, object: string) => Promise<Uint8Array | null>;
}

/**
 * Decides what a restarted hub restores for one cluster from the kept revisions of its
 * `flotilla-desired` key. A value counts only if it is for this fleet and cluster and verifies with
 * the hub's own key: anything a spoke or an intruder could have put there (a foreign cluster's
 * envelope, a forgery, garbage, an older envelope put back) is reported and never used, and the
 * generation floor comes only from envelopes the hub signed for this cluster, so the next one is newer.
 */
export async function restoreDesiredState(input: RestoreInput): Promise<RestoredDesiredState> {
  let floor = 0;
  let best: { envelope: DesiredStateEnvelope; bundle: Bundle; kvRevision: number } | undefined;
  const failures = new Map<number, { code: string; message: string }>();
  for (const entry of input.entries) {
    if (entry.value === null) continue;
    const header = verifyEnvelopeHeader({ envelope: entry.value, hubPublicKey: input.hubPublicKey, fleet: input.fleet, cluster: input.cluster });
    if (!header.ok) {
      failures.set(entry.kvRevision, { code: header.error.code, message: header.error.message });
      continue;
    }
    const envelope = header.envelope;
    floor = Math.max(floor, envelope.generation);
    let resolved: DesiredStateEnvelope = envelope;
    if (envelope.bundleRef !== undefined) {
      const ref = envelope.bundleRef;
      const data = ref.bucket === bundleBucket(input.cluster) ? await input.readObject(ref.bucket, ref.object) : null;
      if (data === null) {
        failures.set(entry.kvRevision, { code: PROTOCOL_ERROR_CODES.bundleObjectMissing, message: `bundle ${ref.object} is not in ${bundleBucket(input.cluster)}` });
        continue;
      }
      resolved = { ...envelope, bundle: Buffer.from(data).toString("base64") };
    }
    const full = verifyEnvelope({ envelope: resolved, hubPublicKey: input.hubPublicKey, fleet: input.fleet, cluster: input.cluster, minGeneration: 0 });
    if (!full.ok) {
      failures.set(entry.kvRevision, { code: full.error.code, message: full.error.message });
      continue;
    }
    if (best === undefined || envelope.generation >= best.envelope.generation) best = { envelope, bundle: full.bundle, kvRevision: entry.kvRevision };
  }
  const latest = input.entries.at(-1);
  const current =
    best === undefined
      ? undefined
      : {
          state: { cluster: input.cluster, generation: best.envelope.generation, revision: best.envelope.revision, bundleDigest: best.envelope.bundleDigest, kvRevision: best.kvRevision },
          bundle: best.bundle,
        };
  if (latest === undefined || latest.kvRevision === best?.kvRevision) return { current, generationFloor: floor, republish: latest === undefined && floor > 0 };
  if (latest.value === null) return { current, generationFloor: floor, republish: true };
  const failure = failures.get(latest.kvRevision) ?? {
    code: PROTOCOL_ERROR_CODES.staleGeneration,
    message: `envelope generation is older than generation ${String(best?.envelope.generation ?? floor)}, which the hub published before it`,
  };
  return { current, generationFloor: floor, rejected: { ...failure, kvRevision: latest.kvRevision }, republish: true };
}

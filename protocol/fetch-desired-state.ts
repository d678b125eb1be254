import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { errorMessage } from "../core/index.js";
import { parseEnvelope } from "./envelope.js";
import { DESIRED_BUCKET, assertClusterName } from "./names.js";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";
import { readBundleObject } from "./read-bundle-object.js";
import { MAX_BUNDLE_BYTES, type DesiredStateEnvelope } from "./schemas.js";

export interface FetchedDesiredState {
  /** The envelope, with `bundle` filled in from the object store when it travelled by reference. Verify it next. */
  readonly envelope: DesiredStateEnvelope;
  /** The KV revision of the entry (a cheap "has anything changed" check). */
  readonly kvRevision: number;
}

function wrapNatsError(err: unknown, what: string): ProtocolError {
  const text = errorMessage(err);
  const cause = err instanceof Error ? err.cause : undefined;
  const denied = /permissions violation/i.test(text) || /permissions violation/i.test(errorMessage(cause));
  return new ProtocolError(
    denied ? PROTOCOL_ERROR_CODES.permissionDenied : PROTOCOL_ERROR_CODES.transport,
    `${what}: ${denied ? "permission denied by the NATS server (check the spoke's user and inboxPrefix)" : text}`,
    { cause: err },
  );
}

type DesiredBucket = Awaited<ReturnType<Kvm["open"]>>;
const buckets = new WeakMap<NatsConnection, Promise<DesiredBucket>>();

/**
 * The desired-state bucket bound on `nc`, once per connection: binding makes no request (no
 * STREAM.INFO), but a spoke fetches on every notify and a simulated fleet for each of its spokes.
 */
function desiredBucket(nc: NatsConnection): Promise<DesiredBucket> {
  let bucket = buckets.get(nc);
  if (bucket === undefined) {
    bucket = new Kvm(jetstream(nc, { checkAPI: false })).open(DESIRED_BUCKET, { allow_direct: true });
    buckets.set(nc, bucket);
    const opening = bucket;
    opening.catch(() => {
      if (buckets.get(nc) === opening) buckets.delete(nc);
    });
  }
  return bucket;
}

/**
 * The spoke's pull: one per-key direct get on `flotilla-desired`, and for a bundle by reference
 * direct gets on `flotilla-bundles-<cluster>` (readBundleObject). Uses only what the spoke's account
 * imports (no consumer, no STREAM.INFO, no $JS.API.INFO). Takes the spoke's connection; opens nothing.
 * Returns null when the hub has published nothing for this cluster yet.
 */
export async function fetchDesiredState(nc: NatsConnection, options: { fleet: string; cluster: string }): Promise<FetchedDesiredState | null> {
  const cluster = assertClusterName(options.cluster);
  assertClusterName(options.fleet, "fleet");
  let entry;
  try {
    entry = await (await desiredBucket(nc)).get(cluster);
  } catch (err) {
    throw wrapNatsError(err, `reading ${DESIRED_BUCKET}/${cluster}`);
  }
  if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) return null;
  const envelope = parseEnvelope(entry.value);
  if (envelope.bundleRef === undefined) return { envelope, kvRevision: entry.revision };
  const ref = envelope.bundleRef;
  let data: Uint8Array | null;
  try {
    data = await readBundleObject(nc, { bucket: ref.bucket, object: ref.object, maxBytes: Math.min(ref.size, MAX_BUNDLE_BYTES) });
  } catch (err) {
    if (err instanceof ProtocolError) throw err;
    throw wrapNatsError(err, `reading bundle ${ref.bucket}/${ref.object}`);
  }
  if (data === null) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.bundleObjectMissing, `bundle ${ref.object} is not in ${ref.bucket}`, { field: "bundleRef" });
  }
  return { envelope: { ...envelope, bundle: Buffer.from(data).toString("base64") }, kvRevision: entry.revision };
}

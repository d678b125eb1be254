import { canonicalJson } from "./canonical-json.js";
import { compressBundle, decodeBundle, decompressBundle, bundleObjectName, sha256Digest, type EncodedBundle } from "./bundle-codec.js";
import { parseJson, parseWith } from "./decode.js";
import { assertClusterName, bundleBucket, PROTOCOL_VERSION } from "./names.js";
import { PROTOCOL_ERROR_CODES, ProtocolError, isProtocolError } from "./protocol-errors.js";
import { desiredStateSchema, type Bundle, type DesiredStateEnvelope } from "./schemas.js";
import { parsePublicKey, signBytes, verifyBytes, type SigningKey, type VerifyKey } from "./signing-key.js";

const DOMAIN = "flotilla.dev/desired-state/v1\n";
/** Room left in max_payload for NATS/JetStream headers around the KV value. */
const PAYLOAD_HEADROOM = 4096;

/** The signed bytes: domain string + canonical JSON without `signature` and the bundle body. */
export function envelopeSigningBytes(envelope: Record<string, unknown>): Uint8Array {
  const { signature: _signature, bundle: _bundle, ...header } = envelope;
  return Buffer.from(DOMAIN + canonicalJson(header), "utf8");
}

export interface CreateEnvelopeInput {
  readonly fleet: string;
  readonly cluster: string;
  readonly generation: number;
  readonly revision: string;
  /** Milliseconds since the epoch, from the injected clock. */
  readonly issuedAt: number;
  readonly bundle: EncodedBundle;
  readonly signingKey: SigningKey;
  /** The server's max_payload (nc.info.max_payload); larger envelopes move the bundle to the object store. */
  readonly maxPayload: number;
}

export interface CreatedEnvelope {
  readonly envelope: DesiredStateEnvelope;
  /** The KV value. */
  readonly value: Uint8Array;
  /** Set when the bundle must be put in `flotilla-bundles-<cluster>` before the KV entry. */
  readonly external?: { readonly bucket: string; readonly object: string; readonly data: Uint8Array };
}

/** Compresses, signs and encodes one cluster's desired state (pure; hub side). */
export function createEnvelope(input: CreateEnvelopeInput): CreatedEnvelope {
  assertClusterName(input.fleet, "fleet");
  assertClusterName(input.cluster);
  const compressed = compressBundle(input.bundle.bytes);
  const header = {
    protocol: PROTOCOL_VERSION,
    kind: "DesiredState" as const,
    fleet: input.fleet,
    cluster: input.cluster,
    generation: input.generation,
    revision: input.revision,
    issuedAt: new Date(input.issuedAt).toISOString(),
    bundleDigest: input.bundle.digest,
    bundleSize: input.bundle.size,
    bundleEncoding: "gzip" as const,
    keyId: input.signingKey.keyId,
  };
  const inlineBundle = Buffer.from(compressed).toString("base64");
  // Estimate the inline size without a second stringify: header JSON + base64 + signature + slack.
  const inlineSize = JSON.stringify(header).length + inlineBundle.length + 200;
  if (inlineSize <= input.maxPayload - PAYLOAD_HEADROOM) {
    const signature = signBytes(envelopeSigningBytes(header), input.signingKey);
    const envelope: DesiredStateEnvelope = { ...header, bundle: inlineBundle, signature };
    return { envelope, value: Buffer.from(JSON.stringify(envelope), "utf8") };
  }
  const bucket = bundleBucket(input.cluster);
  const object = bundleObjectName(input.bundle.digest);
  const withRef = { ...header, bundleRef: { bucket, object, size: compressed.length } };
  const signature = signBytes(envelopeSigningBytes(withRef), input.signingKey);
  const envelope: DesiredStateEnvelope = { ...withRef, signature };
  return { envelope, value: Buffer.from(JSON.stringify(envelope), "utf8"), external: { bucket, object, data: compressed } };
}

/**
 * Envelopes this module parsed from bytes and validated, frozen all the way down: verifyEnvelope
 * is handed what fetchDesiredState parsed a moment before and need not run the schema twice. Only
 * parseEnvelope adds to it, and a frozen value cannot change after its check; anything else (a
 * copy, an object built by hand) is validated as before.
 */
const validated = new WeakSet<object>();

/** Parses a KV value (bytes, text or already-decoded JSON) into an envelope; throws ProtocolError. */
export function parseEnvelope(input: unknown): DesiredStateEnvelope {
  if (typeof input === "object" && input !== null && validated.has(input)) return input as DesiredStateEnvelope;
  if (!(input instanceof Uint8Array || typeof input === "string")) return parseWith(desiredStateSchema, input, "desired state");
  // Parsed from bytes here, so nothing else holds a reference into it: freezing it is safe.
  const envelope = deepFreeze(parseWith(desiredStateSchema, parseJson(input, "desired state"), "desired state"));
  validated.add(envelope);
  return envelope;
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const member of Object.values(value)) deepFreeze(member);
  return Object.freeze(value);
}

export interface VerifyEnvelopeInput {
  /** The envelope as fetched (bytes or parsed); with a bundleRef, `bundle` must have been filled in by fetchDesiredState. */
  readonly envelope: unknown;
  /** The pinned hub key(s), `ed25519:<base64url>`; several during a key rotation. */
  readonly hubPublicKey: string | readonly string[];
  readonly fleet: string;
  readonly cluster: string;
  /** The generation the spoke has applied; older envelopes are rejected. */
  readonly minGeneration: number;
}

export type VerifyEnvelopeResult =
  | { readonly ok: true; readonly envelope: DesiredStateEnvelope; readonly bundle: Bundle; readonly bundleBytes: Uint8Array }
  | { readonly ok: false; readonly error: ProtocolError };

function fail(code: ProtocolError["code"], message: string, field?: string): VerifyEnvelopeResult {
  return { ok: false, error: new ProtocolError(code, message, { field }) };
}

function pinnedKeys(hubPublicKey: string | readonly string[]): VerifyKey[] {
  return (typeof hubPublicKey === "string" ? [hubPublicKey] : hubPublicKey).map((k) => parsePublicKey(k, "hubPublicKey"));
}

/**
 * Everything a spoke checks before trusting desired state (pure; never throws on bad input).
 * Order: schema/version, fleet, cluster, key, signature, generation, bundle body vs signed digest.
 */
export type VerifyEnvelopeHeaderResult = { readonly ok: true; readonly envelope: DesiredStateEnvelope } | { readonly ok: false; readonly error: ProtocolError };

/**
 * The signed header alone: schema/version, fleet, cluster, key, signature (pure; never throws on bad
 * input). Enough to trust `generation`, `revision` and `bundleDigest` when the bundle body is not at hand.
 */
export function verifyEnvelopeHeader(input: Omit<VerifyEnvelopeInput, "minGeneration">): VerifyEnvelopeHeaderResult {
  let envelope: DesiredStateEnvelope;
  let keys: VerifyKey[];
  try {
    envelope = parseEnvelope(input.envelope);
    keys = pinnedKeys(input.hubPublicKey);
  } catch (err) {
    if (isProtocolError(err)) return { ok: false, error: err };
    throw err;
  }
  const failed = (code: ProtocolError["code"], message: string, field: string): VerifyEnvelopeHeaderResult => ({ ok: false, error: new ProtocolError(code, message, { field }) });
  if (envelope.fleet !== input.fleet) return failed(PROTOCOL_ERROR_CODES.wrongFleet, `envelope is for fleet "${envelope.fleet}", not "${input.fleet}"`, "fleet");
  if (envelope.cluster !== input.cluster) {
    return failed(PROTOCOL_ERROR_CODES.wrongCluster, `envelope is for cluster "${envelope.cluster}", not "${input.cluster}"`, "cluster");
  }
  const key = keys.find((k) => k.keyId === envelope.keyId);
  if (key === undefined) return failed(PROTOCOL_ERROR_CODES.unknownKey, `envelope is signed by key ${envelope.keyId}, which is not pinned`, "keyId");
  if (!verifyBytes(envelopeSigningBytes(envelope), envelope.signature, key)) {
    return failed(PROTOCOL_ERROR_CODES.signatureInvalid, "envelope signature does not verify with the pinned hub key", "signature");
  }
  return { ok: true, envelope };
}

export function verifyEnvelope(input: VerifyEnvelopeInput): VerifyEnvelopeResult {
  const header = verifyEnvelopeHeader(input);
  if (!header.ok) return header;
  const { envelope } = header;
  if (envelope.generation < input.minGeneration) {
    return fail(
      PROTOCOL_ERROR_CODES.staleGeneration,
      `envelope generation ${String(envelope.generation)} is older than the applied generation ${String(input.minGeneration)}`,
      "generation",
    );
  }
  if (envelope.bundle === undefined) {
    return fail(PROTOCOL_ERROR_CODES.bundleMissing, envelope.bundleRef === undefined ? "envelope carries no bundle" : "bundleRef was not resolved (use fetchDesiredState)", "bundle");
  }
  let bytes: Uint8Array;
  try {
    bytes = decompressBundle(Buffer.from(envelope.bundle, "base64"), envelope.bundleSize);
  } catch {
    return fail(PROTOCOL_ERROR_CODES.bundleDecompress, `bundle is not gzip data of at most ${String(envelope.bundleSize)} bytes`, "bundle");
  }
  if (bytes.length !== envelope.bundleSize) {
    return fail(PROTOCOL_ERROR_CODES.bundleSize, `bundle has ${String(bytes.length)} bytes, the signed size is ${String(envelope.bundleSize)}`, "bundle");
  }
  if (sha256Digest(bytes) !== envelope.bundleDigest) return fail(PROTOCOL_ERROR_CODES.bundleDigest, "bundle does not match the signed digest", "bundle");
  let bundle: Bundle;
  try {
    bundle = decodeBundle(bytes);
  } catch (err) {
    if (isProtocolError(err)) return { ok: false, error: err };
    throw err;
  }
  if (bundle.cluster !== envelope.cluster || bundle.revision !== envelope.revision) {
    return fail(PROTOCOL_ERROR_CODES.wrongCluster, "bundle cluster or revision differs from its envelope", "bundle");
  }
  return { ok: true, envelope, bundle, bundleBytes: bytes };
}

// Fuzzing the spoke's first trust boundary: the desired-state envelope it reads from the KV bucket
// (parse + schema + signature + bundle), and the unsigned notify hint. An insider who can write the
// KV value or publish on the notify subject tries damaged, retyped, huge, deeply nested and
// prototype-polluting inputs; each must end in a ProtocolError code or, for an intact signature, the
// exact bundle the hub signed. Bounds: see each property (about 10 s for the file).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PROTOCOL_ERROR_CODES,
  canonicalJson,
  createEnvelope,
  decodeNotify,
  encodeBundle,
  encodeMessage,
  generateSigningKey,
  createNotify,
  verifyEnvelope,
  type Bundle,
  type VerifyEnvelopeResult,
} from "../../protocol/index.js";
import { applyMutation, bounded, bounds, byteDamage, damageBytes, expectNoPollution, expectTypedError, materialize, mutation, outcome, toJsonBytes } from "./fuzz-support.js";

const hub = generateSigningKey();
const CODES = Object.values(PROTOCOL_ERROR_CODES);

const bundle: Bundle = {
  apiVersion: "flotilla.dev/v1",
  kind: "Bundle",
  cluster: "eu-1",
  revision: "abc123",
  apps: [
    {
      name: "web",
      namespace: "web",
      objects: [
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "web" }, data: { a: "1" } },
        { apiVersion: "bitnami.com/v1alpha1", kind: "SealedSecret", metadata: { name: "s", namespace: "web" }, spec: { encryptedData: { k: "AgB=" } } },
      ],
    },
  ],
};

function envelopeOf(b: Bundle | Record<string, unknown>, generation = 7): { value: Uint8Array; envelope: object } {
  const created = createEnvelope({
    fleet: "prod",
    cluster: "eu-1",
    generation,
    revision: "abc123",
    issuedAt: Date.UTC(2026, 0, 1),
    bundle: encodeBundle(b as Bundle),
    signingKey: hub,
    maxPayload: 8 * 1024 * 1024,
  });
  return { value: created.value, envelope: created.envelope };
}

const valid = envelopeOf(bundle);
const signedBundle = canonicalJson(bundle);

/** verifyEnvelope promises never to throw: every failure is a result with a protocol code. */
function verify(envelope: unknown, minGeneration = 0): VerifyEnvelopeResult {
  let result: VerifyEnvelopeResult | undefined;
  try {
    result = bounded(() => verifyEnvelope({ envelope, hubPublicKey: hub.publicKey, fleet: "prod", cluster: "eu-1", minGeneration }));
  } catch (err) {
    throw new Error(`verifyEnvelope threw: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
  }
  expectNoPollution();
  if (!result.ok) expectTypedError(result.error, CODES);
  return result;
}

describe("fuzz: desired-state envelope (verifyEnvelope)", () => {
  it("the valid envelope verifies (the baseline the mutations start from)", () => {
    const result = verify(valid.value);
    expect(result.ok).toBe(true);
  });

  it("damaged KV bytes are rejected with a code, or verify to exactly the signed bundle", () => {
    fc.assert(
      fc.property(byteDamage, (d) => {
        const result = verify(damageBytes(valid.value, d));
        if (result.ok) expect(canonicalJson(result.bundle)).toBe(signedBundle);
      }),
      bounds(300, 1_500),
    );
  });

  it("a mutated envelope (field removed, retyped, huge, deep, __proto__) is rejected or verifies to the signed bundle", () => {
    fc.assert(
      fc.property(mutation, fc.boolean(), (m, asBytes) => {
        const mutated = applyMutation(valid.envelope, m);
        const result = verify(asBytes ? toJsonBytes(mutated) : materialize(mutated));
        if (result.ok) expect(canonicalJson(result.bundle)).toBe(signedBundle);
      }),
      bounds(300, 1_500),
    );
  });

  it("a correctly signed envelope around a mutated bundle (what a fleet repo can put in it) fails with a code or parses", () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const mutatedBundle = materialize(applyMutation(bundle, m)) as Record<string, unknown>;
        let signed: { value: Uint8Array };
        try {
          signed = envelopeOf(mutatedBundle);
        } catch {
          return; // the hub itself refuses to encode it (not JSON-encodable); nothing reaches a spoke
        }
        verify(signed.value);
      }),
      bounds(200, 1_500),
    );
  });
});

describe("fuzz: notify hint (decodeNotify)", () => {
  const notify = encodeMessage(createNotify({ fleet: "prod", cluster: "eu-1", generation: 3, revision: "abc" }));
  const notifyObject = JSON.parse(Buffer.from(notify).toString("utf8")) as unknown;

  it("damaged or mutated notify messages decode or fail with a protocol code", () => {
    fc.assert(
      fc.property(byteDamage, mutation, fc.boolean(), (d, m, structural) => {
        const data = structural ? toJsonBytes(applyMutation(notifyObject, m)) : damageBytes(notify, d);
        outcome(() => decodeNotify(data), CODES);
      }),
      bounds(300, 1_000),
    );
  });
});

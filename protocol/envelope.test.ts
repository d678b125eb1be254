import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "./bundle-codec.js";
import { createEnvelope, parseEnvelope, verifyEnvelope } from "./envelope.js";
import { PROTOCOL_ERROR_CODES } from "./protocol-errors.js";
import type { Bundle } from "./schemas.js";
import { generateSigningKey } from "./signing-key.js";

const hub = generateSigningKey();
const other = generateSigningKey();

function bundleFor(cluster: string, revision = "abc123"): Bundle {
  return {
    apiVersion: "flotilla.dev/v1",
    kind: "Bundle",
    cluster,
    revision,
    apps: [{ name: "web", namespace: "web", objects: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "web" }, data: { a: "1" } }] }],
  };
}

function make(overrides: { cluster?: string; generation?: number; maxPayload?: number; bundle?: Bundle } = {}) {
  const cluster = overrides.cluster ?? "eu-1";
  return createEnvelope({
    fleet: "prod",
    cluster,
    generation: overrides.generation ?? 7,
    revision: "abc123",
    issuedAt: Date.UTC(2026, 10, 23, 9, 0, 0),
    bundle: encodeBundle(overrides.bundle ?? bundleFor(cluster)),
    signingKey: hub,
    maxPayload: overrides.maxPayload ?? 1024 * 1024,
  });
}

const base = { hubPublicKey: hub.publicKey, fleet: "prod", cluster: "eu-1", minGeneration: 0 };

describe("verifyEnvelope", () => {
  it("accepts a fresh envelope from the KV bytes and returns the bundle", () => {
    const created = make();
    const result = verifyEnvelope({ ...base, envelope: created.value });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.bundle.apps[0]?.objects[0]?.kind).toBe("ConfigMap");
      expect(result.envelope.generation).toBe(7);
    }
  });

  it.each([
    ["wrong fleet", { fleet: "stage" }, PROTOCOL_ERROR_CODES.wrongFleet],
    ["foreign cluster", { cluster: "us-1" }, PROTOCOL_ERROR_CODES.wrongCluster],
    ["stale generation", { minGeneration: 8 }, PROTOCOL_ERROR_CODES.staleGeneration],
    ["unpinned key", { hubPublicKey: other.publicKey }, PROTOCOL_ERROR_CODES.unknownKey],
  ])("rejects %s", (_label, override, code) => {
    const result = verifyEnvelope({ ...base, ...override, envelope: make().envelope });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it("accepts the same generation again (a re-fetch) and any of several pinned keys", () => {
    const result = verifyEnvelope({ ...base, minGeneration: 7, hubPublicKey: [other.publicKey, hub.publicKey], envelope: make().envelope });
    expect(result.ok).toBe(true);
  });

  it("rejects a tampered header (signature) and a swapped bundle (digest)", () => {
    const { envelope } = make();
    const tampered = verifyEnvelope({ ...base, envelope: { ...envelope, revision: "evil" } });
    expect(!tampered.ok && tampered.error.code).toBe(PROTOCOL_ERROR_CODES.signatureInvalid);
    const swappedBody = Buffer.from(gzipSync(Buffer.from(JSON.stringify(bundleFor("eu-1", "other"))))).toString("base64");
    const swapped = verifyEnvelope({ ...base, envelope: { ...envelope, bundle: swappedBody } });
    expect(swapped.ok).toBe(false);
    if (!swapped.ok) expect([PROTOCOL_ERROR_CODES.bundleDigest, PROTOCOL_ERROR_CODES.bundleSize, PROTOCOL_ERROR_CODES.bundleDecompress]).toContain(swapped.error.code);
  });

  it("rejects an envelope signed by another key that claims the hub's key id", () => {
    const forged = createEnvelope({
      fleet: "prod", cluster: "eu-1", generation: 9, revision: "abc123", issuedAt: 0,
      bundle: encodeBundle(bundleFor("eu-1")), signingKey: { ...other, keyId: hub.keyId }, maxPayload: 1 << 20,
    });
    const result = verifyEnvelope({ ...base, envelope: forged.envelope });
    expect(!result.ok && result.error.code).toBe(PROTOCOL_ERROR_CODES.signatureInvalid);
  });

  it("rejects a gzip bomb without expanding it past the signed size", () => {
    const { envelope } = make();
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)).toString("base64");
    const result = verifyEnvelope({ ...base, envelope: { ...envelope, bundle: bomb } });
    expect(!result.ok && result.error.code).toBe(PROTOCOL_ERROR_CODES.bundleDecompress);
  });

  it("rejects an unknown protocol version with a clear code, and garbage as malformed", () => {
    const { envelope } = make();
    const v2 = verifyEnvelope({ ...base, envelope: { ...envelope, protocol: 2 } });
    expect(!v2.ok && v2.error.code).toBe(PROTOCOL_ERROR_CODES.versionUnsupported);
    expect(!v2.ok && v2.error.message).toContain("version 2");
    const junk = verifyEnvelope({ ...base, envelope: new TextEncoder().encode("not json") });
    expect(!junk.ok && junk.error.code).toBe(PROTOCOL_ERROR_CODES.malformed);
    const missing = verifyEnvelope({ ...base, envelope: { ...envelope, generation: "7" } });
    expect(!missing.ok && missing.error.field).toBe("generation");
  });

  // Found by test/security/fuzz-envelope.test.ts: a field nested a few thousand levels deep made
  // the signature check (canonical JSON, recursive) overflow the stack instead of failing with a code.
  it("rejects a deeply nested field with PROTOCOL_MALFORMED, not a stack overflow", () => {
    const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
    const text = Buffer.from(make().value).toString("utf8").replace(/^\{/, `{"x":${deep},`);
    const fromBytes = verifyEnvelope({ ...base, envelope: Buffer.from(text) });
    expect(!fromBytes.ok && fromBytes.error.code).toBe(PROTOCOL_ERROR_CODES.malformed);
    const fromObject = verifyEnvelope({ ...base, envelope: JSON.parse(text) as unknown });
    expect(!fromObject.ok && fromObject.error.message).toMatch(/nests deeper than 256 levels/);
  });

  it("moves a bundle over max_payload to a content-addressed object and still verifies once resolved", () => {
    const big: Bundle = { ...bundleFor("eu-1"), apps: [{ name: "big", objects: [{ apiVersion: "v1", kind: "ConfigMap", data: { blob: randomText(300_000) } }] }] };
    const created = make({ bundle: big, maxPayload: 64 * 1024 });
    expect(created.envelope.bundle === undefined).toBe(true);
    expect(created.external?.bucket).toBe("flotilla-bundles-eu-1");
    expect(created.envelope.bundleRef?.object).toMatch(/^sha256-[0-9a-f]{64}$/);
    const unresolved = verifyEnvelope({ ...base, envelope: created.envelope });
    expect(!unresolved.ok && unresolved.error.code).toBe(PROTOCOL_ERROR_CODES.bundleMissing);
    const resolved = { ...created.envelope, bundle: Buffer.from(created.external?.data ?? new Uint8Array()).toString("base64") };
    expect(verifyEnvelope({ ...base, envelope: resolved }).ok).toBe(true);
  });
});

function randomText(n: number): string {
  return randomBytes(Math.ceil(n / 2)).toString("hex").slice(0, n);
}

describe("an envelope parsed once (fetchDesiredState, then verifyEnvelope)", () => {
  it("is frozen, so what was validated is what gets verified", () => {
    const parsed = parseEnvelope(make().value);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(() => {
      (parsed as { generation: number }).generation = 99;
    }).toThrow(TypeError);
    expect(verifyEnvelope({ ...base, envelope: parsed }).ok).toBe(true);
  });

  it("a copy of it with a field changed is validated and checked again, not trusted", () => {
    const parsed = parseEnvelope(make().value);
    const badSchema = verifyEnvelope({ ...base, envelope: { ...parsed, keyId: "not-hex" } });
    expect(badSchema.ok ? undefined : badSchema.error.code).toBe(PROTOCOL_ERROR_CODES.malformed);
    const newer = verifyEnvelope({ ...base, envelope: { ...parsed, generation: 8 } });
    expect(newer.ok ? undefined : newer.error.code).toBe(PROTOCOL_ERROR_CODES.signatureInvalid);
    const elsewhere = verifyEnvelope({ ...base, cluster: "eu-2", envelope: parsed });
    expect(elsewhere.ok ? undefined : elsewhere.error.code).toBe(PROTOCOL_ERROR_CODES.wrongCluster);
  });

  it("a key that verified before does not vouch for an envelope signed by another", () => {
    expect(verifyEnvelope({ ...base, envelope: parseEnvelope(make().value) }).ok).toBe(true);
    const forged = createEnvelope({ fleet: "prod", cluster: "eu-1", generation: 9, revision: "abc123", issuedAt: 0, bundle: encodeBundle(bundleFor("eu-1")), signingKey: other, maxPayload: 1024 * 1024 });
    const result = verifyEnvelope({ ...base, envelope: parseEnvelope(forged.value) });
    expect(result.ok ? undefined : result.error.code).toBe(PROTOCOL_ERROR_CODES.unknownKey);
    const resigned = { ...parseEnvelope(forged.value), keyId: hub.keyId };
    const swapped = verifyEnvelope({ ...base, envelope: resigned });
    expect(swapped.ok ? undefined : swapped.error.code).toBe(PROTOCOL_ERROR_CODES.signatureInvalid);
  });
});

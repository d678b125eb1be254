import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { canonicalJson } from "./canonical-json.js";
import { encodeMessage } from "./decode.js";
import { isValidClusterName, parseSubject, subjects } from "./names.js";
import { PROTOCOL_ERROR_CODES, isProtocolError } from "./protocol-errors.js";
import { decodeSpokeMessage, signHeartbeat, signHello, signStatusReport, verifySpokeMessage } from "./spoke-messages.js";
import { generateSigningKey } from "./signing-key.js";

const spoke = generateSigningKey();
const sentAt = "2026-11-23T09:00:00.000Z";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isProtocolError(err) ? err.code : "not-a-protocol-error";
  }
  return undefined;
}

describe("spoke messages", () => {
  const report = signStatusReport(
    { fleet: "prod", cluster: "eu-1", sentAt, generation: 3, revision: "abc", apps: [{ name: "web", sync: "Synced", health: "Healthy" }] },
    spoke,
  );

  it("round-trips a signed status report through the hub's decoder", () => {
    const decoded = decodeSpokeMessage({ subject: subjects.status("prod", "eu-1"), data: encodeMessage(report) }, "prod");
    expect(decoded.kind).toBe("StatusReport");
    expect(verifySpokeMessage(decoded, spoke.publicKey)).toBe(true);
    expect(verifySpokeMessage({ ...report, apps: [{ name: "web", sync: "Synced", health: "Degraded" }] }, spoke.publicKey)).toBe(false);
    expect(verifySpokeMessage(report, generateSigningKey().publicKey)).toBe(false);
  });

  it("drops a report published on another cluster's subject and a redirected JetStream delivery", () => {
    expect(codeOf(() => decodeSpokeMessage({ subject: subjects.status("prod", "us-1"), data: encodeMessage(report) }, "prod"))).toBe(
      PROTOCOL_ERROR_CODES.wrongCluster,
    );
    expect(
      codeOf(() => decodeSpokeMessage({ subject: subjects.status("prod", "eu-1"), reply: "$JS.ACK.KV_x.y.1.2.3.4.5", data: encodeMessage(report) }, "prod")),
    ).toBe(PROTOCOL_ERROR_CODES.malformed);
    expect(codeOf(() => decodeSpokeMessage({ subject: "$KV.flotilla-desired.eu-1", data: encodeMessage(report) }, "prod"))).toBe(PROTOCOL_ERROR_CODES.malformed);
  });

  it("decodes hello and heartbeat on the hello subject", () => {
    const hello = signHello({ fleet: "prod", cluster: "eu-1", sentAt, spokeVersion: "0.1.0", labels: { env: "prod" } }, spoke);
    expect(hello.statusKey).toBe(spoke.publicKey);
    const hb = signHeartbeat({ fleet: "prod", cluster: "eu-1", sentAt, appliedGeneration: 2 }, spoke);
    for (const msg of [hello, hb]) {
      const decoded = decodeSpokeMessage({ subject: subjects.hello("prod", "eu-1"), data: encodeMessage(msg) }, "prod");
      expect(decoded.kind).toBe(msg.kind);
      expect(verifySpokeMessage(decoded, spoke.publicKey)).toBe(true);
    }
  });

  it("rejects a future protocol version by code", () => {
    const data = encodeMessage({ ...report, protocol: 3 });
    expect(codeOf(() => decodeSpokeMessage({ subject: subjects.status("prod", "eu-1"), data }, "prod"))).toBe(PROTOCOL_ERROR_CODES.versionUnsupported);
  });
});

describe("names", () => {
  it("accepts only [a-z0-9-] names that are one subject token", () => {
    for (const ok of ["eu-1", "a", "prod0"]) expect(isValidClusterName(ok)).toBe(true);
    for (const bad of ["", "EU", "eu.1", "eu-*", ">", "-eu", "eu_1", "a".repeat(64)]) expect(isValidClusterName(bad)).toBe(false);
    expect(codeOf(() => subjects.notify("prod", "eu.1"))).toBe(PROTOCOL_ERROR_CODES.nameInvalid);
    expect(parseSubject("flotilla.prod.status.eu-1")).toEqual({ fleet: "prod", kind: "status", cluster: "eu-1" });
    expect(parseSubject("flotilla.prod.status.eu-1.x")).toBeNull();
  });

  it("canonical JSON does not depend on key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(JSON.parse(canonicalJson(obj))).toEqual(JSON.parse(JSON.stringify(obj)));
      }),
    );
  });
});

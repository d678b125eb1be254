import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSealingCertificate } from "../../crypto/sealed/certificate.js";
import { fixturePath, interopFixturePath } from "../harness/index.js";

// The one upstream file of the Sealed Secrets pack: the testCert constant of kubeseal_test.go.
const read = (name: string): string => readFileSync(fixturePath("sealed-secrets", name), "utf8");

describe("parseSealingCertificate", () => {
  it("reads the upstream kubeseal test certificate like upstream TestParseKey", () => {
    const expected = JSON.parse(read("expected.json")) as { upstreamTestCert: { sshSha256Fingerprint: string; modulusDecimalPrefix: string } };
    const cert = parseSealingCertificate(readFileSync(interopFixturePath("sealed-secrets", "upstream-kubeseal-test-cert.pem"), "utf8"));
    const jwk = cert.publicKey.export({ format: "jwk" });
    expect(cert.bits).toBe(4096);
    expect(BigInt(`0x${Buffer.from(jwk.n!, "base64url").toString("hex")}`).toString().startsWith(expected.upstreamTestCert.modulusDecimalPrefix)).toBe(true);
    expect(Buffer.from(jwk.e!, "base64url").readUIntBE(0, 3)).toBe(65537);
    expect(cert.fingerprint).toBe(expected.upstreamTestCert.sshSha256Fingerprint);
    expect(cert.subject).toBe("");
  });

});

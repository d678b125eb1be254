import { X509Certificate, createPrivateKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createServingCertificate } from "./tls-certificate.js";

describe("createServingCertificate", () => {
  it("makes a self-signed CA certificate for 127.0.0.1 that OpenSSL parses and whose key matches", () => {
    for (let i = 0; i < 3; i++) {
      const { certPem, keyPem } = createServingCertificate({ commonName: "test", now: Date.parse("2026-01-01T00:00:00Z") });
      const cert = new X509Certificate(certPem);
      expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
      expect(cert.ca).toBe(true);
      expect(cert.checkIssued(cert)).toBe(true);
      expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
      expect(/^[0-7]/.test(cert.serialNumber)).toBe(true);
    }
  });
});

import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface ServingCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

let keyPair: { privateKey: string; publicKey: string } | undefined;

/**
 * One RSA key per process: generating 2048-bit keys costs seconds on a busy machine and tests start
 * many clusters. Each cluster still gets its own certificate and bearer token.
 */
function processKeyPair(): { privateKey: string; publicKey: string } {
  keyPair ??= generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
  });
  return keyPair;
}

/**
 * A self-signed serving certificate that is its own CA, valid for 127.0.0.1 and localhost.
 * Go's TLS stack (kubectl) ignores the Common Name, so the SANs carry the names.
 * RSA keys come from node:crypto (node-forge is slow at that); forge only builds the X.509.
 */
export function createServingCertificate(options: { readonly commonName: string; readonly now: number }): ServingCertificate {
  const { privateKey, publicKey } = processKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // DER wants a positive, minimally encoded integer: top bit clear, first byte non-zero.
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(options.now - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(options.now + 365 * 24 * 60 * 60 * 1000);
  const subject = [{ name: "commonName", value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        { type: 7, ip: "127.0.0.1" },
        { type: 2, value: "localhost" },
      ],
    },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import forge from "node-forge";

/** PEM files of a throwaway test PKI, written at test time (never committed). */
export interface TestPki {
  readonly caFile: string;
  /** The NATS server's certificate: serverAuth, for 127.0.0.1 and localhost. */
  readonly server: { readonly certFile: string; readonly keyFile: string };
  /** Issues a clientAuth certificate for `name`, signed by the same CA. */
  client(name: string): Promise<{ readonly certFile: string; readonly keyFile: string }>;
  /** A certificate for `name` from an unrelated CA: what an impostor would present. */
  foreignClient(name: string): Promise<{ readonly certFile: string; readonly keyFile: string }>;
}

interface Issuer {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

// node:crypto makes the RSA keys (node-forge is slow at that); forge only builds the X.509.
function rsaKey(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function certificate(options: { commonName: string; publicPem: string; issuer: Issuer | "self"; selfKeyPem?: string; extensions: object[] }): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(options.publicPem);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  cert.serialNumber = serial.toString("hex");
  cert.validity.notBefore = new Date(Date.now() - 3600_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  cert.setSubject([{ name: "commonName", value: options.commonName }]);
  cert.setIssuer(options.issuer === "self" ? [{ name: "commonName", value: options.commonName }] : options.issuer.cert.subject.attributes);
  cert.setExtensions(options.extensions);
  const signer = options.issuer === "self" ? forge.pki.privateKeyFromPem(options.selfKeyPem ?? "") : options.issuer.key;
  cert.sign(signer, forge.md.sha256.create());
  return cert;
}

function makeCa(commonName: string): Issuer & { pem: string } {
  const key = rsaKey();
  const cert = certificate({
    commonName,
    publicPem: key.publicPem,
    issuer: "self",
    selfKeyPem: key.privatePem,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
      { name: "subjectKeyIdentifier" },
    ],
  });
  return { cert, key: forge.pki.privateKeyFromPem(key.privatePem), pem: forge.pki.certificateToPem(cert) };
}

async function issue(dir: string, file: string, ca: Issuer, commonName: string, usage: "server" | "client"): Promise<{ certFile: string; keyFile: string }> {
  const key = rsaKey();
  const extensions: object[] = [
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    usage === "server" ? { name: "extKeyUsage", serverAuth: true } : { name: "extKeyUsage", clientAuth: true },
  ];
  if (usage === "server") extensions.push({ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }, { type: 2, value: "localhost" }] });
  const cert = certificate({ commonName, publicPem: key.publicPem, issuer: ca, extensions });
  const certFile = join(dir, `${file}.crt`);
  const keyFile = join(dir, `${file}.key`);
  await writeFile(certFile, forge.pki.certificateToPem(cert));
  await writeFile(keyFile, key.privatePem, { mode: 0o600 });
  return { certFile, keyFile };
}

/** A CA, a server certificate for 127.0.0.1 and client certificates on demand, all under `dir`. */
export async function makeTestPki(dir: string): Promise<TestPki> {
  const ca = makeCa("flotilla test CA");
  const caFile = join(dir, "ca.crt");
  await writeFile(caFile, ca.pem);
  const server = await issue(dir, "nats-server", ca, "nats-server", "server");
  let foreign: Issuer | undefined;
  return {
    caFile,
    server,
    client: (name) => issue(dir, `client-${name}`, ca, name, "client"),
    foreignClient: (name) => issue(dir, `foreign-${name}`, (foreign ??= makeCa("impostor CA")), name, "client"),
  };
}

import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, scryptSync, X509Certificate, type KeyObject } from "node:crypto";
import bcryptjs from "bcryptjs";
import forge from "node-forge";
import type { Clock } from "../../core/index.js";
import { goFunc, type GoFunction } from "../go-function.js";
import { GoStruct, type GoMember } from "../go-struct.js";
import { formatValue, typeName } from "../go-values.js";
import type { RandomSource } from "../random-source.js";

/**
 * Sprig's crypto functions (crypto.go, v3.3). Keys come from node:crypto (through the injected
 * RandomSource), certificates are built with node-forge as elsewhere in the project, and every
 * PEM form is the one Go writes: `RSA PRIVATE KEY` (PKCS#1), `EC PRIVATE KEY` (SEC 1),
 * `PRIVATE KEY` (PKCS#8, ed25519). Error strings that Sprig returns as output (rather than as Go
 * errors) are returned the same way.
 */

/** Sprig's `certificate` struct: `.Cert` and `.Key` PEM text. */
export class Certificate extends GoStruct {
  readonly goType = "sprig.certificate";
  readonly goKind = "struct";
  readonly cert: string;
  readonly key: string;

  constructor(cert: string, key: string) {
    super();
    this.cert = cert;
    this.key = key;
  }

  member(name: string): GoMember | undefined {
    if (name === "Cert") return { kind: "field", value: this.cert };
    if (name === "Key") return { kind: "field", value: this.key };
    return undefined;
  }

  formatGo(): string {
    return `{${this.cert} ${this.key}}`;
  }

  toGoJson(): unknown {
    return { Cert: this.cert, Key: this.key };
  }
}

// ---- derivePassword: the Master Password algorithm (v3) ----

const MASTER_PASSWORD_SEED = "com.lyndir.masterpassword";
const PASSWORD_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  maximum: ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
  long: [
    "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
    "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
    "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
    "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
    "CvccCvcvCvccno",
  ],
  medium: ["CvcnoCvc", "CvcCvcno"],
  short: ["Cvcn"],
  basic: ["aaanaaan", "aannaaan", "aaannaaa"],
  pin: ["nnnn"],
};
const TEMPLATE_CHARACTERS: Readonly<Record<string, string>> = {
  V: "AEIOU",
  C: "BCDFGHJKLMNPQRSTVWXYZ",
  v: "aeiou",
  c: "bcdfghjklmnpqrstvwxyz",
  A: "AEIOUBCDFGHJKLMNPQRSTVWXYZ",
  a: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
  n: "0123456789",
  o: "@&%?,=[]_:-+*$#!'^~;()/.",
  x: "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
};

function uint32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function derivePassword(counter: bigint, passwordType: string, password: string, user: string, site: string): string {
  const templates = Object.hasOwn(PASSWORD_TEMPLATES, passwordType) ? PASSWORD_TEMPLATES[passwordType] : undefined;
  if (templates === undefined) return `cannot find password template ${passwordType}`;
  const userBytes = Buffer.from(user, "utf8");
  const siteBytes = Buffer.from(site, "utf8");
  const salt = Buffer.concat([Buffer.from(MASTER_PASSWORD_SEED), uint32be(userBytes.length), userBytes]);
  const key = scryptSync(Buffer.from(password, "utf8"), salt, 64, { N: 32768, r: 8, p: 2, maxmem: 128 * 32768 * 8 * 2 + 1024 * 1024 });
  // Go's binary.Write of a uint32 counter: the template's int converted to uint32 wraps.
  const seed = createHmac("sha256", key)
    .update(Buffer.concat([Buffer.from(MASTER_PASSWORD_SEED), uint32be(siteBytes.length), siteBytes, uint32be(Number(BigInt.asUintN(32, counter)))]))
    .digest();
  const template = templates[(seed[0] ?? 0) % templates.length] ?? "";
  let out = "";
  for (let i = 0; i < template.length; i++) {
    const chars = TEMPLATE_CHARACTERS[template[i] ?? ""] ?? "";
    out += chars[(seed[i + 1] ?? 0) % chars.length];
  }
  return out;
}

// ---- AES ----

function aesKey(password: string): Buffer {
  const key = Buffer.alloc(32);
  Buffer.from(password, "utf8").copy(key, 0, 0, 32);
  return key;
}

/** Sprig's `encryptAES`: AES-256-CBC, key = password zero-padded/truncated to 32 bytes, PKCS#7, base64(IV ‖ ciphertext). */
export function encryptAES(random: RandomSource, password: string, plaintext: string): string {
  if (plaintext === "") return "";
  const iv = Buffer.from(random.bytes(16));
  const cipher = createCipheriv("aes-256-cbc", aesKey(password), iv);
  return Buffer.concat([iv, cipher.update(plaintext, "utf8"), cipher.final()]).toString("base64");
}

/**
 * Sprig's `decryptAES`. Go strips as many bytes as the last byte says without checking the
 * padding (and panics on short input); we do the same stripping and report bad input as an error.
 */
export function decryptAES(password: string, crypt64: string): string {
  if (crypt64 === "") return "";
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(crypt64) || crypt64.length % 4 !== 0) throw new Error("illegal base64 data in input");
  const crypt = Buffer.from(crypt64, "base64");
  if (crypt.length < 32 || crypt.length % 16 !== 0) throw new Error("crypto/cipher: input not full blocks");
  const decipher = createDecipheriv("aes-256-cbc", aesKey(password), crypt.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(crypt.subarray(16)), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad > plain.length) throw new Error(`runtime error: slice bounds out of range [:${plain.length - pad}]`);
  return plain.subarray(0, plain.length - pad).toString("utf8");
}

// ---- keys ----

/** A private key in the PEM form Go's `pemBlockForKey` writes. */
export function privateKeyPem(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return key.export({ type: "pkcs1", format: "pem" }).toString();
    case "ec":
      return key.export({ type: "sec1", format: "pem" }).toString();
    default:
      return key.export({ type: "pkcs8", format: "pem" }).toString();
  }
}

export function generatePrivateKey(random: RandomSource, typ: string): string {
  switch (typ) {
    case "":
    case "rsa":
      return privateKeyPem(random.privateKey("rsa-4096"));
    case "ecdsa":
      return privateKeyPem(random.privateKey("ecdsa-p256"));
    case "ed25519":
      return privateKeyPem(random.privateKey("ed25519"));
    case "dsa":
      // Go 1.x still generates DSA keys; node:crypto cannot write Go's "DSA PRIVATE KEY" form.
      throw new Error("dsa keys are not supported: use rsa, ecdsa or ed25519");
    default:
      return `Unknown type ${typ}`;
  }
}

/** Sprig's parsePrivateKeyPEM: PKCS#8, PKCS#1 (`RSA`) or SEC 1 (`EC`) PEM. */
function parsePrivateKeyPem(pem: string): KeyObject {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(pem);
  if (m === null) throw new Error("no PEM data in input");
  const type = m[1] ?? "";
  if (type !== "PRIVATE KEY" && !type.endsWith(" PRIVATE KEY")) throw new Error(`no private key data in PEM block of type ${type}`);
  const prefix = type === "PRIVATE KEY" ? "" : type.slice(0, -" PRIVATE KEY".length);
  if (prefix !== "" && prefix !== "RSA" && prefix !== "EC") throw new Error(`invalid private key type ${type}`);
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    const what = prefix === "" ? "decoding PEM as PKCS#8" : `parsing ${prefix} private key from PEM`;
    throw new Error(`${what}: malformed key`);
  }
}

// ---- certificates ----

interface CertRequest {
  readonly cn: string;
  readonly ips: readonly string[];
  readonly dns: readonly string[];
  readonly daysValid: number;
  readonly isCA: boolean;
}

function stringList(v: unknown, what: "ip" | "dns"): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new Error(`wrong type for value; expected []interface {}; got ${typeName(v)}`);
  return v.map((x) => {
    if (typeof x !== "string") throw new Error(what === "ip" ? `error parsing ip: ${formatValue(x)} is not a string` : `error processing alternate dns name: ${formatValue(x)} is not a string`);
    if (what === "ip" && !isIp(x)) throw new Error(`error parsing ip: ${x}`);
    return x;
  });
}

function isIp(s: string): boolean {
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s)) return s.split(".").every((p) => Number(p) <= 255 && !(p.length > 1 && p.startsWith("0")));
  try {
    return new URL(`http://[${s}]/`).hostname !== "";
  } catch {
    return false;
  }
}

function forgeKey(key: KeyObject, what: string): forge.pki.rsa.PrivateKey {
  if (key.asymmetricKeyType !== "rsa") throw new Error(`${what}: only RSA keys can sign or be certified here (got ${key.asymmetricKeyType ?? "unknown"})`);
  return forge.pki.privateKeyFromPem(key.export({ type: "pkcs1", format: "pem" }).toString());
}

/** Go's x509.CreateCertificate over getBaseCertTemplate, as Sprig fills it. */
function createCertificate(clock: Clock, random: RandomSource, req: CertRequest, key: KeyObject, signer?: { cert: forge.pki.Certificate; key: KeyObject }): Certificate {
  const keyForge = forgeKey(key, "error creating certificate");
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(keyForge.n, keyForge.e);
  // A positive 128-bit serial, minimally DER-encoded (a leading 00 when the top bit is set).
  let serial = Buffer.from(random.bytes(16)).toString("hex").replace(/^(00)+/, "");
  if (serial === "") serial = "01";
  if (parseInt(serial.slice(0, 1), 16) >= 8) serial = "00" + serial;
  cert.serialNumber = serial;
  const now = clock.now();
  cert.validity.notBefore = new Date(now);
  cert.validity.notAfter = new Date(now + req.daysValid * 86_400_000);
  cert.setSubject([{ name: "commonName", value: req.cn }]);
  cert.setIssuer(signer === undefined ? [{ name: "commonName", value: req.cn }] : signer.cert.subject.attributes);
  const extensions: object[] = [
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: req.isCA },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    { name: "basicConstraints", critical: true, cA: req.isCA },
  ];
  if (req.ips.length > 0 || req.dns.length > 0) {
    extensions.push({ name: "subjectAltName", altNames: [...req.dns.map((value) => ({ type: 2, value })), ...req.ips.map((ip) => ({ type: 7, ip }))] });
  }
  // Go adds a subject key id to CA certificates, and an authority key id from a different parent's.
  if (req.isCA) extensions.push({ name: "subjectKeyIdentifier" });
  const parentSkid: { subjectKeyIdentifier?: string } | undefined = signer?.cert.getExtension("subjectKeyIdentifier");
  if (parentSkid?.subjectKeyIdentifier !== undefined) extensions.push({ name: "authorityKeyIdentifier", keyIdentifier: forge.util.hexToBytes(parentSkid.subjectKeyIdentifier) });
  cert.setExtensions(extensions);
  cert.sign(signer === undefined ? keyForge : forgeKey(signer.key, "error creating certificate"), forge.md.sha256.create());
  return new Certificate(forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n"), privateKeyPem(key));
}

function asCertificate(v: unknown): Certificate {
  if (!(v instanceof Certificate)) throw new Error(`wrong type for value; expected sprig.certificate; got ${v === null || v === undefined ? "<nil>" : typeName(v)}`);
  return v;
}

function parseSigner(ca: Certificate): { cert: forge.pki.Certificate; key: KeyObject } {
  let cert: forge.pki.Certificate;
  try {
    new X509Certificate(ca.cert);
    cert = forge.pki.certificateFromPem(ca.cert);
  } catch (err) {
    if (!ca.cert.includes("-----BEGIN")) throw new Error("unable to decode certificate");
    throw new Error(`error parsing certificate: decodedSignerCert.Bytes: ${err instanceof Error ? err.message : String(err)}`);
  }
  let key: KeyObject;
  try {
    key = parsePrivateKeyPem(ca.key);
  } catch (err) {
    throw new Error(`error parsing private key: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { cert, key };
}

function withPemKey(pem: string): KeyObject {
  try {
    return parsePrivateKeyPem(pem);
  } catch (err) {
    throw new Error(`parsing private key: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function buildCustomCert(b64cert: string, b64key: string): Certificate {
  const b64 = /^[A-Za-z0-9+/]*={0,2}$/;
  if (!b64.test(b64cert) || b64cert.length % 4 !== 0) throw new Error("unable to decode base64 certificate");
  if (!b64.test(b64key) || b64key.length % 4 !== 0) throw new Error("unable to decode base64 private key");
  const cert = Buffer.from(b64cert, "base64").toString("utf8");
  const key = Buffer.from(b64key, "base64").toString("utf8");
  if (!cert.includes("-----BEGIN")) throw new Error("unable to decode certificate");
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw new Error(`error parsing certificate: decodedCert.Bytes: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    parsePrivateKeyPem(key);
  } catch (err) {
    throw new Error(`error parsing private key: ${err instanceof Error ? err.message : String(err)}`);
  }
  return new Certificate(cert, key);
}

// ---- bcrypt ----

/** Go's bcrypt.GenerateFromPassword at DefaultCost (10), `$2a$` form; Sprig returns failures as text. */
function bcryptHash(random: RandomSource, input: string): string {
  if (Buffer.byteLength(input, "utf8") > 72) return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes";
  const salt = "$2a$10$" + bcryptjs.encodeBase64(Array.from(random.bytes(16)), 16);
  return bcryptjs.hashSync(input, salt);
}

// ---- the rest of crypto/rand ----

function uuidv4(random: RandomSource): string {
  const b = Buffer.from(random.bytes(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function cryptoFuncs(clock: Clock, random: RandomSource): ReadonlyArray<readonly [string, GoFunction]> {
  const days = (d: bigint): number => Number(BigInt.asIntN(32, d));
  const ca = (cn: string, d: bigint, key: KeyObject): Certificate => createCertificate(clock, random, { cn, ips: [], dns: [], daysValid: days(d), isCA: true }, key);
  const self = (cn: string, ips: unknown, dns: unknown, d: bigint, key: () => KeyObject): Certificate => {
    const req = { cn, ips: stringList(ips, "ip"), dns: stringList(dns, "dns"), daysValid: days(d), isCA: false };
    return createCertificate(clock, random, req, key());
  };
  const signed = (cn: string, ips: unknown, dns: unknown, d: bigint, caCert: unknown, key: () => KeyObject): Certificate => {
    const signer = parseSigner(asCertificate(caCert));
    const req = { cn, ips: stringList(ips, "ip"), dns: stringList(dns, "dns"), daysValid: days(d), isCA: false };
    return createCertificate(clock, random, req, key(), signer);
  };
  const rsa2048 = (): KeyObject => random.privateKey("rsa-2048");
  return [
    ["bcrypt", goFunc(["string"], (s: string) => bcryptHash(random, s))],
    ["htpasswd", goFunc(["string", "string"], (user: string, password: string) => (user.includes(":") ? `invalid username: ${user}` : `${user}:${bcryptHash(random, password)}`))],
    ["randBytes", goFunc(["int"], (n: bigint) => {
      if (n < 0n) throw new Error("runtime error: makeslice: len out of range");
      if (n > 1_000_000n) throw new Error("randBytes: count over 1000000");
      return Buffer.from(random.bytes(Number(n))).toString("base64");
    })],
    ["uuidv4", goFunc([], () => uuidv4(random))],
    ["derivePassword", goFunc(["int", "string", "string", "string", "string"], derivePassword)],
    ["genPrivateKey", goFunc(["string"], (t: string) => generatePrivateKey(random, t))],
    ["buildCustomCert", goFunc(["string", "string"], buildCustomCert)],
    ["genCA", goFunc(["string", "int"], (cn: string, d: bigint) => ca(cn, d, rsa2048()))],
    ["genCAWithKey", goFunc(["string", "int", "string"], (cn: string, d: bigint, pem: string) => ca(cn, d, withPemKey(pem)))],
    ["genSelfSignedCert", goFunc(["string", "any", "any", "int"], (cn: string, ips: unknown, dns: unknown, d: bigint) => self(cn, ips, dns, d, rsa2048))],
    ["genSelfSignedCertWithKey", goFunc(["string", "any", "any", "int", "string"], (cn: string, ips: unknown, dns: unknown, d: bigint, pem: string) => self(cn, ips, dns, d, () => withPemKey(pem)))],
    ["genSignedCert", goFunc(["string", "any", "any", "int", "any"], (cn: string, ips: unknown, dns: unknown, d: bigint, c: unknown) => signed(cn, ips, dns, d, c, rsa2048))],
    ["genSignedCertWithKey", goFunc(["string", "any", "any", "int", "any", "string"], (cn: string, ips: unknown, dns: unknown, d: bigint, c: unknown, pem: string) => signed(cn, ips, dns, d, c, () => withPemKey(pem)))],
    ["encryptAES", goFunc(["string", "string"], (p: string, s: string) => encryptAES(random, p, s))],
    ["decryptAES", goFunc(["string", "string"], decryptAES)],
  ];
}


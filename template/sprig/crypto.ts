import { createCipheriv, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, scryptSync, sign, X509Certificate, type KeyObject } from "node:crypto";
import bcryptjs from "bcryptjs";
import forge from "node-forge";
import type { Clock } from "../../core/index.js";
import { goFunc, type GoFunction } from "../go-function.js";
import { expensiveCall } from "../exec-budget.js";
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
  expensiveCall();
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

/**
 * Go's "DSA PRIVATE KEY" block: the OpenSSL form SEQUENCE { 0, p, q, g, y, x }. node:crypto only
 * writes DSA keys as PKCS#8, so read p, q, g and x from that and compute y = g^x mod p.
 */
function dsaPrivateKeyPem(key: KeyObject): string {
  const { asn1 } = forge;
  const info = toForge(key.export({ type: "pkcs8", format: "der" }));
  const [, algorithm, octets] = info.value as forge.asn1.Asn1[];
  const params = ((algorithm?.value as forge.asn1.Asn1[] | undefined)?.[1]?.value ?? []) as forge.asn1.Asn1[];
  const int = (n: forge.asn1.Asn1 | undefined): bigint => BigInt("0x" + (Buffer.from(typeof n?.value === "string" ? n.value : "", "binary").toString("hex") || "0"));
  const [p, q, g] = [int(params[0]), int(params[1]), int(params[2])];
  const x = int(toForge(Buffer.from(typeof octets?.value === "string" ? octets.value : "", "binary")));
  let y = 1n;
  for (let base = g % p, e = x; e > 0n; e >>= 1n, base = (base * base) % p) if (e & 1n) y = (y * base) % p;
  const der = (n: bigint): forge.asn1.Asn1 => {
    let hex = n.toString(16);
    if (hex.length % 2 === 1) hex = "0" + hex;
    if (parseInt(hex.slice(0, 1), 16) >= 8) hex = "00" + hex;
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(hex));
  };
  const seq = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [der(0n), der(p), der(q), der(g), der(y), der(x)]);
  const b64 = fromForge(seq).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN DSA PRIVATE KEY-----\n${b64}\n-----END DSA PRIVATE KEY-----\n`;
}

export function generatePrivateKey(random: RandomSource, typ: string): string {
  expensiveCall();
  switch (typ) {
    case "":
    case "rsa":
      return privateKeyPem(random.privateKey("rsa-4096"));
    case "ecdsa":
      return privateKeyPem(random.privateKey("ecdsa-p256"));
    case "ed25519":
      return privateKeyPem(random.privateKey("ed25519"));
    case "dsa":
      return dsaPrivateKeyPem(random.privateKey("dsa-2048-256"));
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
  if (prefix !== "" && prefix !== "RSA" && prefix !== "EC" && prefix !== "DSA") throw new Error(`invalid private key type ${type}`);
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

/** The signature algorithm Go's CreateCertificate picks for a signing key, as an AlgorithmIdentifier. */
function signatureAlgorithm(key: KeyObject): { node: forge.asn1.Asn1; sign: (tbs: Buffer) => Buffer } {
  const { asn1 } = forge;
  const oid = (id: string): forge.asn1.Asn1 => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
  switch (key.asymmetricKeyType) {
    case "rsa": // sha256WithRSAEncryption, NULL parameters
      return {
        node: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid("1.2.840.113549.1.1.11"), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, "")]),
        sign: (tbs) => sign("sha256", tbs, key),
      };
    case "ec": // ecdsa-with-SHA256 (Go uses SHA-256 for P-256), no parameters
      return { node: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid("1.2.840.10045.4.3.2")]), sign: (tbs) => sign("sha256", tbs, { key, dsaEncoding: "der" }) };
    case "ed25519":
      return { node: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [oid("1.3.101.112")]), sign: (tbs) => sign(null, tbs, key) };
    default:
      throw new Error(`error creating certificate: x509: unsupported key type ${key.asymmetricKeyType ?? "unknown"}`);
  }
}

/** SubjectPublicKeyInfo DER of a key, and the bytes of its subjectPublicKey BIT STRING (what Go hashes for a key id). */
function publicKeyInfo(key: KeyObject): { der: Buffer; keyBytes: Buffer } {
  const der = createPublicKey(key).export({ type: "spki", format: "der" });
  const parsed = toForge(der);
  const bits = (parsed.value as forge.asn1.Asn1[])[1];
  const raw = Buffer.from(typeof bits?.value === "string" ? bits.value : "", "binary");
  return { der, keyBytes: raw.subarray(1) };
}

/** forge's fromDer takes an options object (its typings only know the older boolean). */
const fromDer = forge.asn1.fromDer as unknown as (bytes: forge.util.ByteStringBuffer, options: { decodeBitStrings: boolean }) => forge.asn1.Asn1;
const toForge = (der: Buffer): forge.asn1.Asn1 => fromDer(forge.util.createBuffer(der.toString("binary")), { decodeBitStrings: false });
/** Present in node-forge (x509.js) though missing from its typings. */
const getTBSCertificate = (cert: forge.pki.Certificate): forge.asn1.Asn1 =>
  (forge.pki as unknown as { getTBSCertificate: (c: forge.pki.Certificate) => forge.asn1.Asn1 }).getTBSCertificate(cert);
const fromForge = (node: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), "binary");

interface Signer {
  /** The CA certificate's subject Name, DER, which becomes the issuer. */
  readonly subject: forge.asn1.Asn1;
  readonly subjectKeyId: Buffer | undefined;
  readonly key: KeyObject;
}

/**
 * Go's x509.CreateCertificate over getBaseCertTemplate, as Sprig fills it. node-forge writes the
 * TBSCertificate (names, validity, extensions); the key info and signature come from node:crypto, so
 * RSA, ECDSA P-256 and ed25519 keys all work, as in Go.
 */
function createCertificate(clock: Clock, random: RandomSource, req: CertRequest, key: KeyObject, signer?: Signer): Certificate {
  const notAfterYear = new Date(clock.now() + req.daysValid * 86_400_000).getUTCFullYear();
  // X.509 times end at year 9999 (Go's x509 refuses the same way).
  if (!(notAfterYear >= 1950 && notAfterYear <= 9999)) throw new Error(`error creating certificate: x509: invalid validity: ${req.daysValid} days`);
  const signingKey = signer?.key ?? key;
  const algorithm = signatureAlgorithm(signingKey);
  const spki = publicKeyInfo(key);
  const cert = forge.pki.createCertificate();
  // A placeholder forge can encode; the real SubjectPublicKeyInfo replaces it below.
  cert.publicKey = forge.pki.setRsaPublicKey(new forge.jsbn.BigInteger("3"), new forge.jsbn.BigInteger("3"));
  // A positive 128-bit serial, minimally DER-encoded (a leading 00 when the top bit is set).
  let serial = Buffer.from(random.bytes(16)).toString("hex").replace(/^(00)+/, "");
  if (serial === "") serial = "01";
  if (parseInt(serial.slice(0, 1), 16) >= 8) serial = "00" + serial;
  cert.serialNumber = serial;
  const now = clock.now();
  cert.validity.notBefore = new Date(now);
  cert.validity.notAfter = new Date(now + req.daysValid * 86_400_000);
  cert.setSubject([{ name: "commonName", value: req.cn }]);
  cert.setIssuer([{ name: "commonName", value: req.cn }]);
  const extensions: object[] = [
    { name: "keyUsage", critical: true, digitalSignature: true, keyEncipherment: true, keyCertSign: req.isCA },
    { name: "extKeyUsage", serverAuth: true, clientAuth: true },
    { name: "basicConstraints", critical: true, cA: req.isCA },
  ];
  if (req.ips.length > 0 || req.dns.length > 0) {
    extensions.push({ name: "subjectAltName", altNames: [...req.dns.map((value) => ({ type: 2, value })), ...req.ips.map((ip) => ({ type: 7, ip }))] });
  }
  // Go adds a subject key id (SHA-1 of the public key bits) to CA certificates, and an authority key
  // id from a different parent's subject key id.
  if (req.isCA) extensions.push({ name: "subjectKeyIdentifier", subjectKeyIdentifier: createHash("sha1").update(spki.keyBytes).digest("hex") });
  if (signer?.subjectKeyId !== undefined) extensions.push({ name: "authorityKeyIdentifier", keyIdentifier: signer.subjectKeyId.toString("binary") });
  cert.setExtensions(extensions);
  // forge encodes the signature algorithm from here; the real one replaces it below.
  cert.siginfo.algorithmOid = forge.pki.oids.sha256WithRSAEncryption ?? "1.2.840.113549.1.1.11";
  const tbs = getTBSCertificate(cert);
  const fields = tbs.value as forge.asn1.Asn1[];
  // version, serial, signature, issuer, validity, subject, subjectPublicKeyInfo, extensions
  fields[2] = algorithm.node;
  if (signer !== undefined) fields[3] = signer.subject;
  fields[6] = toForge(spki.der);
  const tbsDer = fromForge(tbs);
  const { asn1 } = forge;
  const signature = algorithm.sign(tbsDer);
  const certificate = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    toForge(tbsDer),
    algorithm.node,
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BITSTRING, false, "\x00" + signature.toString("binary")),
  ]);
  const b64 = fromForge(certificate).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return new Certificate(`-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`, privateKeyPem(key));
}

function asCertificate(v: unknown): Certificate {
  if (!(v instanceof Certificate)) throw new Error(`wrong type for value; expected sprig.certificate; got ${v === null || v === undefined ? "<nil>" : typeName(v)}`);
  return v;
}

/** The CA's subject and subject key id, read from its DER (forge cannot parse non-RSA certificates). */
function parseSigner(ca: Certificate): Signer {
  let der: Buffer;
  try {
    der = new X509Certificate(ca.cert).raw;
  } catch (err) {
    if (!ca.cert.includes("-----BEGIN CERTIFICATE-----")) throw new Error("unable to decode certificate");
    throw new Error(`error parsing certificate: decodedSignerCert.Bytes: ${err instanceof Error ? err.message : String(err)}`);
  }
  const tbs = ((toForge(der).value as forge.asn1.Asn1[])[0]?.value ?? []) as forge.asn1.Asn1[];
  const hasVersion = tbs[0]?.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC;
  const subject = tbs[hasVersion ? 5 : 4];
  if (subject === undefined) throw new Error("error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate");
  let subjectKeyId: Buffer | undefined;
  // The [3] EXPLICIT extensions wrapper (a context-specific tag 3).
  const extensions = tbs.find((n) => n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && Number(n.type) === 3);
  for (const ext of ((extensions?.value as forge.asn1.Asn1[] | undefined)?.[0]?.value ?? []) as forge.asn1.Asn1[]) {
    const parts = ext.value as forge.asn1.Asn1[];
    if (forge.asn1.derToOid(forge.util.createBuffer(parts[0]?.value as string)) !== "2.5.29.14") continue;
    const octets = parts[parts.length - 1]?.value;
    const inner = forge.asn1.fromDer(forge.util.createBuffer(typeof octets === "string" ? octets : ""));
    subjectKeyId = Buffer.from(typeof inner.value === "string" ? inner.value : "", "binary");
  }
  let key: KeyObject;
  try {
    key = parsePrivateKeyPem(ca.key);
  } catch (err) {
    throw new Error(`error parsing private key: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { subject, subjectKeyId, key };
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
  expensiveCall();
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
  const rsa2048 = (): KeyObject => {
    expensiveCall();
    return random.privateKey("rsa-2048");
  };
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


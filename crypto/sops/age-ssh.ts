import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  privateDecrypt,
  publicEncrypt,
  constants,
  type KeyObject,
} from "node:crypto";
import { Stanza, type Identity, type Recipient } from "age-encryption";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/**
 * age's ssh-ed25519 and ssh-rsa recipient types (filippo.io/age/agessh), which age-encryption
 * (typage) does not implement. Built on node:crypto: X25519, HKDF-SHA256, ChaCha20-Poly1305 and
 * RSA-OAEP-SHA256, following the age spec.
 */
const ED25519_LABEL = "age-encryption.org/v1/ssh-ed25519";
const RSA_LABEL = "age-encryption.org/v1/ssh-rsa";
const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI_PREFIX = Buffer.from("302a300506032b656e032100", "hex");
const P = 2n ** 255n - 19n;

function sshString(buf: Buffer, off: number): [Buffer, number] {
  if (off + 4 > buf.length) throw new Error("truncated");
  const len = buf.readUInt32BE(off);
  if (off + 4 + len > buf.length) throw new Error("truncated");
  return [buf.subarray(off + 4, off + 4 + len), off + 4 + len];
}

function wireString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function b64raw(b: Buffer): string {
  return b.toString("base64").replace(/=+$/, "");
}

/** The 4-byte SHA-256 tag of an SSH public key in wire format, as the stanza's first argument. */
function sshTag(wire: Buffer): string {
  return b64raw(createHash("sha256").update(wire).digest().subarray(0, 4));
}

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  let x = b % m;
  let k = e;
  while (k > 0n) {
    if (k & 1n) r = (r * x) % m;
    x = (x * x) % m;
    k >>= 1n;
  }
  return r;
}

function leToBig(b: Buffer): bigint {
  return BigInt(`0x${Buffer.from(b).reverse().toString("hex") || "0"}`);
}

function bigToLe(n: bigint, size: number): Buffer {
  return Buffer.from(n.toString(16).padStart(size * 2, "0"), "hex").reverse();
}

/** The birational map from an Ed25519 public key to its X25519 (Montgomery u) public key. */
function ed25519PublicToX25519(pub: Buffer): Buffer {
  const yBytes = Buffer.from(pub);
  yBytes[31] = (yBytes[31] ?? 0) & 0x7f;
  const y = leToBig(yBytes);
  const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n, P)) % P;
  return bigToLe(u, 32);
}

function x25519Private(scalar: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, scalar]), format: "der", type: "pkcs8" });
}

function x25519Public(u: Buffer): KeyObject {
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, u]), format: "der", type: "spki" });
}

function x25519(scalar: Buffer, point: Buffer): Buffer {
  return diffieHellman({ privateKey: x25519Private(scalar), publicKey: x25519Public(point) });
}

function hkdf(ikm: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, 32));
}

function aeadOpen(key: Buffer, body: Uint8Array): Buffer | null {
  if (body.length !== 32) return null;
  try {
    const d = createDecipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
    d.setAuthTag(Buffer.from(body.subarray(16)));
    return Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
  } catch {
    return null;
  }
}

function aeadSeal(key: Buffer, plaintext: Uint8Array): Buffer {
  const c = createCipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

interface ParsedSshPrivate {
  readonly kind: "ed25519" | "rsa";
  readonly wire: Buffer;
  readonly seed?: Buffer;
  readonly rsaKey?: KeyObject;
}

function mpint(b: Buffer): bigint {
  return b.length === 0 ? 0n : BigInt(`0x${b.toString("hex")}`);
}

function b64url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Buffer.from(hex, "hex").toString("base64url");
}

/** Parses an unencrypted `openssh-key-v1` private key (ed25519 or RSA), or a PEM RSA key. */
export function parseSshPrivateKey(text: string): ParsedSshPrivate {
  const bad = (why: string): never => {
    throw new SopsError(SOPS_ERROR.invalidKey, `SSH private key: ${why}`);
  };
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (m === null) {
    if (/-----BEGIN (RSA )?PRIVATE KEY-----/.test(text)) {
      let key: KeyObject;
      try {
        key = createPrivateKey(text);
      } catch {
        return bad("not a readable PEM private key (passphrase-protected keys are not supported)");
      }
      if (key.asymmetricKeyType !== "rsa") return bad("PEM key is not RSA");
      const jwk = key.export({ format: "jwk" });
      const e = Buffer.from(jwk.e ?? "", "base64url");
      const n = Buffer.from(jwk.n ?? "", "base64url");
      const mp = (b: Buffer): Buffer => ((b[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.alloc(1), b]) : b);
      const wire = Buffer.concat([wireString(Buffer.from("ssh-rsa")), wireString(mp(e)), wireString(mp(n))]);
      return { kind: "rsa", wire, rsaKey: key };
    }
    return bad("not an OpenSSH or PEM private key");
  }
  try {
    const buf = Buffer.from((m[1] ?? "").replace(/\s+/g, ""), "base64");
    const magic = "openssh-key-v1\0";
    if (buf.subarray(0, magic.length).toString("latin1") !== magic) return bad("bad magic");
    const [cipher, afterCipher] = sshString(buf, magic.length);
    let [, off] = sshString(buf, afterCipher); // kdf name
    [, off] = sshString(buf, off); // kdf options
    if (cipher.toString() !== "none") return bad("passphrase-protected SSH keys are not supported");
    const nkeys = buf.readUInt32BE(off);
    off += 4;
    if (nkeys !== 1) return bad("expected exactly one key");
    const [wire, afterWire] = sshString(buf, off);
    const [priv] = sshString(buf, afterWire);
    // eslint-disable-next-line prefer-const -- p advances through the RSA fields below
    let [type, p] = sshString(priv, 8); // after two check ints
    if (type.toString() === "ssh-ed25519") {
      const [, afterPub] = sshString(priv, p);
      const [secret] = sshString(priv, afterPub);
      if (secret.length !== 64) return bad("ed25519 key has the wrong length");
      return { kind: "ed25519", wire, seed: secret.subarray(0, 32) };
    }
    if (type.toString() === "ssh-rsa") {
      const parts: bigint[] = [];
      for (let i = 0; i < 6; i++) {
        let v: Buffer;
        [v, p] = sshString(priv, p);
        parts.push(mpint(v));
      }
      const [n = 0n, e = 0n, d = 0n, iqmp = 0n, pp = 0n, q = 0n] = parts;
      const rsaKey = createPrivateKey({
        key: {
          kty: "RSA",
          n: b64url(n),
          e: b64url(e),
          d: b64url(d),
          p: b64url(pp),
          q: b64url(q),
          dp: b64url(d % (pp - 1n)),
          dq: b64url(d % (q - 1n)),
          qi: b64url(iqmp),
        },
        format: "jwk",
      });
      return { kind: "rsa", wire, rsaKey };
    }
    return bad(`unsupported SSH key type ${type.toString().slice(0, 40)}`);
  } catch (err) {
    if (err instanceof SopsError) throw err;
    return bad("malformed key");
  }
}

/** An age Identity for an SSH private key (ssh-ed25519 or ssh-rsa stanzas). */
export function sshIdentity(text: string): Identity {
  const key = parseSshPrivateKey(text);
  const tag = sshTag(key.wire);
  if (key.kind === "rsa") {
    return {
      unwrapFileKey(stanzas) {
        for (const s of stanzas) {
          if (s.args[0] !== "ssh-rsa" || s.args[1] !== tag || key.rsaKey === undefined) continue;
          try {
            return privateDecrypt(
              { key: key.rsaKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(RSA_LABEL) },
              s.body,
            );
          } catch {
            throw new SopsError(SOPS_ERROR.noKeyCouldDecrypt, "ssh-rsa stanza matched the key but did not decrypt");
          }
        }
        return null;
      },
    };
  }
  const [, pubOff] = sshString(key.wire, 0);
  const [edPub] = sshString(key.wire, pubOff);
  const ourPublic = ed25519PublicToX25519(edPub);
  const secret = createHash("sha512").update(key.seed ?? Buffer.alloc(32)).digest().subarray(0, 32);
  const tweak = hkdf(Buffer.alloc(0), key.wire, ED25519_LABEL);
  return {
    unwrapFileKey(stanzas) {
      for (const s of stanzas) {
        if (s.args[0] !== "ssh-ed25519" || s.args[1] !== tag || s.args.length !== 3) continue;
        const share = Buffer.from(s.args[2] ?? "", "base64");
        if (share.length !== 32) throw new SopsError(SOPS_ERROR.malformedValue, "invalid ssh-ed25519 stanza");
        const shared = x25519(tweak, x25519(secret, share));
        const wrap = hkdf(shared, Buffer.concat([share, ourPublic]), ED25519_LABEL);
        const fileKey = aeadOpen(wrap, s.body);
        if (fileKey === null) throw new SopsError(SOPS_ERROR.noKeyCouldDecrypt, "ssh-ed25519 stanza matched the key but did not decrypt");
        return fileKey;
      }
      return null;
    },
  };
}

/** Parses an `ssh-ed25519 AAAA…` or `ssh-rsa AAAA…` public key line into an age Recipient. */
export function sshRecipient(line: string): Recipient {
  const [type = "", b64 = ""] = line.trim().split(/\s+/);
  const wire = Buffer.from(b64, "base64");
  let wireType: Buffer;
  let off: number;
  try {
    [wireType, off] = sshString(wire, 0);
  } catch {
    throw new SopsError(SOPS_ERROR.invalidKey, "SSH public key does not parse");
  }
  if (wireType.toString() !== type) throw new SopsError(SOPS_ERROR.invalidKey, "SSH public key type mismatch");
  const tag = sshTag(wire);
  if (type === "ssh-ed25519") {
    const [edPub] = sshString(wire, off);
    const theirX = ed25519PublicToX25519(edPub);
    const tweak = hkdf(Buffer.alloc(0), wire, ED25519_LABEL);
    return {
      wrapFileKey(fileKey) {
        const eph = generateKeyPairSync("x25519");
        const share = Buffer.from(eph.publicKey.export({ format: "der", type: "spki" }).subarray(X25519_SPKI_PREFIX.length));
        const shared0 = diffieHellman({ privateKey: eph.privateKey, publicKey: x25519Public(theirX) });
        const shared = x25519(tweak, shared0);
        const wrap = hkdf(shared, Buffer.concat([share, theirX]), ED25519_LABEL);
        return [new Stanza(["ssh-ed25519", tag, b64raw(share)], aeadSeal(wrap, fileKey))];
      },
    };
  }
  if (type === "ssh-rsa") {
    const [e] = sshString(wire, off);
    const [n] = sshString(wire, off + 4 + e.length);
    const pub = createPublicKey({ key: { kty: "RSA", n: b64url(mpint(n)), e: b64url(mpint(e)) }, format: "jwk" });
    return {
      wrapFileKey(fileKey) {
        const body = publicEncrypt(
          { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(RSA_LABEL) },
          fileKey,
        );
        return [new Stanza(["ssh-rsa", tag], body)];
      },
    };
  }
  throw new SopsError(SOPS_ERROR.invalidKey, `unsupported SSH recipient type ${type.slice(0, 40)}`);
}

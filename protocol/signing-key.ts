import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";

/** An ed25519 key that signs (hub envelopes, spoke reports). The PEM is for persisting it; never log it. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  /** `ed25519:<base64url of the raw 32-byte public key>`: what is pinned and sent on the wire. */
  readonly publicKey: string;
  readonly keyId: string;
  readonly privateKeyPem: string;
}

/** A parsed public key. */
export interface VerifyKey {
  readonly key: KeyObject;
  readonly publicKey: string;
  readonly keyId: string;
}

const PUBLIC_RE = /^ed25519:([A-Za-z0-9_-]{43})$/;

function rawPublicFromKeyObject(key: KeyObject): string {
  const jwk = key.export({ format: "jwk" });
  if (jwk.crv !== "Ed25519" || typeof jwk.x !== "string") {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.keyInvalid, "not an ed25519 key");
  }
  return jwk.x;
}

/** First 16 hex characters of SHA-256 over the raw public key. */
export function keyIdOf(publicKey: string): string {
  const match = PUBLIC_RE.exec(publicKey);
  if (match?.[1] === undefined) throw new ProtocolError(PROTOCOL_ERROR_CODES.keyInvalid, "public key must look like ed25519:<base64url>");
  return createHash("sha256").update(Buffer.from(match[1], "base64url")).digest("hex").slice(0, 16);
}

export function generateSigningKey(): SigningKey {
  const { privateKey } = generateKeyPairSync("ed25519");
  return fromPrivateKey(privateKey);
}

function fromPrivateKey(privateKey: KeyObject): SigningKey {
  const publicKey = `ed25519:${rawPublicFromKeyObject(createPublicKey(privateKey))}`;
  return {
    privateKey,
    publicKey,
    keyId: keyIdOf(publicKey),
    privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

/** Loads a PKCS#8 PEM ed25519 private key (as written by generateSigningKey). */
export function loadSigningKey(pem: string, file?: string): SigningKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem" });
  } catch {
    // The parser's message could quote key material; say only what is wrong.
    throw new ProtocolError(PROTOCOL_ERROR_CODES.keyInvalid, "not a PEM private key", { file });
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.keyInvalid, `expected an ed25519 key, got ${String(key.asymmetricKeyType)}`, { file });
  }
  return fromPrivateKey(key);
}

/** Parses `ed25519:<base64url>` into a key node:crypto can verify with. */
export function parsePublicKey(publicKey: string, field = "publicKey"): VerifyKey {
  // A spoke checks every envelope against the same pinned key(s): importing the JWK each time cost
  // as much as the signature check itself. Keys are immutable, so a parsed key is shared.
  const hit = parsedKeys.get(publicKey);
  if (hit !== undefined) return hit;
  const match = PUBLIC_RE.exec(publicKey.trim());
  if (match?.[1] === undefined) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.keyInvalid, "public key must look like ed25519:<43 base64url chars>", { field });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: match[1] }, format: "jwk" });
  } catch {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.keyInvalid, "public key is not a valid ed25519 point", { field });
  }
  const parsed: VerifyKey = Object.freeze({ key, publicKey: publicKey.trim(), keyId: keyIdOf(publicKey.trim()) });
  if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.clear();
  parsedKeys.set(publicKey, parsed);
  return parsed;
}

/** Public keys only (nothing secret), a handful per process: pinned hub keys and registered spokes' status keys. */
const parsedKeys = new Map<string, VerifyKey>();
const MAX_PARSED_KEYS = 1024;

export function signBytes(data: Uint8Array, key: SigningKey): string {
  return sign(null, data, key.privateKey).toString("base64");
}

export function verifyBytes(data: Uint8Array, signature: string, key: VerifyKey): boolean {
  const sig = Buffer.from(signature, "base64");
  if (sig.length !== 64) return false;
  try {
    return verify(null, data, key.key, sig);
  } catch {
    return false;
  }
}

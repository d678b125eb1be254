import { createCipheriv, publicEncrypt, constants, type KeyObject } from "node:crypto";
import type { RandomSource } from "../../core/index.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** AES-256 session key, used once, so the all-zero GCM nonce is safe (upstream crypto.go). */
export const SESSION_KEY_BYTES = 32;
export const GCM_NONCE = new Uint8Array(12);
export const GCM_TAG_BYTES = 16;

/** The three parts of `u16be(len(rsa)) ‖ rsa ‖ gcm-ciphertext ‖ tag`. */
export interface HybridParts {
  readonly rsaCiphertext: Uint8Array;
  readonly aesCiphertext: Uint8Array;
  readonly tag: Uint8Array;
}

export interface HybridEncryptInput {
  readonly publicKey: KeyObject;
  readonly plaintext: Uint8Array;
  /** The scope label (see encryptionLabel). */
  readonly label: string;
  /** Source of the session key. RSA-OAEP's own seed comes from OpenSSL's CSPRNG. */
  readonly random: RandomSource;
}

/** Upstream `HybridEncrypt`: RSA-OAEP-SHA256(label) of a fresh AES-256-GCM key, zero nonce. */
export function hybridEncrypt(input: HybridEncryptInput): Uint8Array {
  const sessionKey = input.random(SESSION_KEY_BYTES);
  if (sessionKey.length !== SESSION_KEY_BYTES) throw new Error("random source returned the wrong number of bytes");
  const rsa = publicEncrypt(
    { key: input.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(input.label, "utf8") },
    sessionKey,
  );
  const cipher = createCipheriv("aes-256-gcm", sessionKey, GCM_NONCE);
  const body = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  sessionKey.fill(0);
  const out = new Uint8Array(2 + rsa.length + body.length + tag.length);
  new DataView(out.buffer).setUint16(0, rsa.length, false);
  out.set(rsa, 2);
  out.set(body, 2 + rsa.length);
  out.set(tag, 2 + rsa.length + body.length);
  return out;
}

/** Splits a hybrid ciphertext; throws SEALED_CIPHERTEXT_MALFORMED when it cannot hold its own parts. */
export function splitHybrid(ciphertext: Uint8Array, item?: string): HybridParts {
  if (ciphertext.length < 2) throw tooShort(item);
  const rsaLength = (ciphertext[0] << 8) | ciphertext[1];
  if (ciphertext.length < 2 + rsaLength + GCM_TAG_BYTES) throw tooShort(item);
  return {
    rsaCiphertext: ciphertext.subarray(2, 2 + rsaLength),
    aesCiphertext: ciphertext.subarray(2 + rsaLength, ciphertext.length - GCM_TAG_BYTES),
    tag: ciphertext.subarray(ciphertext.length - GCM_TAG_BYTES),
  };
}

function tooShort(item: string | undefined): SealedSecretsError {
  return new SealedSecretsError(SEALED_ERROR.malformedCiphertext, `${itemText(item)}sealed data is too short`, { item });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict standard base64 with padding (Go's StdEncoding); whitespace is not allowed inside a value. */
export function decodeSealedValue(value: string, item?: string): Uint8Array {
  if (value.length % 4 !== 0 || !BASE64.test(value)) {
    throw new SealedSecretsError(SEALED_ERROR.malformedCiphertext, `${itemText(item)}sealed value is not valid base64`, { item });
  }
  return new Uint8Array(Buffer.from(value, "base64"));
}

export function encodeSealedValue(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

export function itemText(item: string | undefined): string {
  return item === undefined ? "" : `item "${item}": `;
}

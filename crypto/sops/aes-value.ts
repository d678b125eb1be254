import { createCipheriv, createDecipheriv } from "node:crypto";
import type { RandomSource } from "../../core/index.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import { parseGoBool, parseGoFloat, parseGoInt, sopsTypeOf, toSopsBytes, type GoScalar } from "./go-values.js";

/** sops writes 32-byte IVs; any length is accepted on read (aes/cipher.go NewGCMWithNonceSize). */
const IV_SIZE = 32;
const TAG_SIZE = 16;
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/s;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export type SopsValueType = "str" | "int" | "float" | "bool" | "bytes" | "time" | "comment";

interface EncryptedValue {
  readonly data: Buffer;
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly type: string;
}

export function isEncryptedValue(s: unknown): s is string {
  return typeof s === "string" && s.startsWith("ENC[AES256_GCM,");
}

function decodeB64(part: string, what: string, field: string | undefined): Buffer {
  if (!B64_RE.test(part)) {
    throw new SopsError(SOPS_ERROR.malformedValue, `encrypted value has invalid base64 in its ${what}`, { field });
  }
  return Buffer.from(part, "base64");
}

function parseEncrypted(value: string, field: string | undefined): EncryptedValue {
  const m = ENC_RE.exec(value);
  if (m === null) {
    throw new SopsError(SOPS_ERROR.malformedValue, "value does not match the sops ENC[AES256_GCM,…] format", { field });
  }
  const [, data = "", iv = "", tag = "", type = ""] = m;
  const parsed = {
    data: decodeB64(data, "data", field),
    iv: decodeB64(iv, "iv", field),
    tag: decodeB64(tag, "tag", field),
    type,
  };
  if (parsed.iv.length === 0 || parsed.tag.length !== TAG_SIZE) {
    throw new SopsError(SOPS_ERROR.malformedValue, "encrypted value has an empty IV or a tag that is not 16 bytes", { field });
  }
  return parsed;
}

/** Raw AES-256-GCM open of an `ENC[…]` string; throws valueIntegrity when authentication fails. */
export function openEncryptedValue(
  value: string,
  key: Uint8Array,
  aad: string,
  field: string | undefined,
): { plaintext: Buffer; type: string } {
  const enc = parseEncrypted(value, field);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, enc.iv, { authTagLength: TAG_SIZE });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(enc.tag);
    const plaintext = Buffer.concat([decipher.update(enc.data), decipher.final()]);
    return { plaintext, type: enc.type };
  } catch {
    throw new SopsError(
      SOPS_ERROR.valueIntegrity,
      "could not decrypt value: AES-GCM authentication failed (the ciphertext or its key path was altered, or the data key is wrong)",
      { field },
    );
  }
}

/**
 * aes.Cipher.Decrypt: returns the typed Go value. `time` and `bytes` decode to their text, which is
 * also exactly the bytes sops hashes for them (MarshalText round-trips).
 */
export function decryptValue(value: string, key: Uint8Array, aad: string, field: string | undefined): GoScalar {
  if (value === "") return "";
  const { plaintext, type } = openEncryptedValue(value, key, aad, field);
  const text = plaintext.toString("utf8");
  const bad = (): never => {
    throw new SopsError(SOPS_ERROR.malformedValue, `decrypted value does not parse as its declared type "${type}"`, {
      field,
    });
  };
  switch (type) {
    case "str":
    case "bytes":
    case "time":
    case "comment":
      return text;
    case "int":
      return parseGoInt(text) ?? bad();
    case "float":
      return parseGoFloat(text) ?? bad();
    case "bool":
      return parseGoBool(text) ?? bad();
    default:
      throw new SopsError(SOPS_ERROR.malformedValue, `unknown encrypted value type "${type}"`, { field });
  }
}

/** aes.Cipher.Encrypt. Empty strings stay empty (sops never encrypts them). */
export function encryptValue(
  value: GoScalar,
  key: Uint8Array,
  aad: string,
  random: RandomSource,
  type: SopsValueType = sopsTypeOf(value),
): string {
  if (value === "") return "";
  const iv = Buffer.from(random(IV_SIZE));
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(toSopsBytes(value)), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}

import { createDecipheriv } from "node:crypto";
import { GCM_NONCE, itemText, splitHybrid } from "./hybrid-format.js";
import type { KeyRing } from "./open-key-ring.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

export interface HybridDecryptOptions {
  /** The encryptedData key, for error messages. */
  readonly item?: string | undefined;
  /** Fingerprints to try first. */
  readonly preferred?: readonly string[] | undefined;
}

export interface Decrypted {
  readonly plaintext: Uint8Array;
  /** The fingerprint of the key that opened it ("which key sealed what"). */
  readonly fingerprint: string;
}

/**
 * Upstream `HybridDecrypt` with per-key trial. Nothing is released unless the GCM tag verifies.
 * Errors: SEALED_CIPHERTEXT_MALFORMED (framing), SEALED_NO_KEY_COULD_DECRYPT (no key unwraps the
 * session key under this label), SEALED_INTEGRITY_CHECK_FAILED (unwrapped, but the data was altered).
 */
export function hybridDecrypt(keyRing: KeyRing, ciphertext: Uint8Array, label: string, options: HybridDecryptOptions = {}): Decrypted {
  const item = options.item;
  const parts = splitHybrid(ciphertext, item);
  const unwrapped = keyRing.unwrap(parts.rsaCiphertext, label, options.preferred);
  if (unwrapped === null) {
    throw new SealedSecretsError(SEALED_ERROR.noKeyCouldDecrypt, `no key could decrypt secret${item === undefined ? "" : ` (item "${item}")`}`, {
      item,
    });
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", unwrapped.sessionKey, GCM_NONCE);
    decipher.setAuthTag(parts.tag);
    const plaintext = Buffer.concat([decipher.update(parts.aesCiphertext), decipher.final()]);
    return { plaintext: new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length), fingerprint: unwrapped.fingerprint };
  } catch (err) {
    throw new SealedSecretsError(SEALED_ERROR.integrity, `${itemText(item)}integrity check failed: the sealed data was altered or truncated`, {
      item,
      cause: err,
    });
  }
}

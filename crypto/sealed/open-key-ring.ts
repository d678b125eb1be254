import { constants, createHash, privateDecrypt, type KeyObject } from "node:crypto";
import { SESSION_KEY_BYTES } from "./hybrid-format.js";
import { SEALED_ERROR, SealedSecretsError } from "./sealed-errors.js";

/** One controller key pair. `certificatePem` is absent for a bare PEM key without its cert. */
export interface SealingPrivateKey {
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly bits: number;
  readonly certificatePem: string | undefined;
  /** Cert NotBefore in ms (the controller's default key order); undefined without a cert. */
  readonly notBefore: number | undefined;
}

export interface KeyRingOptions {
  /**
   * How many unwrapped session keys to remember, keyed by a digest of (label, RSA block). A warm
   * resync of unchanged SealedSecrets then does no RSA private operation. 0 disables the cache.
   */
  readonly unwrapCacheSize?: number;
  /** Called after every RSA private-key operation (for metrics and the "warm resync does 0 RSA ops" check). */
  readonly onPrivateOperation?: (fingerprint: string) => void;
}

export interface Unwrapped {
  readonly sessionKey: Buffer;
  readonly fingerprint: string;
}

/**
 * The set of active keys: the newest seals, every one opens (like the controller's key registry).
 * Contract of `unwrap`: returns null when no key opens the block; never throws for a wrong key.
 */
export class KeyRing {
  /** Newest first (by cert NotBefore; keys without a cert keep their order after those with one). */
  readonly keys: readonly SealingPrivateKey[];
  private readonly cache = new Map<string, Unwrapped>();
  private readonly cacheSize: number;
  private readonly onPrivateOperation: ((fingerprint: string) => void) | undefined;
  private operations = 0;

  constructor(keys: readonly SealingPrivateKey[], options: KeyRingOptions = {}) {
    if (keys.length === 0) throw new SealedSecretsError(SEALED_ERROR.noKeys, "no sealing keys given");
    const unique = new Map<string, SealingPrivateKey>();
    for (const key of keys) if (!unique.has(key.fingerprint)) unique.set(key.fingerprint, key);
    this.keys = [...unique.values()].sort((a, b) => (b.notBefore ?? -Infinity) - (a.notBefore ?? -Infinity));
    this.cacheSize = options.unwrapCacheSize ?? 4096;
    this.onPrivateOperation = options.onPrivateOperation;
  }

  /** The key new secrets are sealed with. */
  get sealingKey(): SealingPrivateKey {
    return this.keys[0];
  }

  /** RSA private-key operations done so far by this ring (cache hits do none). */
  get privateOperations(): number {
    return this.operations;
  }

  has(fingerprint: string): boolean {
    return this.keys.some((k) => k.fingerprint === fingerprint);
  }

  /** Tries the `preferred` fingerprints first (e.g. from the sealed-by annotation), then every key, newest first. */
  unwrap(rsaCiphertext: Uint8Array, label: string, preferred: readonly string[] = []): Unwrapped | null {
    const cacheKey = this.cacheSize > 0 ? digest(rsaCiphertext, label) : "";
    const hit = this.cacheSize > 0 ? this.cache.get(cacheKey) : undefined;
    if (hit !== undefined) {
      this.cache.delete(cacheKey);
      this.cache.set(cacheKey, hit);
      return hit;
    }
    for (const key of this.trialOrder(preferred)) {
      const sessionKey = this.tryKey(key, rsaCiphertext, label);
      if (sessionKey === null) continue;
      const result = { sessionKey, fingerprint: key.fingerprint };
      if (this.cacheSize > 0) {
        this.cache.set(cacheKey, result);
        if (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value!);
      }
      return result;
    }
    return null;
  }

  private trialOrder(preferred: readonly string[]): SealingPrivateKey[] {
    const first = this.keys.filter((k) => preferred.includes(k.fingerprint));
    return [...first, ...this.keys.filter((k) => !preferred.includes(k.fingerprint))];
  }

  private tryKey(key: SealingPrivateKey, rsaCiphertext: Uint8Array, label: string): Buffer | null {
    // A block of another modulus size cannot be for this key: skip without an RSA operation.
    if (rsaCiphertext.length !== Math.ceil(key.bits / 8)) return null;
    this.operations++;
    this.onPrivateOperation?.(key.fingerprint);
    try {
      const sessionKey = privateDecrypt(
        { key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: Buffer.from(label, "utf8") },
        rsaCiphertext,
      );
      return sessionKey.length === SESSION_KEY_BYTES ? sessionKey : null;
    } catch {
      return null;
    }
  }
}

function digest(rsaCiphertext: Uint8Array, label: string): string {
  return createHash("sha256").update(label, "utf8").update("\0").update(rsaCiphertext).digest("base64");
}

export function createKeyRing(keys: readonly SealingPrivateKey[], options: KeyRingOptions = {}): KeyRing {
  return new KeyRing(keys, options);
}

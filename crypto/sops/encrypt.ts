import type { Clock, RandomSource } from "../../core/index.js";
import { encryptValue } from "./aes-value.js";
import { EncryptionDecider, normalizeRules, type CryptRules } from "./crypt-rules.js";
import { wrapDataKey, type KeySpec } from "./data-key.js";
import { ResolvedKeyRing, type SopsKeyRing } from "./key-ring.js";
import { loadStore } from "./load-store.js";
import { rfc3339Now } from "./rfc3339.js";
import { SOPS_ERROR, SopsError, isSopsError } from "./sops-errors.js";
import { metadataToPlain, type SopsMetadata } from "./sops-metadata.js";
import type { SopsFormat } from "./sops-store.js";
import { TreeCipher } from "./tree-cipher.js";

/** The sops release whose file format we write (the real CLI reads it; semver as sops expects). */
export const SOPS_FORMAT_VERSION = "3.10.2";

export interface SopsEncryptOptions {
  readonly format: SopsFormat;
  /** Key groups; one group means every key wraps the whole data key, several mean Shamir shares. */
  readonly keyGroups: readonly (readonly KeySpec[])[];
  /** Groups needed to recover the data key (default: all of them). */
  readonly shamirThreshold?: number | undefined;
  readonly rules?: CryptRules | undefined;
  /** Public PGP keys (to find fingerprints) and the KMS client factory. */
  readonly keys?: SopsKeyRing | ResolvedKeyRing | undefined;
  readonly random: RandomSource;
  readonly clock: Pick<Clock, "now">;
  readonly file?: string | undefined;
}

function withFile(err: unknown, file: string | undefined): never {
  if (isSopsError(err) && file !== undefined && err.file === undefined) {
    throw new SopsError(err.code, err.message, { file, field: err.field, cause: err });
  }
  throw err;
}

export async function ringOf(keys: SopsKeyRing | ResolvedKeyRing | undefined): Promise<ResolvedKeyRing> {
  return keys instanceof ResolvedKeyRing ? keys : ResolvedKeyRing.from(keys ?? {});
}

/** Encrypts a plaintext file (sops encrypt): new data key, every value per the rules, the MAC. */
export async function encryptSopsText(plaintext: string, opts: SopsEncryptOptions): Promise<string> {
  try {
    const store = loadStore(plaintext, opts.format, { encrypted: false });
    if (opts.format !== "binary" && store.metadata() !== undefined) {
      throw new SopsError(SOPS_ERROR.invalidRequest, "the file is already encrypted with sops (use rotate or updatekeys)");
    }
    const rules = normalizeRules(opts.rules ?? {});
    const ring = await ringOf(opts.keys);
    const dataKey = opts.random(32);
    const now = rfc3339Now(opts.clock.now());
    const wrapped = await wrapDataKey({
      groups: opts.keyGroups,
      threshold: opts.shamirThreshold ?? 0,
      dataKey,
      ring,
      random: opts.random,
      createdAt: now,
    });
    const cipher = new TreeCipher({
      mode: "encrypt",
      dataKey,
      decider: new EncryptionDecider(rules),
      macOnlyEncrypted: rules.macOnlyEncrypted === true,
      random: opts.random,
    });
    store.walk(cipher);
    const mac = encryptValue(cipher.macHex(), dataKey, now, opts.random);
    const metadata: SopsMetadata = {
      ...rules,
      lastModified: now,
      mac,
      version: SOPS_FORMAT_VERSION,
      shamirThreshold: wrapped.threshold,
      keyGroups: wrapped.groups,
    };
    store.setMetadata(metadataToPlain(metadata));
    return store.emit();
  } catch (err) {
    return withFile(err, opts.file);
  }
}


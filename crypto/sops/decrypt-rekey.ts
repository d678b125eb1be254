import type { Clock, RandomSource } from "../../core/index.js";
import { specsOf, unwrapDataKey, wrapDataKey, type KeySpec } from "./data-key.js";
import { decryptStore } from "./decrypt.js";
import { encryptValue } from "./aes-value.js";
import { EncryptionDecider } from "./crypt-rules.js";
import { encryptSopsText, ringOf, SOPS_FORMAT_VERSION } from "./encrypt.js";
import type { ResolvedKeyRing, SopsKeyRing } from "./key-ring.js";
import { loadStore } from "./load-store.js";
import { rfc3339Now } from "./rfc3339.js";
import { SOPS_ERROR, SopsError, isSopsError } from "./sops-errors.js";
import { metadataFromPlain, metadataToPlain } from "./sops-metadata.js";
import type { SopsFormat } from "./sops-store.js";
import { TreeCipher } from "./tree-cipher.js";

// Operations that need the data key of an existing file (so a private key): rotate, updatekeys.
// They live under a decrypt-* name so the hub's import rule keeps them out of reach.

function withFile(err: unknown, file: string | undefined): never {
  if (isSopsError(err) && file !== undefined && err.file === undefined) {
    throw new SopsError(err.code, err.message, { file, field: err.field, cause: err });
  }
  throw err;
}

export interface SopsReencryptOptions {
  readonly format: SopsFormat;
  readonly keys: SopsKeyRing | ResolvedKeyRing;
  readonly random: RandomSource;
  readonly clock: Pick<Clock, "now">;
  readonly ignoreMac?: boolean | undefined;
  readonly file?: string | undefined;
}

/** sops rotate: decrypt, then encrypt again with a new data key for the same keys and rules. */
export async function rotateSopsText(text: string, opts: SopsReencryptOptions): Promise<string> {
  try {
    const store = loadStore(text, opts.format, { encrypted: true });
    const ring = await ringOf(opts.keys);
    const { metadata } = await decryptStore(store, { keys: ring, ignoreMac: opts.ignoreMac, file: opts.file });
    return await encryptSopsText(store.emit(), {
      format: opts.format,
      keyGroups: specsOf(metadata.keyGroups),
      shamirThreshold: metadata.shamirThreshold,
      rules: metadata,
      keys: ring,
      random: opts.random,
      clock: opts.clock,
      file: opts.file,
    });
  } catch (err) {
    return withFile(err, opts.file);
  }
}

/**
 * sops updatekeys: keep the data key and every value, wrap the data key for a new set of key
 * groups. The MAC and lastmodified stay as they are (the MAC is checked first).
 */
export async function updateSopsKeys(
  text: string,
  opts: SopsReencryptOptions & {
    readonly keyGroups: readonly (readonly KeySpec[])[];
    readonly shamirThreshold?: number | undefined;
  },
): Promise<{ text: string; changed: boolean }> {
  try {
    const ring = await ringOf(opts.keys);
    const check = loadStore(text, opts.format, { encrypted: true });
    const { dataKey } = await decryptStore(check, { keys: ring, ignoreMac: opts.ignoreMac, file: opts.file });
    const store = loadStore(text, opts.format, { encrypted: true });
    const metadata = metadataFromPlain(store.metadata());
    const before = JSON.stringify(specsOf(metadata.keyGroups));
    if (before === JSON.stringify(opts.keyGroups) && (opts.shamirThreshold ?? metadata.shamirThreshold) === metadata.shamirThreshold) {
      return { text, changed: false };
    }
    const wrapped = await wrapDataKey({
      groups: opts.keyGroups,
      threshold: opts.shamirThreshold ?? 0,
      dataKey,
      ring,
      random: opts.random,
      createdAt: rfc3339Now(opts.clock.now()),
    });
    store.removeMetadata();
    store.setMetadata(metadataToPlain({ ...metadata, keyGroups: wrapped.groups, shamirThreshold: wrapped.threshold }));
    return { text: store.emit(), changed: true };
  } catch (err) {
    return withFile(err, opts.file);
  }
}

/**
 * sops edit / set / unset: decrypt, hand the plaintext to `change`, and encrypt what it returns
 * with the same data key, key groups and rules, a new MAC and lastmodified. When `change` returns
 * the plaintext unchanged, nothing is re-encrypted (`changed: false`, the input text back).
 */
export async function editSopsText(
  text: string,
  change: (plaintext: string) => string | Promise<string>,
  opts: SopsReencryptOptions,
): Promise<{ text: string; changed: boolean }> {
  try {
    const ring = await ringOf(opts.keys);
    const store = loadStore(text, opts.format, { encrypted: true });
    const { metadata, dataKey } = await decryptStore(store, { keys: ring, ignoreMac: opts.ignoreMac, file: opts.file });
    const plaintext = store.emit();
    const edited = await change(plaintext);
    if (edited === plaintext) return { text, changed: false };
    const next = loadStore(edited, opts.format, { encrypted: false });
    if (opts.format !== "binary" && next.metadata() !== undefined) {
      throw new SopsError(SOPS_ERROR.invalidRequest, "the edited file has a sops section of its own; remove it");
    }
    const now = rfc3339Now(opts.clock.now());
    const cipher = new TreeCipher({
      mode: "encrypt",
      dataKey,
      decider: new EncryptionDecider(metadata),
      macOnlyEncrypted: metadata.macOnlyEncrypted === true,
      random: opts.random,
    });
    next.walk(cipher);
    const mac = encryptValue(cipher.macHex(), dataKey, now, opts.random);
    next.setMetadata(metadataToPlain({ ...metadata, lastModified: now, mac, version: SOPS_FORMAT_VERSION }));
    return { text: next.emit(), changed: true };
  } catch (err) {
    return withFile(err, opts.file);
  }
}

/** Used by callers that only need to know which data key opens a file (tests, key audits). */
export async function unwrapSopsDataKey(text: string, format: SopsFormat, keys: SopsKeyRing | ResolvedKeyRing): Promise<Uint8Array> {
  const md = metadataFromPlain(loadStore(text, format, { encrypted: true }).metadata());
  return unwrapDataKey(md.keyGroups, md.shamirThreshold, await ringOf(keys));
}

import { timingSafeEqual } from "node:crypto";
import type { Logger } from "../../core/index.js";
import { decryptValue, isEncryptedValue } from "./aes-value.js";
import { EncryptionDecider } from "./crypt-rules.js";
import { unwrapDataKey } from "./data-key.js";
import { ResolvedKeyRing, type SopsKeyRing } from "./key-ring.js";
import { ObjectStore, loadStore } from "./load-store.js";
import { goRfc3339 } from "./rfc3339.js";
import { SOPS_ERROR, SopsError, isSopsError } from "./sops-errors.js";
import { metadataFromPlain, type SopsMetadata } from "./sops-metadata.js";
import type { SopsFormat, SopsStore } from "./sops-store.js";
import { TreeBranch, plainToTree } from "./sops-tree.js";
import { TreeCipher } from "./tree-cipher.js";

export interface SopsDecryptOptions {
  readonly format: SopsFormat;
  /** Key material, or a ring resolved once with `ResolvedKeyRing.from` and reused across files. */
  readonly keys: SopsKeyRing | ResolvedKeyRing;
  /** Skip the MAC check, as `sops --ignore-mac`. Values are still authenticated one by one. */
  readonly ignoreMac?: boolean | undefined;
  /** Named in errors. */
  readonly file?: string | undefined;
  /** Receives secret-free debug/warn records (which key opened the file, MAC skipped). */
  readonly logger?: Logger | undefined;
}

export interface SopsDecryptResult {
  /** The plaintext in the file's own format (YAML keeps comments and key order). */
  readonly text: string;
  /** Each document's data as plain values (YAML streams can hold several). */
  readonly documents: readonly unknown[];
  /** The first document's data (the binary store: the plaintext string). */
  readonly data: unknown;
  /** False only when ignoreMac let a missing or wrong MAC through. */
  readonly macVerified: boolean;
  readonly metadata: SopsMetadata;
}

/** Re-throws a SopsError with the file name attached (errors from inner layers do not know it). */
function withFile(err: unknown, file: string | undefined): never {
  if (isSopsError(err) && file !== undefined && err.file === undefined) {
    throw new SopsError(err.code, err.message, { file, field: err.field, cause: err });
  }
  throw err;
}

/** Decrypts the values of a loaded store in place and checks the MAC (decrypt/decrypt.go). */
export async function decryptStore(
  store: SopsStore,
  opts: Omit<SopsDecryptOptions, "format">,
): Promise<{ metadata: SopsMetadata; macVerified: boolean; dataKey: Uint8Array }> {
  const raw = store.metadata();
  if (raw === undefined) throw new SopsError(SOPS_ERROR.metadataNotFound, "sops metadata not found (the file is not encrypted with sops)");
  const metadata = metadataFromPlain(raw);
  store.removeMetadata();
  const ring = opts.keys instanceof ResolvedKeyRing ? opts.keys : await ResolvedKeyRing.from(opts.keys);
  const dataKey = await unwrapDataKey(metadata.keyGroups, metadata.shamirThreshold, ring);
  const cipher = new TreeCipher({
    mode: "decrypt",
    dataKey,
    decider: new EncryptionDecider(metadata),
    macOnlyEncrypted: metadata.macOnlyEncrypted === true,
  });
  store.walk(cipher);
  const computed = cipher.macHex();
  const macVerified = verifyMac(metadata, dataKey, computed, opts.ignoreMac === true);
  if (!macVerified) opts.logger?.warn({ file: opts.file }, "sops MAC not verified (--ignore-mac)");
  return { metadata, macVerified, dataKey };
}

function verifyMac(md: SopsMetadata, dataKey: Uint8Array, computed: string, ignore: boolean): boolean {
  if (md.mac === "") {
    if (ignore) return false;
    throw new SopsError(SOPS_ERROR.macMismatch, "MAC mismatch: the file has no MAC (use --ignore-mac to decrypt it anyway)", {
      field: "sops.mac",
    });
  }
  let stored: string;
  try {
    const v = decryptValue(md.mac, dataKey, goRfc3339(md.lastModified), "sops.mac");
    stored = typeof v === "string" ? v : "";
  } catch (err) {
    if (ignore) return false;
    throw new SopsError(SOPS_ERROR.macMismatch, "MAC mismatch: the stored MAC does not decrypt (lastmodified or mac was altered)", {
      field: "sops.mac",
      cause: err,
    });
  }
  const a = Buffer.from(stored, "utf8");
  const b = Buffer.from(computed, "utf8");
  const same = a.length === b.length && timingSafeEqual(a, b);
  if (!same && !ignore) {
    throw new SopsError(SOPS_ERROR.macMismatch, "MAC mismatch: the file was modified after it was encrypted (use --ignore-mac to decrypt it anyway)", {
      field: "sops.mac",
    });
  }
  return same;
}

/** Decrypts a SOPS file given as text, in any of sops' formats. */
export async function decryptSopsText(text: string, opts: SopsDecryptOptions): Promise<SopsDecryptResult> {
  try {
    const store = loadStore(text, opts.format, { encrypted: true });
    const { metadata, macVerified } = await decryptStore(store, opts);
    const documents = store.documents();
    return { text: store.emit(), documents, data: documents[0], macVerified, metadata };
  } catch (err) {
    return withFile(err, opts.file);
  }
}

/** The first path (`data.password`, `items[0]`) holding a SOPS ciphertext string, if any. */
export function findSopsCiphertext(value: unknown, path = ""): string | undefined {
  if (isEncryptedValue(value)) return path === "" ? "(root)" : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findSopsCiphertext(value[i], `${path}[${String(i)}]`);
      if (hit !== undefined) return hit;
    }
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      const hit = findSopsCiphertext(child, path === "" ? key : `${path}.${key}`);
      if (hit !== undefined) return hit;
    }
  }
  return undefined;
}

/**
 * True for a parsed object that must go through SOPS decryption: it has a top-level `sops` entry
 * of any shape, or any `ENC[AES256_GCM,…]` value anywhere. Deciding by `sops.mac` alone (as Flux
 * does) lets a Git writer delete the MAC and have the ciphertext applied as it is; with this test
 * removing or emptying any part of the metadata only makes decryption fail.
 */
export function isSopsEncrypted(obj: unknown): boolean {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return false;
  return Object.prototype.hasOwnProperty.call(obj, "sops") || findSopsCiphertext(obj) !== undefined;
}

/**
 * Decrypts a parsed SOPS-encrypted object (a Kubernetes manifest of any kind) and returns it
 * without the `sops` key. Key order is the object's own: integer-like keys and values a YAML 1.1
 * parser would read differently can change the MAC, so prefer decryptSopsText when the original
 * text is at hand.
 *
 * For what is applied to a cluster: ciphertext without metadata is refused (not passed through),
 * and a result still holding a ciphertext value (rules edited to skip it) is refused too.
 */
export async function decryptSopsObject(
  obj: unknown,
  keys: SopsKeyRing | ResolvedKeyRing,
  opts: { readonly ignoreMac?: boolean; readonly file?: string; readonly logger?: Logger } = {},
): Promise<Record<string, unknown>> {
  try {
    const tree = plainToTree(obj);
    if (!(tree instanceof TreeBranch)) throw new SopsError(SOPS_ERROR.invalidFormat, "a SOPS object must be a mapping");
    if (typeof obj === "object" && obj !== null && !Object.prototype.hasOwnProperty.call(obj, "sops")) {
      throw new SopsError(SOPS_ERROR.metadataNotFound, "holds a SOPS-encrypted value but no sops metadata: it cannot be verified or decrypted", {
        field: findSopsCiphertext(obj),
      });
    }
    const store = new ObjectStore(tree);
    await decryptStore(store, { keys, ignoreMac: opts.ignoreMac, file: opts.file, logger: opts.logger });
    const plain = store.documents()[0] as Record<string, unknown>;
    const left = findSopsCiphertext(plain);
    if (left !== undefined) {
      throw new SopsError(SOPS_ERROR.notDecrypted, "a value is still SOPS-encrypted after decryption (its encryption rules skip it)", { field: left });
    }
    return plain;
  } catch (err) {
    return withFile(err, opts.file);
  }
}

import { createHash, type Hash } from "node:crypto";
import type { RandomSource } from "../../core/index.js";
import { decryptValue, encryptValue, isEncryptedValue, openEncryptedValue } from "./aes-value.js";
import type { EncryptionDecider } from "./crypt-rules.js";
import { toSopsBytes, type GoScalar } from "./go-values.js";
import { SOPS_ERROR, SopsError, pathField } from "./sops-errors.js";

/** sha256("sops"): the MAC prefix when mac_only_encrypted is set, so the two MAC kinds never collide. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from("8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69", "hex");

/** The comment lines that precede the current item, one list per nesting level (sops' commentsStack). */
export type CommentsStack = readonly (readonly string[])[];

export interface TreeCipherOptions {
  readonly mode: "encrypt" | "decrypt";
  readonly dataKey: Uint8Array;
  readonly decider: EncryptionDecider;
  readonly macOnlyEncrypted: boolean;
  readonly random?: RandomSource | undefined;
}

/**
 * What sops.Tree.Encrypt / Tree.Decrypt do at each leaf, shared by every store's tree walk: decide
 * whether the leaf is encrypted, run AES-GCM with the path as AAD, and feed the plaintext into the
 * SHA-512 MAC in walk order.
 */
export class TreeCipher {
  readonly #opts: TreeCipherOptions;
  readonly #hash: Hash;
  readonly #random: RandomSource;

  constructor(opts: TreeCipherOptions) {
    this.#opts = opts;
    this.#random =
      opts.random ??
      (() => {
        throw new Error("TreeCipher: encrypt mode needs a RandomSource");
      });
    this.#hash = createHash("sha512");
    if (opts.macOnlyEncrypted) this.#hash.update(MAC_ONLY_ENCRYPTED_INIT);
  }

  /** A value leaf. In decrypt mode `value` is what the file holds; the return is what to write back. */
  value(value: GoScalar, path: readonly string[], commentsStack: CommentsStack): GoScalar {
    const encrypted = this.#opts.decider.shouldEncrypt(path, commentsStack, false);
    const aad = `${path.join(":")}:`;
    const field = pathField(path);
    if (this.#opts.mode === "encrypt") {
      if (!this.#opts.macOnlyEncrypted || encrypted) this.#hash.update(toSopsBytes(value));
      return encrypted ? encryptValue(value, this.#opts.dataKey, aad, this.#random) : value;
    }
    let plain = value;
    if (encrypted) {
      if (typeof value !== "string") {
        throw new SopsError(SOPS_ERROR.malformedValue, "expected an encrypted value (a string) but found a plain non-string value", {
          field,
        });
      }
      plain = decryptValue(value, this.#opts.dataKey, aad, field);
    }
    if (!this.#opts.macOnlyEncrypted || encrypted) this.#hash.update(toSopsBytes(plain));
    return plain;
  }

  /**
   * A comment line (text after `#`/`;`). Comments never enter the MAC. On decrypt, each AAD
   * candidate is tried in order (our YAML comment model differs from yaml.v3 in places) and a
   * comment that does not open is kept as it is, as sops does for files from older versions.
   */
  comment(text: string, aadPaths: readonly (readonly string[])[], commentsStack: CommentsStack): string {
    if (this.#opts.mode === "encrypt") {
      const path = aadPaths[0] ?? [];
      if (!this.#opts.decider.shouldEncrypt(path, commentsStack, true)) return text;
      return encryptValue(text, this.#opts.dataKey, `${path.join(":")}:`, this.#random, "comment");
    }
    if (!isEncryptedValue(text)) return text;
    for (const candidate of aadPaths) {
      try {
        return openEncryptedValue(text, this.#opts.dataKey, `${candidate.join(":")}:`, undefined).plaintext.toString("utf8");
      } catch {
        // try the next candidate
      }
    }
    return text;
  }

  /** The MAC as sops prints it: upper-case hex of the SHA-512 digest. */
  macHex(): string {
    return this.#hash.digest("hex").toUpperCase();
  }
}

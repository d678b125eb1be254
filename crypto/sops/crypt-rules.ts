import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/** Which values sops encrypts (at most one rule set per file; none means `_unencrypted` suffix). */
export interface CryptRules {
  readonly unencryptedSuffix?: string | undefined;
  readonly encryptedSuffix?: string | undefined;
  readonly unencryptedRegex?: string | undefined;
  readonly encryptedRegex?: string | undefined;
  readonly unencryptedCommentRegex?: string | undefined;
  readonly encryptedCommentRegex?: string | undefined;
  /** Only encrypted values go into the MAC (after a fixed 32-byte prefix). */
  readonly macOnlyEncrypted?: boolean | undefined;
}

export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

const RULE_NAMES = [
  "unencryptedSuffix",
  "encryptedSuffix",
  "unencryptedRegex",
  "encryptedRegex",
  "unencryptedCommentRegex",
  "encryptedCommentRegex",
] as const;

/** Go RE2 patterns are close enough to JS for sops rules; a leading `(?i)`-style flag group becomes a JS flag. */
export function goRegExp(pattern: string, what: string): RegExp {
  const m = /^\(\?([imsU]+)\)/.exec(pattern);
  const flags = m === null ? "" : [...new Set((m[1] ?? "").replace("U", "").split(""))].join("");
  try {
    return new RegExp(m === null ? pattern : pattern.slice(m[0].length), flags);
  } catch {
    throw new SopsError(SOPS_ERROR.invalidMetadata, `${what} is not a valid regular expression`);
  }
}

/** ToInternal's check: more than one rule is an error; none means the default unencrypted suffix. */
export function normalizeRules(rules: CryptRules): CryptRules {
  const set = RULE_NAMES.filter((name) => (rules[name] ?? "") !== "");
  if (set.length > 1) {
    throw new SopsError(
      SOPS_ERROR.invalidMetadata,
      "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file",
    );
  }
  if (set.length === 0) return { ...rules, unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX };
  return rules;
}

/** A compiled form of sops' Tree.shouldBeEncrypted. */
export class EncryptionDecider {
  readonly #rules: CryptRules;
  readonly #unencryptedRegex: RegExp | undefined;
  readonly #encryptedRegex: RegExp | undefined;
  readonly #unencryptedCommentRegex: RegExp | undefined;
  readonly #encryptedCommentRegex: RegExp | undefined;

  constructor(rules: CryptRules) {
    this.#rules = rules;
    const compile = (p: string | undefined, what: string): RegExp | undefined =>
      p === undefined || p === "" ? undefined : goRegExp(p, what);
    this.#unencryptedRegex = compile(rules.unencryptedRegex, "unencrypted_regex");
    this.#encryptedRegex = compile(rules.encryptedRegex, "encrypted_regex");
    this.#unencryptedCommentRegex = compile(rules.unencryptedCommentRegex, "unencrypted_comment_regex");
    this.#encryptedCommentRegex = compile(rules.encryptedCommentRegex, "encrypted_comment_regex");
  }

  get unencryptedCommentRegex(): RegExp | undefined {
    return this.#unencryptedCommentRegex;
  }

  shouldEncrypt(path: readonly string[], commentsStack: readonly (readonly string[])[], isComment: boolean): boolean {
    let encrypted = true;
    const us = this.#rules.unencryptedSuffix ?? "";
    if (us !== "" && path.some((p) => p.endsWith(us))) encrypted = false;
    const es = this.#rules.encryptedSuffix ?? "";
    if (es !== "") encrypted = path.some((p) => p.endsWith(es));
    if (this.#unencryptedRegex !== undefined) {
      const re = this.#unencryptedRegex;
      if (path.some((p) => re.test(p))) encrypted = false;
    }
    if (this.#encryptedRegex !== undefined) {
      const re = this.#encryptedRegex;
      encrypted = path.some((p) => re.test(p));
    }
    if (this.#unencryptedCommentRegex !== undefined) {
      const re = this.#unencryptedCommentRegex;
      if (commentsStack.some((cs) => cs.some((c) => re.test(c)))) encrypted = false;
    }
    if (this.#encryptedCommentRegex !== undefined) {
      const re = this.#encryptedCommentRegex;
      const lastLevel = commentsStack.length - 1;
      const lastLen = commentsStack[lastLevel]?.length ?? 0;
      encrypted = commentsStack.some((cs, i) =>
        // The comment line that matches the regex is itself left in clear.
        cs.some((c, j) => !(isComment && i === lastLevel && j === lastLen - 1) && re.test(c)),
      );
    }
    return encrypted;
  }
}

import { parse as parseYaml } from "yaml";
import type { CryptRules } from "./crypt-rules.js";
import { goRegExp } from "./crypt-rules.js";
import type { KeySpec } from "./data-key.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";

/** One `.sops.yaml` creation rule, resolved to key groups and encryption rules. */
export interface SopsCreationRule {
  readonly pathRegex?: string | undefined;
  readonly keyGroups: KeySpec[][];
  readonly shamirThreshold: number;
  readonly rules: CryptRules;
}

type Raw = Record<string, unknown>;

function splitList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.flatMap(splitList);
  if (typeof v !== "string") throw new SopsError(SOPS_ERROR.invalidRequest, ".sops.yaml: a key list holds a non-string");
  return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

function kmsSpecs(v: unknown, awsProfile: string | undefined): KeySpec[] {
  if (Array.isArray(v) && v.some((x) => typeof x === "object" && x !== null)) {
    return v.map((x) => {
      const e = x as Raw;
      const context = e.context as Record<string, string> | undefined;
      return { type: "kms", arn: String(e.arn), role: typeof e.role === "string" ? e.role : undefined, context, awsProfile: (e.aws_profile as string | undefined) ?? awsProfile };
    });
  }
  return splitList(v).map((arn) => {
    const at = arn.indexOf("+arn:");
    return at === -1
      ? { type: "kms", arn, awsProfile }
      : { type: "kms", arn: arn.slice(0, at), role: arn.slice(at + 1), awsProfile };
  });
}

function groupFrom(r: Raw): KeySpec[] {
  const profile = typeof r.aws_profile === "string" ? r.aws_profile : undefined;
  return [
    ...kmsSpecs(r.kms, profile),
    ...splitList(r.pgp).map((fp): KeySpec => ({ type: "pgp", fp })),
    ...splitList(r.age).map((recipient): KeySpec => ({ type: "age", recipient })),
  ];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Parses `.sops.yaml` (creation_rules only; stores and destination rules are ignored). */
export function parseSopsConfig(text: string): SopsCreationRule[] {
  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true });
  } catch {
    throw new SopsError(SOPS_ERROR.invalidRequest, ".sops.yaml does not parse", { file: ".sops.yaml" });
  }
  const rules = (doc as Raw | null)?.creation_rules;
  if (!Array.isArray(rules)) return [];
  return rules.map((x, i) => {
    const r = (x ?? {}) as Raw;
    const groups = Array.isArray(r.key_groups) ? r.key_groups.map((g) => groupFrom((g ?? {}) as Raw)) : [groupFrom(r)];
    if (groups.length === 0 || groups.every((g) => g.length === 0)) {
      throw new SopsError(SOPS_ERROR.invalidRequest, `.sops.yaml creation rule ${i} has no keys`, { file: ".sops.yaml" });
    }
    return {
      pathRegex: str(r.path_regex) ?? str(r.path_regexp) ?? str(r.filename_regex),
      keyGroups: groups,
      shamirThreshold: typeof r.shamir_threshold === "number" ? r.shamir_threshold : 0,
      rules: {
        unencryptedSuffix: str(r.unencrypted_suffix),
        encryptedSuffix: str(r.encrypted_suffix),
        unencryptedRegex: str(r.unencrypted_regex),
        encryptedRegex: str(r.encrypted_regex),
        unencryptedCommentRegex: str(r.unencrypted_comment_regex),
        encryptedCommentRegex: str(r.encrypted_comment_regex),
        macOnlyEncrypted: r.mac_only_encrypted === true,
      },
    };
  });
}

/** The first rule whose path_regex matches the file path (relative to the .sops.yaml directory). */
export function creationRuleFor(rules: readonly SopsCreationRule[], relPath: string): SopsCreationRule | undefined {
  return rules.find((r) => r.pathRegex === undefined || goRegExp(r.pathRegex, "path_regex").test(relPath));
}

import type { RandomSource } from "../../core/index.js";
import { kmsLocation, wrapAge, type ResolvedKeyRing } from "./key-ring.js";
import type { KeyGroup, MasterKey } from "./sops-metadata.js";
import { shamirCombine, shamirSplit } from "./shamir.js";
import { SOPS_ERROR, SopsError, isSopsError } from "./sops-errors.js";

/** A short, secret-free name for a master key in error messages. */
export function describeKey(k: MasterKey): string {
  switch (k.type) {
    case "age":
      return `age ${k.recipient.length > 70 ? `${k.recipient.slice(0, 40)}…` : k.recipient}`;
    case "pgp":
      return `pgp ${k.fp}`;
    case "kms":
      return `kms ${k.arn}`;
    default:
      return k.kind;
  }
}

/** sops' decryption order: age first, then pgp, then the rest. */
function orderOf(k: MasterKey): number {
  return k.type === "age" ? 0 : k.type === "pgp" ? 1 : 2;
}

async function unwrapOne(k: MasterKey, ring: ResolvedKeyRing): Promise<Uint8Array | null> {
  switch (k.type) {
    case "age":
      return ring.unwrapAge(k.enc);
    case "pgp":
      return ring.unwrapPgp(k.enc, k.fp);
    case "kms":
      return ring.unwrapKms(kmsLocation(k.arn, k.role, k.awsProfile), k.enc, k.context);
    default:
      throw new SopsError(SOPS_ERROR.unsupportedKeyType, `key type ${k.kind} is not supported by flotilla`);
  }
}

interface Problems {
  readonly lines: string[];
  /** Some key failed only because its type is unsupported; `missing` counts keys we had no key for. */
  unsupported: number;
  missing: number;
}

async function unwrapGroup(group: KeyGroup, ring: ResolvedKeyRing, problems: Problems): Promise<Uint8Array | null> {
  const sorted = group.map((k, i) => ({ k, i })).sort((a, b) => orderOf(a.k) - orderOf(b.k) || a.i - b.i);
  for (const { k } of sorted) {
    try {
      const part = await unwrapOne(k, ring);
      if (part !== null) return part;
      problems.lines.push(`${describeKey(k)}: no matching key given`);
      problems.missing++;
    } catch (err) {
      if (!isSopsError(err)) throw err;
      problems.lines.push(`${describeKey(k)}: ${err.message}`);
      if (err.code === SOPS_ERROR.unsupportedKeyType) problems.unsupported++;
    }
  }
  return null;
}

/** Metadata.GetDataKeyWithKeyServices: one key per group; Shamir-combine when there are several groups. */
export async function unwrapDataKey(groups: readonly KeyGroup[], threshold: number, ring: ResolvedKeyRing): Promise<Uint8Array> {
  const problems: Problems = { lines: [], unsupported: 0, missing: 0 };
  const parts: Uint8Array[] = [];
  for (const group of groups) {
    const part = await unwrapGroup(group, ring, problems);
    if (part !== null) parts.push(part);
  }
  const need = groups.length > 1 ? (threshold > 0 ? threshold : groups.length) : 1;
  if (parts.length >= need) {
    const key = groups.length > 1 ? shamirCombine(parts.slice(0, Math.max(need, 2))) : (parts[0]);
    if (key.length !== 32) throw new SopsError(SOPS_ERROR.noKeyCouldDecrypt, "the unwrapped data key is not 32 bytes");
    return key;
  }
  const onlyUnsupported = problems.unsupported > 0 && problems.missing === 0;
  const detail = problems.lines.join("; ");
  const groupsMsg = groups.length > 1 ? ` (recovered ${parts.length} of the ${need} key groups needed)` : "";
  throw new SopsError(
    onlyUnsupported ? SOPS_ERROR.unsupportedKeyType : SOPS_ERROR.noKeyCouldDecrypt,
    `could not unwrap the data key${groupsMsg}: ${detail || "no keys in file"}`,
    { field: "sops" },
  );
}

/** A key a user asks to encrypt for, before it holds an encrypted data key. */
export type KeySpec =
  | { readonly type: "age"; readonly recipient: string }
  | { readonly type: "pgp"; readonly fp: string }
  | {
      readonly type: "kms";
      readonly arn: string;
      readonly role?: string | undefined;
      readonly context?: Readonly<Record<string, string>> | undefined;
      readonly awsProfile?: string | undefined;
    };

/** UpdateMasterKeys: wrap the data key (or its Shamir shares) for every key of every group. */
export async function wrapDataKey(opts: {
  readonly groups: readonly (readonly KeySpec[])[];
  readonly threshold: number;
  readonly dataKey: Uint8Array;
  readonly ring: ResolvedKeyRing;
  readonly random: RandomSource;
  readonly createdAt: string;
}): Promise<{ groups: KeyGroup[]; threshold: number }> {
  const { groups } = opts;
  if (groups.length === 0 || groups.some((g) => g.length === 0)) {
    throw new SopsError(SOPS_ERROR.invalidRequest, "no keys to encrypt with: give --age, --pgp or --kms, or a .sops.yaml creation rule");
  }
  let threshold = 0;
  let parts: Uint8Array[] = [opts.dataKey];
  if (groups.length > 1) {
    threshold = opts.threshold > 0 ? opts.threshold : groups.length;
    parts = shamirSplit(opts.dataKey, groups.length, threshold, opts.random);
  }
  const out: KeyGroup[] = [];
  for (const [i, group] of groups.entries()) {
    const part = parts[i] ?? opts.dataKey;
    const wrapped: KeyGroup = [];
    for (const spec of group) {
      if (spec.type === "age") wrapped.push({ type: "age", recipient: spec.recipient, enc: await wrapAge(spec.recipient, part) });
      else if (spec.type === "pgp") {
        wrapped.push({ type: "pgp", fp: spec.fp, enc: await opts.ring.wrapPgp(spec.fp, part), createdAt: opts.createdAt });
      } else {
        const loc = kmsLocation(spec.arn, spec.role, spec.awsProfile);
        wrapped.push({
          type: "kms",
          arn: spec.arn,
          role: spec.role,
          context: spec.context,
          awsProfile: spec.awsProfile,
          enc: await opts.ring.wrapKms(loc, part, spec.context),
          createdAt: opts.createdAt,
        });
      }
    }
    out.push(wrapped);
  }
  return { groups: out, threshold };
}

/** The key specs of existing metadata (for rotate: same keys, new data key). */
export function specsOf(groups: readonly KeyGroup[]): KeySpec[][] {
  return groups.map((g) =>
    g.map((k): KeySpec => {
      if (k.type === "age") return { type: "age", recipient: k.recipient };
      if (k.type === "pgp") return { type: "pgp", fp: k.fp };
      if (k.type === "kms") return { type: "kms", arn: k.arn, role: k.role, context: k.context, awsProfile: k.awsProfile };
      throw new SopsError(SOPS_ERROR.unsupportedKeyType, `cannot re-wrap the data key for key type ${k.kind}`);
    }),
  );
}

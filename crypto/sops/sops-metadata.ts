import { normalizeRules, type CryptRules } from "./crypt-rules.js";
import { SOPS_ERROR, SopsError } from "./sops-errors.js";
import { SopsComment, TreeBranch, type TreeValue } from "./sops-tree.js";

export interface AgeMasterKey {
  readonly type: "age";
  readonly recipient: string;
  enc: string;
}
export interface PgpMasterKey {
  readonly type: "pgp";
  readonly fp: string;
  enc: string;
  createdAt: string;
}
export interface KmsMasterKey {
  readonly type: "kms";
  readonly arn: string;
  readonly role?: string | undefined;
  readonly context?: Readonly<Record<string, string>> | undefined;
  readonly awsProfile?: string | undefined;
  enc: string;
  createdAt: string;
}
/** A key type we carry through unchanged but cannot use (gcp_kms, azure_kv, hc_vault, hckms). */
export interface OtherMasterKey {
  readonly type: "other";
  readonly kind: string;
  readonly fields: Readonly<Record<string, string>>;
}
export type MasterKey = AgeMasterKey | PgpMasterKey | KmsMasterKey | OtherMasterKey;
export type KeyGroup = MasterKey[];

export interface SopsMetadata extends CryptRules {
  readonly lastModified: string;
  readonly mac: string;
  readonly version: string;
  readonly shamirThreshold: number;
  readonly keyGroups: KeyGroup[];
}

const KEY_KINDS = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "age", "pgp"] as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

type Plain = Record<string, unknown>;

function str(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  throw new SopsError(SOPS_ERROR.invalidMetadata, "metadata field has a non-scalar value where a string is expected", {
    field: "sops",
  });
}

function list(v: unknown, field: string): Plain[] {
  if (v === undefined || v === null || v === "") return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== "object" || x === null || Array.isArray(x))) {
    throw new SopsError(SOPS_ERROR.invalidMetadata, "expected a list of key entries", { field });
  }
  return v as Plain[];
}

function createdAt(e: Plain, field: string): string {
  const c = str(e.created_at);
  if (!RFC3339.test(c)) throw new SopsError(SOPS_ERROR.invalidMetadata, "created_at is not an RFC 3339 time", { field });
  return c;
}

function groupFrom(src: Plain, field: string): KeyGroup {
  const group: KeyGroup = [];
  // sops' internalGroupFrom order: kms, gcp_kms, hckms, azure_kv, hc_vault, pgp, age.
  for (const kind of ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp", "age"] as const) {
    list(src[kind], `${field}.${kind}`).forEach((e, i) => {
      const f = `${field}.${kind}[${i}]`;
      if (kind === "age") group.push({ type: "age", recipient: str(e.recipient), enc: str(e.enc) });
      else if (kind === "pgp") group.push({ type: "pgp", fp: str(e.fp), enc: str(e.enc), createdAt: createdAt(e, f) });
      else if (kind === "kms") {
        const ctx = e.context;
        let context: Record<string, string> | undefined;
        if (ctx !== undefined && ctx !== null && ctx !== "") {
          if (typeof ctx !== "object" || Array.isArray(ctx)) {
            throw new SopsError(SOPS_ERROR.invalidMetadata, "kms context must be a mapping", { field: f });
          }
          context = Object.fromEntries(Object.entries(ctx as Plain).map(([k, v]) => [k, str(v)]));
        }
        group.push({
          type: "kms",
          arn: str(e.arn),
          role: str(e.role) || undefined,
          context,
          awsProfile: str(e.aws_profile) || undefined,
          enc: str(e.enc),
          createdAt: createdAt(e, f),
        });
      } else {
        createdAt(e, f);
        group.push({ type: "other", kind, fields: Object.fromEntries(Object.entries(e).map(([k, v]) => [k, str(v)])) });
      }
    });
  }
  return group;
}

function hasTopLevelKeys(m: Plain): boolean {
  return KEY_KINDS.some((k) => list(m[k], `sops.${k}`).length > 0);
}

/** stores.ExtractMetadata + metadata.ToInternal, from the `sops` mapping as plain data. */
export function metadataFromPlain(m: unknown): SopsMetadata {
  if (m === undefined) throw new SopsError(SOPS_ERROR.metadataNotFound, "sops metadata not found (the file is not encrypted with sops)");
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new SopsError(SOPS_ERROR.invalidMetadata, "the sops entry is not a mapping", { field: "sops" });
  }
  const md = m as Plain;
  const lastModified = str(md.lastmodified);
  if (!RFC3339.test(lastModified)) {
    throw new SopsError(SOPS_ERROR.invalidMetadata, "lastmodified is not an RFC 3339 time", { field: "sops.lastmodified" });
  }
  let keyGroups: KeyGroup[];
  if (hasTopLevelKeys(md)) keyGroups = [groupFrom(md, "sops")];
  else {
    const groups = list(md.key_groups, "sops.key_groups");
    if (groups.length === 0) throw new SopsError(SOPS_ERROR.invalidMetadata, "no keys found in file", { field: "sops" });
    keyGroups = groups.map((g, i) => groupFrom(g, `sops.key_groups[${i}]`));
  }
  const threshold = str(md.shamir_threshold);
  const macOnly = str(md.mac_only_encrypted).toLowerCase();
  const rules = normalizeRules({
    unencryptedSuffix: str(md.unencrypted_suffix) || undefined,
    encryptedSuffix: str(md.encrypted_suffix) || undefined,
    unencryptedRegex: str(md.unencrypted_regex) || undefined,
    encryptedRegex: str(md.encrypted_regex) || undefined,
    unencryptedCommentRegex: str(md.unencrypted_comment_regex) || undefined,
    encryptedCommentRegex: str(md.encrypted_comment_regex) || undefined,
  });
  return {
    ...rules,
    macOnlyEncrypted: macOnly === "true" || macOnly === "1",
    lastModified,
    mac: str(md.mac),
    version: str(md.version),
    shamirThreshold: threshold === "" ? 0 : Number.parseInt(threshold, 10),
    keyGroups,
  };
}

function keyEntry(k: MasterKey): [string, Plain] {
  switch (k.type) {
    case "age":
      return ["age", { enc: k.enc, recipient: k.recipient }];
    case "pgp":
      return ["pgp", { created_at: k.createdAt, enc: k.enc, fp: k.fp }];
    case "kms": {
      const e: Plain = { arn: k.arn, aws_profile: k.awsProfile ?? "", created_at: k.createdAt, enc: k.enc };
      if (k.role !== undefined && k.role !== "") e.role = k.role;
      if (k.context !== undefined && Object.keys(k.context).length > 0) e.context = { ...k.context };
      return ["kms", e];
    }
    default:
      return [k.kind, { ...k.fields }];
  }
}

function groupToPlain(group: KeyGroup): Plain {
  const out: Record<string, Plain[]> = {};
  for (const k of group) {
    const [kind, entry] = keyEntry(k);
    (out[kind] ??= []).push(entry);
  }
  return out;
}

/** metadataFromInternal: the `sops` mapping as plain data (SerializeMetadata sorts keys itself). */
export function metadataToPlain(md: SopsMetadata): Plain {
  const out: Plain = { lastmodified: md.lastModified, mac: md.mac, version: md.version };
  if (md.keyGroups.length === 1) Object.assign(out, groupToPlain(md.keyGroups[0] ?? []));
  else {
    out.key_groups = md.keyGroups.map(groupToPlain);
    if (md.shamirThreshold > 0) out.shamir_threshold = md.shamirThreshold;
  }
  const rules: [string, string | undefined][] = [
    ["unencrypted_suffix", md.unencryptedSuffix],
    ["encrypted_suffix", md.encryptedSuffix],
    ["unencrypted_regex", md.unencryptedRegex],
    ["encrypted_regex", md.encryptedRegex],
    ["unencrypted_comment_regex", md.unencryptedCommentRegex],
    ["encrypted_comment_regex", md.encryptedCommentRegex],
  ];
  for (const [k, v] of rules) if (v !== undefined && v !== "") out[k] = v;
  if (md.macOnlyEncrypted === true) out.mac_only_encrypted = true;
  return out;
}

/** goToSops: plain data to a tree with every mapping's keys sorted by name, as sops emits metadata. */
export function plainToSortedTree(v: unknown): TreeValue {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(plainToSortedTree);
  if (typeof v === "object") {
    const entries = Object.entries(v as Plain).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return new TreeBranch(entries.map(([key, value]) => ({ key, value: plainToSortedTree(value) })));
  }
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return v;
  return null;
}

/** sopsToGo: a metadata tree back to plain data. */
export function treeToMetadataPlain(v: TreeValue): unknown {
  if (v instanceof TreeBranch) {
    const out: Plain = {};
    for (const item of v.items) if (!(item.key instanceof SopsComment)) out[item.key] = treeToMetadataPlain(item.value);
    return out;
  }
  if (Array.isArray(v)) return v.filter((x) => !(x instanceof SopsComment)).map(treeToMetadataPlain);
  if (typeof v === "bigint") return v.toString();
  return v instanceof SopsComment ? undefined : v;
}

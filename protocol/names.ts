import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";

/** The wire protocol version this build speaks. */
export const PROTOCOL_VERSION = 1 as const;

/** One NATS subject token and one KV key: lower-case letters, digits and `-`, alphanumeric at both ends. */
const NAME_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const DESIRED_BUCKET = "flotilla-desired";
export const STATUS_BUCKET = "flotilla-status";
export const BUNDLE_BUCKET_PREFIX = "flotilla-bundles-";

export function isValidClusterName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Throws CLUSTER_NAME_INVALID unless `name` is a valid cluster or fleet name. */
export function assertClusterName(name: string, field = "cluster"): string {
  if (!isValidClusterName(name)) {
    throw new ProtocolError(
      PROTOCOL_ERROR_CODES.nameInvalid,
      `"${name.slice(0, 80)}" is not a valid ${field} name (1-63 of [a-z0-9-], alphanumeric at both ends)`,
      { field },
    );
  }
  return name;
}

/** Subjects under a fleet prefix; every argument is validated so no name can inject tokens or wildcards. */
export const subjects = {
  notify: (fleet: string, cluster: string): string => `flotilla.${assertClusterName(fleet, "fleet")}.notify.${assertClusterName(cluster)}`,
  status: (fleet: string, cluster: string): string => `flotilla.${assertClusterName(fleet, "fleet")}.status.${assertClusterName(cluster)}`,
  hello: (fleet: string, cluster: string): string => `flotilla.${assertClusterName(fleet, "fleet")}.hello.${assertClusterName(cluster)}`,
  /** What the hub subscribes to: every cluster's status or hello. */
  allStatus: (fleet: string): string => `flotilla.${assertClusterName(fleet, "fleet")}.status.*`,
  allHello: (fleet: string): string => `flotilla.${assertClusterName(fleet, "fleet")}.hello.*`,
} as const;

export type SubjectKind = "notify" | "status" | "hello";

/** Splits `flotilla.<fleet>.<kind>.<cluster>`; null for anything else. */
export function parseSubject(subject: string): { fleet: string; kind: SubjectKind; cluster: string } | null {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "flotilla") return null;
  const [, fleet = "", kind = "", cluster = ""] = parts;
  if (kind !== "notify" && kind !== "status" && kind !== "hello") return null;
  if (!isValidClusterName(fleet) || !isValidClusterName(cluster)) return null;
  return { fleet, kind, cluster };
}

export function bundleBucket(cluster: string): string {
  return `${BUNDLE_BUCKET_PREFIX}${assertClusterName(cluster)}`;
}

export function inboxPrefix(cluster: string): string {
  return `_INBOX_${assertClusterName(cluster)}`;
}

/** Connection options every spoke must use: the default `_INBOX.` prefix is denied by its permissions. */
export function spokeConnectOptions(cluster: string): { inboxPrefix: string } {
  return { inboxPrefix: inboxPrefix(cluster) };
}

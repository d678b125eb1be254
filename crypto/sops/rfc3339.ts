/**
 * time.Time.Format(time.RFC3339) of a parsed RFC 3339 string: fraction dropped, `T` and `Z`
 * upper-case, a zero offset printed as `Z`. The MAC's AAD is this form, not the stored text.
 */
export function goRfc3339(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (m === null) return s;
  const zone = m[3] === undefined || /^[Zz]$/.test(m[3]) || m[3] === "+00:00" || m[3] === "-00:00" ? "Z" : m[3];
  return `${m[1] ?? ""}T${m[2] ?? ""}${zone}`;
}

/** Now, as sops writes lastmodified / created_at (UTC, whole seconds). */
export function rfc3339Now(nowMs: number): string {
  return `${new Date(Math.floor(nowMs / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

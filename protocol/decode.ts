import type { z } from "zod";
import { PROTOCOL_VERSION } from "./names.js";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** JSON bytes of a message (not canonical: canonical form is only for signing). */
export function encodeMessage(message: object): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

/**
 * Deepest nesting of arrays and objects a message (or bundle) may have. JSON.parse accepts any
 * depth, but signing, digests and apply walk values recursively and overflow the stack near 2 000
 * levels; no Kubernetes object or protocol message comes close to this bound.
 */
export const MAX_JSON_DEPTH = 256;

/** True when a parsed JSON (or YAML) value nests deeper than `limit`, measured without recursion. */
export function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Bytes or text → JSON value; PROTOCOL_MALFORMED when it is not. */
export function parseJson(input: Uint8Array | string, what: string): unknown {
  try {
    return JSON.parse(typeof input === "string" ? input : decoder.decode(input)) as unknown;
  } catch {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, `${what} is not UTF-8 JSON`);
  }
}

/**
 * Validates a decoded value against `schema`, checking the protocol version first so that a newer
 * peer gets PROTOCOL_VERSION_UNSUPPORTED rather than a confusing schema error.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, `${what} must be a JSON object`);
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, `${what} nests deeper than ${String(MAX_JSON_DEPTH)} levels`);
  }
  const version = (value as Record<string, unknown>).protocol;
  if (version !== undefined && version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      PROTOCOL_ERROR_CODES.versionUnsupported,
      `${what} uses protocol version ${JSON.stringify(version)}; this build speaks version ${String(PROTOCOL_VERSION)}`,
      { field: "protocol" },
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue === undefined ? undefined : issue.path.map(String).join(".");
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, `${what} is invalid: ${issue?.message ?? "schema mismatch"}`, { field });
  }
  return result.data;
}

/** Parses JSON bytes straight into a schema. */
export function decodeWith<S extends z.ZodType>(schema: S, input: Uint8Array | string, what: string): z.infer<S> {
  return parseWith(schema, parseJson(input, what), what);
}

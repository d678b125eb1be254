import type { z } from "zod";
import { PROTOCOL_VERSION } from "./names.js";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** JSON bytes of a message (not canonical: canonical form is only for signing). */
export function encodeMessage(message: object): Uint8Array {
  return encoder.encode(JSON.stringify(message));
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

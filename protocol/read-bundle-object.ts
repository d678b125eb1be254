import type { NatsConnection } from "@nats-io/transport-node";
import { z } from "zod";
import { parseJson, parseWith } from "./decode.js";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";

/** The fields of an object's metadata record (written by @nats-io/obj on the hub) that a reader needs. */
const objectMetaSchema = z.object({
  nuid: z.string().regex(/^[A-Za-z0-9]+$/),
  size: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  deleted: z.boolean().optional(),
});

const REQUEST_TIMEOUT_MS = 10_000;

/** `$O.<bucket>.M.<name>` encodes the name as padded base64url, as @nats-io/obj does. */
function metaSubject(bucket: string, object: string): string {
  const b64 = Buffer.from(object, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return `$O.${bucket}.M.${b64}`;
}

/** One body-form direct get on the object stream; null for 404 (no such message). */
async function directGet(nc: NatsConnection, stream: string, query: Record<string, unknown>): Promise<{ data: Uint8Array; seq: number } | null> {
  const reply = await nc.request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify(query), { timeout: REQUEST_TIMEOUT_MS });
  const code = reply.headers?.code ?? 0;
  if (code === 404) return null;
  if (code !== 0) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.transport, `direct get on ${stream} answered ${String(code)} ${reply.headers?.description ?? ""}`.trim());
  }
  const seq = Number(reply.headers?.get("Nats-Sequence"));
  if (!Number.isSafeInteger(seq) || seq < 1) throw new ProtocolError(PROTOCOL_ERROR_CODES.transport, `direct get on ${stream} answered without a sequence`);
  return { data: reply.data, seq };
}

/**
 * Reads one object of the spoke's own bucket by direct get alone: the metadata record, then each
 * chunk in stream order (`next_by_subj`). Unlike @nats-io/obj's get it needs no consumer, so the
 * spoke's account imports no consumer create (whose `deliver_subject` would name a subject in the
 * hub's account) and no flow control. The bytes are checked by the caller against the signed digest.
 * Returns null when the object does not exist or is deleted.
 */
export async function readBundleObject(nc: NatsConnection, options: { bucket: string; object: string; maxBytes: number }): Promise<Uint8Array | null> {
  const stream = `OBJ_${options.bucket}`;
  const meta = await directGet(nc, stream, { last_by_subj: metaSubject(options.bucket, options.object) });
  if (meta === null) return null;
  const info = parseWith(objectMetaSchema, parseJson(meta.data, "object metadata"), "object metadata");
  if (info.deleted === true) return null;
  if (info.size > options.maxBytes) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.bundleSize, `bundle object ${options.object} has ${String(info.size)} bytes, the signed size is ${String(options.maxBytes)}`, { field: "bundleRef" });
  }
  const out = new Uint8Array(info.size);
  let filled = 0;
  let seq = 1;
  for (let i = 0; i < info.chunks; i++) {
    const chunk = await directGet(nc, stream, { seq, next_by_subj: `$O.${options.bucket}.C.${info.nuid}` });
    if (chunk === null || filled + chunk.data.length > info.size) break;
    out.set(chunk.data, filled);
    filled += chunk.data.length;
    seq = chunk.seq + 1;
  }
  if (filled !== info.size) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.bundleObjectMissing, `bundle object ${options.object} in ${options.bucket} is incomplete`, { field: "bundleRef" });
  }
  return out;
}

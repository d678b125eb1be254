import { canonicalJson } from "./canonical-json.js";
import { decodeWith } from "./decode.js";
import { parseSubject, PROTOCOL_VERSION } from "./names.js";
import { PROTOCOL_ERROR_CODES, ProtocolError } from "./protocol-errors.js";
import {
  heartbeatSchema,
  helloSchema,
  notifySchema,
  statusReportSchema,
  type HeartbeatMessage,
  type HelloMessage,
  type NotifyMessage,
  type StatusReport,
  type HelloInput,
  type HeartbeatInput,
  type StatusReportInput,
} from "./schemas.js";
import { parsePublicKey, signBytes, verifyBytes, type SigningKey } from "./signing-key.js";

type SpokeMessage = HelloMessage | HeartbeatMessage | StatusReport;

const DOMAINS = {
  Hello: "flotilla.dev/hello/v1\n",
  Heartbeat: "flotilla.dev/heartbeat/v1\n",
  StatusReport: "flotilla.dev/status/v1\n",
} as const;

function signingBytes(kind: keyof typeof DOMAINS, message: Record<string, unknown>): Uint8Array {
  const { signature: _signature, ...rest } = message;
  return Buffer.from(DOMAINS[kind] + canonicalJson(rest), "utf8");
}

/** Spoke side: sign with the spoke's status key. Pass the message without `protocol`/`signature`. */
export function signHello(message: HelloInput, key: SigningKey): HelloMessage {
  const unsigned = { labels: {}, heartbeatSeconds: 15, ...message, protocol: PROTOCOL_VERSION, kind: "Hello" as const, statusKey: key.publicKey };
  return { ...unsigned, signature: signBytes(signingBytes("Hello", unsigned), key) };
}

export function signHeartbeat(message: HeartbeatInput, key: SigningKey): HeartbeatMessage {
  const unsigned = { ...message, protocol: PROTOCOL_VERSION, kind: "Heartbeat" as const };
  return { ...unsigned, signature: signBytes(signingBytes("Heartbeat", unsigned), key) };
}

export function signStatusReport(message: StatusReportInput, key: SigningKey): StatusReport {
  const unsigned = { ...message, protocol: PROTOCOL_VERSION, kind: "StatusReport" as const };
  return { ...unsigned, signature: signBytes(signingBytes("StatusReport", unsigned), key) };
}

/** Hub side: true when `message` was signed by `publicKey` (`ed25519:…`). */
export function verifySpokeMessage(message: SpokeMessage, publicKey: string): boolean {
  return verifyBytes(signingBytes(message.kind, message), message.signature, parsePublicKey(publicKey));
}

/** The hub's notify hint; with `announce`, it also asks the spoke to send Hello again. */
export function createNotify(input: { fleet: string; cluster: string; generation: number; revision: string; announce?: boolean }): NotifyMessage {
  return { protocol: PROTOCOL_VERSION, kind: "Notify", ...input };
}

export function decodeNotify(data: Uint8Array): NotifyMessage {
  return decodeWith(notifySchema, data, "notify");
}

/** Largest spoke message the hub accepts. */
export const MAX_SPOKE_MESSAGE_BYTES = 512 * 1024;

/**
 * Largest Hello `keyBackup` (age-armored key List, about 10 KiB per RSA-4096 key) the hub keeps;
 * a spoke does not send a larger one. Leaves room in the Hello and in the hub's status record.
 */
export const MAX_KEY_BACKUP_BYTES = 384 * 1024;

export interface IncomingSpokeMessage {
  readonly subject: string;
  readonly reply?: string | undefined;
  readonly data: Uint8Array;
}

/**
 * Hub side: decodes a message received on a hello or status subject and checks it belongs there.
 * Rejects (PROTOCOL_MALFORMED) a `$JS.ACK.` reply (a JetStream delivery redirected by a spoke's
 * consumer `deliver_subject`), a subject/body cluster or fleet mismatch, and oversized messages.
 * The signature is checked by the caller, which knows the registered key.
 */
export function decodeSpokeMessage(incoming: IncomingSpokeMessage, fleet: string): SpokeMessage {
  if (incoming.reply?.startsWith("$JS.ACK.") === true) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, "redirected JetStream delivery ($JS.ACK reply) dropped", { field: "reply" });
  }
  const parsed = parseSubject(incoming.subject);
  if (parsed === null || parsed.kind === "notify" || parsed.fleet !== fleet) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, `unexpected subject ${incoming.subject.slice(0, 200)}`, { field: "subject" });
  }
  if (incoming.data.length > MAX_SPOKE_MESSAGE_BYTES) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.malformed, `message of ${String(incoming.data.length)} bytes exceeds ${String(MAX_SPOKE_MESSAGE_BYTES)}`);
  }
  let message: SpokeMessage;
  if (parsed.kind === "status") {
    message = decodeWith(statusReportSchema, incoming.data, "status report");
  } else {
    const kind = peekKind(incoming.data);
    message = kind === "Heartbeat" ? decodeWith(heartbeatSchema, incoming.data, "heartbeat") : decodeWith(helloSchema, incoming.data, "hello");
  }
  if (message.cluster !== parsed.cluster || message.fleet !== parsed.fleet) {
    throw new ProtocolError(PROTOCOL_ERROR_CODES.wrongCluster, `message for ${message.fleet}/${message.cluster} arrived on ${incoming.subject}`, {
      field: "cluster",
    });
  }
  return message;
}

function peekKind(data: Uint8Array): string | undefined {
  try {
    const value = JSON.parse(Buffer.from(data).toString("utf8")) as unknown;
    return typeof value === "object" && value !== null ? String((value as Record<string, unknown>).kind) : undefined;
  } catch {
    return undefined;
  }
}

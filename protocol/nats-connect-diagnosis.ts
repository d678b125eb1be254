import { connect, type ConnectionOptions } from "@nats-io/transport-node";

// With reconnects on, nats.js reports a first connection that the server drops during the TLS
// handshake (a client certificate it does not trust, or none at all) only as "timeout", 20 s
// later. One extra connection without reconnects fails at once with the real reason; it is made
// only after such a failure, so a healthy start costs nothing.

const CAUSES: readonly { readonly pattern: RegExp; readonly hint: string }[] = [
  {
    pattern: /alert bad certificate|alert number 42\b|certificate required|alert number 116\b/i,
    hint: "the NATS server rejected this client's TLS certificate, or wants one: pass --tls-cert and --tls-key signed by the CA it trusts",
  },
  {
    pattern: /unable to verify|self[- ]signed certificate|unable to get local issuer|certificate has expired|does not match certificate/i,
    hint: "the NATS server's TLS certificate is not trusted: pass the CA that signed it with --tls-ca",
  },
  { pattern: /authorization violation|authentication (failed|expired)/i, hint: "the NATS server refused this client's credentials (--nkey or --creds)" },
];

function rawMessage(err: unknown): string {
  // OpenSSL prefixes its messages with an address and a source path; neither helps the reader.
  return (err instanceof Error ? err.message : String(err)).replace(/^[0-9A-F]{8,}:error:[0-9A-F]+:/, "").replace(/:\.\.\/deps\/[^:]+:\d+:/, ": ");
}

/** The error's message, with a hint in front when it is a TLS or credentials problem we recognise. */
export function describeNatsConnectError(err: unknown): string {
  const raw = rawMessage(err);
  const cause = CAUSES.find((c) => c.pattern.test(raw));
  return cause === undefined ? raw : `${cause.hint} (${raw})`;
}

/**
 * Why a first connection made with `options` failed: for a timeout, probes without reconnects find
 * the handshake error nats.js hid (a reset can overtake the server's TLS alert, so up to three);
 * anything else is described as it is.
 */
export async function explainNatsConnectFailure(err: unknown, options: ConnectionOptions): Promise<string> {
  if (!/timeout/i.test(rawMessage(err))) return describeNatsConnectError(err);
  const { reconnect: _reconnect, maxReconnectAttempts: _max, waitOnFirstConnect: _wait, ...rest } = options;
  let last: unknown = err;
  for (let probe = 0; probe < 3; probe++) {
    try {
      const nc = await connect({ ...rest, reconnect: false, timeout: 5_000, name: `${rest.name ?? "flotilla"}-diagnosis` });
      await nc.close();
      return describeNatsConnectError(err);
    } catch (probeErr) {
      last = probeErr;
      if (CAUSES.some((c) => c.pattern.test(rawMessage(probeErr)))) return describeNatsConnectError(probeErr);
    }
  }
  const raw = rawMessage(last);
  if (rest.tls !== undefined && /ECONNRESET|socket hang up|EPIPE/.test(raw)) {
    return `the NATS server closed the connection during the TLS handshake: check that --tls-cert is signed by the CA it trusts (${raw})`;
  }
  return describeNatsConnectError(last);
}

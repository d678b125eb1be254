import { readFile } from "node:fs/promises";
import { connect, credsAuthenticator, nkeyAuthenticator, type NatsConnection } from "@nats-io/transport-node";
import { FlotillaError } from "../core/index.js";
import { explainNatsConnectFailure } from "../protocol/index.js";

export interface NatsConnectOptions {
  readonly servers: string | readonly string[];
  /** An nkey user seed file (`flotilla nats-config` writes DIR/hub.nk). */
  readonly nkeyFile?: string | undefined;
  /** A NATS .creds file (JWT + seed), the other supported credential. */
  readonly credsFile?: string | undefined;
  readonly tls?: { readonly caFile?: string | undefined; readonly certFile?: string | undefined; readonly keyFile?: string | undefined } | undefined;
  readonly name?: string | undefined;
  readonly inboxPrefix?: string | undefined;
}

/** Connects with nkey or creds auth and optional TLS; errors never echo the seed. */
export async function connectNats(options: NatsConnectOptions): Promise<NatsConnection> {
  let authenticator;
  if (options.nkeyFile !== undefined) {
    const seed = (await readKeyFile(options.nkeyFile)).trim();
    authenticator = nkeyAuthenticator(new TextEncoder().encode(seed));
  } else if (options.credsFile !== undefined) {
    authenticator = credsAuthenticator(new TextEncoder().encode(await readKeyFile(options.credsFile)));
  }
  const tls =
    options.tls === undefined
      ? undefined
      : { caFile: options.tls.caFile, certFile: options.tls.certFile, keyFile: options.tls.keyFile };
  const connectOptions = {
    servers: typeof options.servers === "string" ? options.servers : [...options.servers],
    authenticator,
    tls,
    name: options.name ?? "flotilla-hub",
    inboxPrefix: options.inboxPrefix,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
  };
  try {
    return await connect(connectOptions);
  } catch (err) {
    throw new FlotillaError("NATS_CONNECT_FAILED", `cannot connect to NATS at ${String(options.servers)}: ${await explainNatsConnectFailure(err, connectOptions)}`, { cause: err });
  }
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new FlotillaError("NATS_CREDENTIALS_UNREADABLE", "cannot read the NATS credentials file", { file });
  }
}

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { FlotillaError } from "../core/index.js";

/** `--tls-ca`, `--tls-cert`, `--tls-key`: the NATS client side of TLS, named alike on hub and spoke. */
export interface NatsTlsFlags {
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** The PEM files nats.js reads when it connects (absolute paths). */
export interface NatsTlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export function addNatsTlsFlags(command: Command): Command {
  return command
    .option("--tls-ca <file>", "CA (PEM) that signed the NATS server certificate; turns TLS on")
    .option("--tls-cert <file>", "client certificate (PEM) for NATS servers that verify clients (with --tls-key)")
    .option("--tls-key <file>", "client private key (PEM) for --tls-cert");
}

const PEM_LABELS = { "--tls-ca": /-----BEGIN CERTIFICATE-----/, "--tls-cert": /-----BEGIN CERTIFICATE-----/, "--tls-key": /-----BEGIN [A-Z ]*PRIVATE KEY-----/ } as const;

/**
 * Resolves the TLS flags against the working directory and checks each file now, so a typo is a
 * clear INVALID_FLAG at start-up rather than a connect loop retrying forever. Never echoes content.
 */
export function natsTlsFrom(flags: NatsTlsFlags, cwd: string): NatsTlsFiles | undefined {
  if (flags.tlsCa === undefined && flags.tlsCert === undefined && flags.tlsKey === undefined) return undefined;
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new FlotillaError("INVALID_FLAG", "--tls-cert and --tls-key go together", { field: flags.tlsCert === undefined ? "--tls-cert" : "--tls-key" });
  }
  const checked = (path: string | undefined, field: keyof typeof PEM_LABELS): string | undefined => {
    if (path === undefined) return undefined;
    const file = resolve(cwd, path);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new FlotillaError("INVALID_FLAG", "cannot read the file", { file: path, field });
    }
    if (!PEM_LABELS[field].test(text)) {
      throw new FlotillaError("INVALID_FLAG", field === "--tls-key" ? "not a PEM private key" : "not a PEM certificate", { file: path, field });
    }
    return file;
  };
  const caFile = checked(flags.tlsCa, "--tls-ca");
  const certFile = checked(flags.tlsCert, "--tls-cert");
  const keyFile = checked(flags.tlsKey, "--tls-key");
  return {
    ...(caFile === undefined ? {} : { caFile }),
    ...(certFile === undefined ? {} : { certFile }),
    ...(keyFile === undefined ? {} : { keyFile }),
  };
}

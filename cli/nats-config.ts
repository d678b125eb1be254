import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import { FlotillaError } from "../core/index.js";
import { renderNatsConfig } from "../hub/index.js";
import { assertClusterName } from "../protocol/index.js";
import type { CommandRegistrar } from "./context.js";

interface NatsConfigOptions {
  fleet: string;
  clusters: string;
  out: string;
  listen: string;
  storeDir?: string;
  maxPayload?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsVerify?: boolean;
}

/** Reuses an existing seed so regenerating (e.g. to add a cluster) never rotates other users' keys. */
async function userSeed(file: string): Promise<{ publicKey: string; created: boolean }> {
  let existing: string | undefined;
  try {
    existing = (await readFile(file, "utf8")).trim();
  } catch {
    existing = undefined;
  }
  if (existing !== undefined) {
    try {
      return { publicKey: nkeys.fromSeed(new TextEncoder().encode(existing)).getPublicKey(), created: false };
    } catch {
      throw new FlotillaError("NKEY_INVALID", "existing file is not an nkey user seed; move it away to regenerate", { file });
    }
  }
  const pair = nkeys.createUser();
  await writeFile(file, `${new TextDecoder().decode(pair.getSeed())}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { publicKey: pair.getPublicKey(), created: true };
}

export const registerNatsConfig: CommandRegistrar = (program, ctx) => {
  program
    .command("nats-config")
    .description("write a nats-server config with one locked-down nkey user per spoke plus the hub user")
    .requiredOption("--fleet <name>", "fleet name (subject prefix flotilla.<fleet>.…)")
    .requiredOption("--clusters <names>", "comma-separated cluster names ([a-z0-9-])")
    .requiredOption("--out <dir>", "directory for nats-server.conf, hub.nk and <cluster>.nk")
    .option("--listen <host:port>", "client listen address", "0.0.0.0:4222")
    .option("--store-dir <dir>", "JetStream store directory (default <out>/jetstream)")
    .option("--max-payload <bytes>", "server max_payload (default: the server's 1 MiB)")
    .option("--tls-cert <file>", "server TLS certificate")
    .option("--tls-key <file>", "server TLS key")
    .option("--tls-ca <file>", "CA that signs client certificates (with --tls-verify)")
    .option("--tls-verify", "require every client (hub and spokes) to present a certificate signed by --tls-ca")
    .action(async (opts: NatsConfigOptions) => {
      const fleet = assertClusterName(opts.fleet, "fleet");
      const clusters = [...new Set(opts.clusters.split(",").map((c) => c.trim()).filter((c) => c !== ""))];
      if (clusters.length === 0) throw new FlotillaError("INVALID_FLAG", "no cluster names given", { field: "--clusters" });
      for (const cluster of clusters) {
        assertClusterName(cluster);
        if (cluster === "hub") throw new FlotillaError("INVALID_FLAG", `"hub" is reserved for the hub's seed file`, { field: "--clusters" });
      }
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
        throw new FlotillaError("INVALID_FLAG", "--tls-cert and --tls-key go together", { field: "--tls-cert" });
      }
      if (opts.tlsVerify === true && (opts.tlsCa === undefined || opts.tlsCert === undefined)) {
        throw new FlotillaError("INVALID_FLAG", "--tls-verify needs --tls-cert, --tls-key and the --tls-ca that signs client certificates", { field: "--tls-verify" });
      }
      const maxPayload = opts.maxPayload === undefined ? undefined : Number(opts.maxPayload);
      if (maxPayload !== undefined && (!Number.isInteger(maxPayload) || maxPayload < 1024)) {
        throw new FlotillaError("INVALID_FLAG", "must be an integer of at least 1024", { field: "--max-payload" });
      }
      const out = isAbsolute(opts.out) ? opts.out : resolve(ctx.cwd, opts.out);
      await mkdir(out, { recursive: true, mode: 0o700 });
      const hub = await userSeed(join(out, "hub.nk"));
      const spokes = new Map<string, string>();
      for (const cluster of clusters) spokes.set(cluster, (await userSeed(join(out, `${cluster}.nk`))).publicKey);
      const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(ctx.cwd, p));
      const conf = renderNatsConfig({
        fleet,
        spokes,
        hubPublicKey: hub.publicKey,
        listen: opts.listen,
        storeDir: abs(opts.storeDir) ?? join(out, "jetstream"),
        maxPayload,
        tls: opts.tlsCert === undefined || opts.tlsKey === undefined ? undefined : { cert: resolve(ctx.cwd, opts.tlsCert), key: resolve(ctx.cwd, opts.tlsKey), ca: abs(opts.tlsCa), verify: opts.tlsVerify },
      });
      await writeFile(join(out, "nats-server.conf"), conf, { mode: 0o600 });
      ctx.stdout.write(`wrote ${join(out, "nats-server.conf")}\n`);
      ctx.stdout.write(`hub user ${hub.publicKey} (seed ${join(out, "hub.nk")})\n`);
      for (const [cluster, key] of spokes) ctx.stdout.write(`spoke ${cluster} user ${key} (seed ${join(out, `${cluster}.nk`)})\n`);
    });
};

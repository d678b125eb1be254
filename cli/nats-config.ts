import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { nkeys } from "@nats-io/transport-node";
import bcrypt from "bcryptjs";
import { FlotillaError } from "../core/index.js";
import { leafUserName, renderLeafConfig, renderNatsConfig, spokeAccount, type LeafUser, type NatsConfigInput } from "../hub/index.js";
import { assertClusterName } from "../protocol/index.js";
import type { CommandRegistrar } from "./context.js";
import { collect } from "./flag-collectors.js";

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
  clusterSize?: string;
  routes?: string;
  clusterName?: string;
  serverNames?: string;
  clusterListen?: string;
  leafnodeListen?: string;
  leafnodeAdvertise?: string;
  leaf?: string[];
  leafRemote?: string;
  leafListen: string;
}

const splitList = (value: string | undefined): string[] => (value ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");

/** One value for every server, or exactly one per server. */
function perServer(value: string | undefined, count: number, field: string): string[] | undefined {
  const values = splitList(value);
  if (values.length === 0) return undefined;
  if (values.length === 1) return Array.from({ length: count }, () => values[0] ?? "");
  if (values.length !== count) throw new FlotillaError("INVALID_FLAG", `give one value, or one per server (${String(count)})`, { field });
  return values;
}

function hostPort(value: string, field: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  const port = Number(m?.[2]);
  if (m === null || !Number.isInteger(port) || port < 1 || port > 65535) throw new FlotillaError("INVALID_FLAG", `expected host:port, got ${JSON.stringify(value)}`, { field });
  return { host: m[1] ?? "", port };
}

interface ClusterLayout {
  readonly names: readonly string[];
  readonly listen: readonly string[];
  readonly clusterListen: readonly string[];
  readonly routes: readonly string[];
  readonly leafnodeListen: readonly string[] | undefined;
  readonly leafnodeAdvertise: readonly string[] | undefined;
  readonly storeDirs: readonly string[] | undefined;
}

/** Server names, addresses and routes of a cluster from --cluster-size/--routes and the per-server lists. */
function clusterLayout(opts: NatsConfigOptions, fleet: string): ClusterLayout | undefined {
  const routes = splitList(opts.routes);
  const size = opts.clusterSize === undefined ? routes.length : Number(opts.clusterSize);
  if (opts.clusterSize === undefined && routes.length === 0) return undefined;
  if (!Number.isInteger(size) || size < 1 || size > 32) throw new FlotillaError("INVALID_FLAG", "must be an integer from 1 to 32", { field: "--cluster-size" });
  if (routes.length > 0 && routes.length !== size) throw new FlotillaError("INVALID_FLAG", `${String(routes.length)} routes for ${String(size)} servers: give one route URL per server`, { field: "--routes" });
  const names = splitList(opts.serverNames);
  if (names.length > 0 && names.length !== size) throw new FlotillaError("INVALID_FLAG", `give one name per server (${String(size)})`, { field: "--server-names" });
  const serverNames = names.length > 0 ? names : Array.from({ length: size }, (_, i) => `nats-${String(i)}`);
  for (const n of serverNames) assertClusterName(n, "--server-names");
  if (new Set(serverNames).size !== size) throw new FlotillaError("INVALID_FLAG", "server names must differ", { field: "--server-names" });
  const listen = perServer(opts.listen, size, "--listen") ?? [];
  const clusterListen = perServer(opts.clusterListen, size, "--cluster-listen") ?? listen.map((l) => `${hostPort(l, "--listen").host}:6222`);
  for (const c of clusterListen) hostPort(c, "--cluster-listen");
  let routeUrls = routes;
  if (routeUrls.length === 0) {
    // Without --routes, the servers must be told apart by their cluster addresses (one host, several ports).
    if (new Set(clusterListen).size !== size) {
      throw new FlotillaError("INVALID_FLAG", "give --routes (one URL per server), or one distinct --cluster-listen per server", { field: "--routes" });
    }
    routeUrls = clusterListen.map((c) => {
      const { host, port } = hostPort(c, "--cluster-listen");
      return `nats-route://${host === "0.0.0.0" ? "127.0.0.1" : host}:${String(port)}`;
    });
  }
  for (const r of routeUrls) {
    if (!/^nats-route:\/\/[^/\s]+:\d+$/.test(r)) throw new FlotillaError("INVALID_FLAG", `route ${JSON.stringify(r)} is not nats-route://host:port`, { field: "--routes" });
  }
  const clusterName = opts.clusterName ?? `flotilla-${fleet}`;
  assertClusterName(clusterName, "--cluster-name");
  return {
    names: serverNames,
    listen,
    clusterListen,
    routes: routeUrls,
    leafnodeListen: perServer(opts.leafnodeListen, size, "--leafnode-listen"),
    leafnodeAdvertise: perServer(opts.leafnodeAdvertise, size, "--leafnode-advertise"),
    storeDirs: perServer(opts.storeDir, size, "--store-dir"),
  };
}

/** `--leaf REGION:c1,c2` → region and its clusters. */
function parseLeaf(value: string, known: ReadonlySet<string>): { region: string; clusters: string[] } {
  const at = value.indexOf(":");
  const region = value.slice(0, at);
  const clusters = splitList(value.slice(at + 1));
  if (at <= 0 || clusters.length === 0) throw new FlotillaError("INVALID_FLAG", `expected REGION:cluster[,cluster…], got ${JSON.stringify(value)}`, { field: "--leaf" });
  assertClusterName(region, "--leaf");
  for (const c of clusters) {
    if (!known.has(c)) throw new FlotillaError("INVALID_FLAG", `cluster ${c} of region ${region} is not in --clusters`, { field: "--leaf" });
  }
  return { region, clusters };
}

/** Reuses an existing leaf password so regenerating keeps the links of running leaf servers. */
async function leafPassword(file: string): Promise<string> {
  try {
    const existing = (await readFile(file, "utf8")).trim();
    if (/^[0-9a-f]{48}$/.test(existing)) return existing;
    throw new FlotillaError("INVALID_FLAG", "existing file is not a leaf password written by nats-config; move it away to regenerate", { file });
  } catch (err) {
    if (err instanceof FlotillaError) throw err;
  }
  const password = randomBytes(24).toString("hex");
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
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
    .option("--cluster-size <n>", "write the configs of an N-server JetStream cluster (nats-server-<name>.conf each)")
    .option("--routes <urls>", "route URLs of every server, comma-separated (nats-route://host:6222); sets the cluster size")
    .option("--cluster-name <name>", "cluster name (default flotilla-<fleet>)")
    .option("--server-names <names>", "server names, comma-separated (default nats-0 … nats-N-1, the StatefulSet's pod names)")
    .option("--cluster-listen <host:port>", "route listen address: one for all servers, or one per server (default <listen host>:6222)")
    .option("--leafnode-listen <host:port>", "accept regional leaf servers here: one for all servers, or one per server")
    .option("--leafnode-advertise <host:port>", "address leaf servers reach each server at (Service/load balancer): one for all, or one per server")
    .option("--leaf <region:clusters>", "write leaf-<region>.conf for a regional leaf server holding these clusters' spoke accounts; repeatable", collect)
    .option("--leaf-remote <urls>", "leaf-node URLs of the hub cluster the leaf servers dial, comma-separated (nats-leaf://host:7422)")
    .option("--leaf-listen <host:port>", "client listen address of the leaf servers", "0.0.0.0:4222")
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
      const layout = clusterLayout(opts, fleet);
      const leafs = (opts.leaf ?? []).map((l) => parseLeaf(l, new Set(clusters)));
      if (new Set(leafs.map((l) => l.region)).size !== leafs.length) throw new FlotillaError("INVALID_FLAG", "a region is given twice", { field: "--leaf" });
      if (leafs.length > 0) {
        if (opts.leafnodeListen === undefined) throw new FlotillaError("INVALID_FLAG", "--leaf needs --leafnode-listen, where the hub side accepts leaf servers", { field: "--leafnode-listen" });
        if (splitList(opts.leafRemote).length === 0) throw new FlotillaError("INVALID_FLAG", "--leaf needs --leaf-remote, the hub cluster's leaf-node URLs", { field: "--leaf-remote" });
        if (opts.tlsCert !== undefined) throw new FlotillaError("INVALID_FLAG", "leaf links over TLS are not generated yet: add tls blocks to leafnodes by hand, or run leafs without --tls-*", { field: "--leaf" });
        for (const r of splitList(opts.leafRemote)) {
          if (!/^nats-leaf:\/\/[^/\s@]+:\d+$/.test(r)) throw new FlotillaError("INVALID_FLAG", `${JSON.stringify(r)} is not nats-leaf://host:port`, { field: "--leaf-remote" });
        }
        hostPort(opts.leafListen, "--leaf-listen");
      }
      await mkdir(out, { recursive: true, mode: 0o700 });
      const hub = await userSeed(join(out, "hub.nk"));
      const spokes = new Map<string, string>();
      for (const cluster of clusters) spokes.set(cluster, (await userSeed(join(out, `${cluster}.nk`))).publicKey);
      const abs = (p: string | undefined): string | undefined => (p === undefined ? undefined : resolve(ctx.cwd, p));
      const leafUsers: LeafUser[] = [];
      const leafPasswords = new Map<string, string>();
      for (const { region, clusters: inRegion } of leafs) {
        const password = await leafPassword(join(out, `leaf-${region}.password`));
        leafPasswords.set(region, password);
        const hash = bcrypt.hashSync(password, 11);
        for (const c of inRegion) leafUsers.push({ user: leafUserName(region, c), passwordHash: hash, account: spokeAccount(c) });
      }
      const base: NatsConfigInput = {
        fleet,
        spokes,
        hubPublicKey: hub.publicKey,
        listen: opts.listen,
        storeDir: abs(opts.storeDir) ?? join(out, "jetstream"),
        maxPayload,
        tls: opts.tlsCert === undefined || opts.tlsKey === undefined ? undefined : { cert: resolve(ctx.cwd, opts.tlsCert), key: resolve(ctx.cwd, opts.tlsKey), ca: abs(opts.tlsCa), verify: opts.tlsVerify },
      };
      if (layout === undefined) {
        const leafnodes = opts.leafnodeListen === undefined ? undefined : { listen: opts.leafnodeListen, advertise: opts.leafnodeAdvertise, users: leafUsers };
        if (leafnodes !== undefined) hostPort(leafnodes.listen, "--leafnode-listen");
        await writeFile(join(out, "nats-server.conf"), renderNatsConfig({ ...base, leafnodes }), { mode: 0o600 });
        ctx.stdout.write(`wrote ${join(out, "nats-server.conf")}\n`);
      } else {
        const clusterName = opts.clusterName ?? `flotilla-${fleet}`;
        for (const [i, name] of layout.names.entries()) {
          const leafListen = layout.leafnodeListen?.[i];
          if (leafListen !== undefined) hostPort(leafListen, "--leafnode-listen");
          const conf = renderNatsConfig({
            ...base,
            serverName: name,
            listen: layout.listen[i] ?? opts.listen,
            // One store per server: a shared --store-dir is the same path on different machines (a PVC each).
            storeDir: abs(layout.storeDirs?.[i]) ?? join(out, "jetstream", name),
            cluster: { name: clusterName, listen: layout.clusterListen[i] ?? "", routes: layout.routes },
            leafnodes: leafListen === undefined ? undefined : { listen: leafListen, advertise: layout.leafnodeAdvertise?.[i], users: leafUsers },
          });
          await writeFile(join(out, `nats-server-${name}.conf`), conf, { mode: 0o600 });
          ctx.stdout.write(`wrote ${join(out, `nats-server-${name}.conf`)} (cluster ${clusterName}, routes ${layout.routes.join(",")})\n`);
        }
      }
      for (const { region, clusters: inRegion } of leafs) {
        const conf = renderLeafConfig({
          fleet,
          region,
          spokes: new Map(inRegion.map((c) => [c, spokes.get(c) ?? ""])),
          listen: opts.leafListen,
          remotes: splitList(opts.leafRemote),
          password: leafPasswords.get(region) ?? "",
          maxPayload,
        });
        await writeFile(join(out, `leaf-${region}.conf`), conf, { mode: 0o600 });
        ctx.stdout.write(`wrote ${join(out, `leaf-${region}.conf`)} (region ${region}: ${inRegion.join(", ")}; holds the leaf password, keep it secret)\n`);
      }
      ctx.stdout.write(`hub user ${hub.publicKey} (seed ${join(out, "hub.nk")})\n`);
      for (const [cluster, key] of spokes) ctx.stdout.write(`spoke ${cluster} user ${key} (seed ${join(out, `${cluster}.nk`)})\n`);
    });
};

import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findNatsServer, waitForPort } from "./nats-server.js";
import { freePort } from "./free-port.js";

// Real nats-server processes that a test can kill and start again: an N-server JetStream cluster and a
// leaf-node server. Each node keeps its ports and store dir across restarts, so a restarted node
// rejoins its cluster and recovers its streams, as a restarted pod would.

/** Where one node of a cluster listens; handed to `configs` to render the node's config file. */
export interface NatsNodeAddress {
  readonly index: number;
  /** `server_name`; also the name of its store dir. */
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly leafPort: number;
  readonly storeDir: string;
}

/** One nats-server process that can be stopped, killed and started again on the same ports and store. */
export interface NatsNode {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  running(): boolean;
  /** SIGTERM (lame-duck free, graceful), then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; nothing is flushed. */
  kill(): Promise<void>;
  /** Starts the process again; resolves once it accepts TCP connections. */
  start(): Promise<void>;
  /** Everything this node printed, across restarts. */
  log(): string;
}

export interface NatsClusterNode extends NatsNode {
  readonly address: NatsNodeAddress;
  /** `nats-leaf://127.0.0.1:<leafPort>`: where leaf servers connect. */
  readonly leafUrl: string;
}

export interface NatsClusterHandle {
  readonly nodes: readonly NatsClusterNode[];
  /** Client URLs of every node (give all of them to a client so it fails over). */
  readonly urls: readonly string[];
  /** The same, comma-joined: what `--nats` of the hub and spoke take. */
  readonly url: string;
  /** Leafnode URLs of every node, for a leaf server's remote. */
  readonly leafUrls: readonly string[];
  readonly dir: string;
  /** Stops every node and removes the directory. */
  stop(): Promise<void>;
}

export interface StartNatsClusterOptions {
  /** Number of servers (default 3). */
  readonly size?: number;
  /** Cluster name (default `flotilla`). */
  readonly name?: string;
  /**
   * Extra config appended to every node's generated config (users, accounts, `leafnodes { authorization … }`
   * is not needed for anonymous leafs). Ignored when `configs` is given.
   */
  readonly config?: string;
  /**
   * Complete configs, one per node, e.g. written by `flotilla nats-config --routes …`. Gets every node's
   * ports and store dir first. Each must set `listen`, `cluster`, `jetstream` and (for leafs) `leafnodes`
   * from the address it is given.
   */
  readonly configs?: (nodes: readonly NatsNodeAddress[]) => Promise<readonly string[]> | readonly string[];
  /** Milliseconds to wait for each node to listen (default 20 s). */
  readonly readyTimeoutMs?: number;
}

/** Config of one cluster node without users: JetStream, routes to every node, a leafnode listener. */
export function clusterNodeConfig(node: NatsNodeAddress, all: readonly NatsNodeAddress[], clusterName: string, extra = ""): string {
  return [
    `server_name: ${JSON.stringify(node.name)}`,
    `listen: "127.0.0.1:${String(node.clientPort)}"`,
    `jetstream { store_dir: ${JSON.stringify(node.storeDir)} }`,
    `cluster { name: ${JSON.stringify(clusterName)}, listen: "127.0.0.1:${String(node.clusterPort)}", routes: [ ${all.map((n) => `"nats-route://127.0.0.1:${String(n.clusterPort)}"`).join(", ")} ] }`,
    `leafnodes { listen: "127.0.0.1:${String(node.leafPort)}" }`,
    extra,
    "",
  ].join("\n");
}

function natsProcess(name: string, port: number, confPath: string, readyTimeoutMs: number): NatsNode {
  const binary = findNatsServer(process.env.PATH);
  let child: ChildProcess | undefined;
  let output = "";
  const exit = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once("exit", resolve));
    c.kill(signal);
    const timer = setTimeout(() => c.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    url: `nats://127.0.0.1:${String(port)}`,
    port,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop: () => exit("SIGTERM"),
    kill: () => exit("SIGKILL"),
    start: async () => {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) return;
      const c = spawn(binary, ["-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
      child = c;
      c.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      c.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      try {
        await waitForPort(port, c, readyTimeoutMs, () => output);
      } catch (err) {
        c.kill("SIGKILL");
        throw err;
      }
    },
    log: () => output,
  };
}

/**
 * Starts an N-server JetStream cluster on loopback (random ports, one store dir per server), all nodes
 * routed to each other and listening for leaf nodes. Resolves once every node accepts connections; the
 * JetStream meta leader may still be electing, so create streams with a retry (or wait for `/jsz`).
 */
export async function startNatsCluster(options: StartNatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const size = options.size ?? 3;
  const clusterName = options.name ?? "flotilla";
  const dir = await mkdtemp(join(tmpdir(), "flotilla-nats-cluster-"));
  const addresses: NatsNodeAddress[] = [];
  const taken = new Set<number>();
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  for (let index = 0; index < size; index++) {
    const name = `n${String(index)}`;
    const storeDir = join(dir, name);
    await mkdir(storeDir, { recursive: true });
    addresses.push({ index, name, clientPort: await port(), clusterPort: await port(), leafPort: await port(), storeDir });
  }
  const configs = options.configs === undefined ? addresses.map((a) => clusterNodeConfig(a, addresses, clusterName, options.config)) : await options.configs(addresses);
  if (configs.length !== size) throw new Error(`configs returned ${String(configs.length)} configs for ${String(size)} nodes`);
  const nodes: NatsClusterNode[] = [];
  for (const address of addresses) {
    const confPath = join(dir, `${address.name}.conf`);
    await writeFile(confPath, configs[address.index] ?? "", { mode: 0o600 });
    const node = natsProcess(address.name, address.clientPort, confPath, options.readyTimeoutMs ?? 20_000);
    nodes.push({ ...node, address, leafUrl: `nats-leaf://127.0.0.1:${String(address.leafPort)}` });
  }
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    url: nodes.map((n) => n.url).join(","),
    leafUrls: nodes.map((n) => n.leafUrl),
    dir,
    stop,
  };
}

export interface NatsLeafHandle extends NatsNode {
  readonly dir: string;
  /** Stops the server and removes its directory. */
  remove(): Promise<void>;
}

export interface StartNatsLeafOptions {
  /**
   * The leaf server's config given its client port, e.g. `flotilla nats-config --leaf …` output or
   * `leafnodes { remotes: [ { urls: [cluster.leafUrls…] } ] }`. Must set `listen` to that port.
   * Default: an anonymous leaf of `remotes` in the global account.
   */
  readonly config?: (port: number) => string;
  /** Leafnode URLs to connect to when no `config` is given (e.g. `cluster.leafUrls`). */
  readonly remotes?: readonly string[];
  readonly port?: number;
}

/** Starts a leaf-node server (no JetStream of its own) on a random port; kill/stop/start keep its port. */
export async function startNatsLeaf(options: StartNatsLeafOptions = {}): Promise<NatsLeafHandle> {
  const dir = await mkdtemp(join(tmpdir(), "flotilla-nats-leaf-"));
  const port = options.port ?? (await freePort());
  const config =
    options.config?.(port) ??
    [`listen: "127.0.0.1:${String(port)}"`, `leafnodes { remotes: [ { urls: [ ${(options.remotes ?? []).map((u) => JSON.stringify(u)).join(", ")} ] } ] }`, ""].join("\n");
  const confPath = join(dir, "leaf.conf");
  await writeFile(confPath, config, { mode: 0o600 });
  const node = natsProcess("leaf", port, confPath, 20_000);
  try {
    await node.start();
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...node,
    dir,
    remove: async () => {
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

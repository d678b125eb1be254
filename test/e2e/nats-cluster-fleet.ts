import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { DEMO_FLEET } from "../../demo/product-commands.js";
import { connectNats } from "../../hub/index.js";
import { freePort, runFlotilla, until, startNatsCluster, startNatsLeaf, startTcpProxy, type NatsClusterHandle, type NatsLeafHandle, type TcpProxy } from "../harness/index.js";
import type { FleetNats, StartFleetOptions } from "./fleet-harness.js";

// NATS for a fleet test as an operator would run it past one machine: an N-server JetStream cluster
// and, optionally, a regional leaf server, every config written by `flotilla nats-config`
// (--cluster-size, --leaf). The leaf reaches the cluster through TCP relays the test can cut.

export interface ClusterNatsOptions {
  readonly size?: number;
  /** A region whose clusters' spokes connect to a leaf server instead of the cluster. */
  readonly leaf?: { readonly region: string; readonly clusters: readonly string[] };
  /**
   * Servers do not advertise each other to clients: a client knows only the URLs it is given, so a
   * TCP proxy in front of one server partitions that client for real (it cannot go round it).
   */
  readonly noAdvertise?: boolean;
}

export interface ClusterNats {
  /** For `startFleet({ nats })`. */
  readonly start: NonNullable<StartFleetOptions["nats"]>;
  /** Set once the fleet started. */
  cluster(): NatsClusterHandle;
  leaf(): NatsLeafHandle;
  /** Cuts (or restores) the leaf's link to the cluster: every relay between them. */
  cutLeafLink(): void;
  restoreLeafLink(): void;
  /** The generated config files' directory. */
  natsDir(): string;
}

export function clusterNats(options: ClusterNatsOptions = {}): ClusterNats {
  let cluster: NatsClusterHandle | undefined;
  let leaf: NatsLeafHandle | undefined;
  let dir = "";
  const relays: TcpProxy[] = [];
  const start = async ({ natsDir, clusters }: { natsDir: string; clusters: readonly string[] }): Promise<FleetNats> => {
    dir = natsDir;
    const leafPort = await freePort();
    cluster = await startNatsCluster({
      size: options.size ?? 3,
      configs: async (nodes) => {
        for (const n of nodes) relays.push(await startTcpProxy({ port: n.leafPort }));
        const leafFlags =
          options.leaf === undefined
            ? []
            : [
                "--leaf",
                `${options.leaf.region}:${options.leaf.clusters.join(",")}`,
                "--leaf-remote",
                relays.map((r) => `nats-leaf://${r.address}`).join(","),
                "--leaf-listen",
                `127.0.0.1:${String(leafPort)}`,
              ];
        const result = await runFlotilla([
          "nats-config",
          "--fleet",
          DEMO_FLEET,
          "--clusters",
          clusters.join(","),
          "--out",
          natsDir,
          "--cluster-size",
          String(nodes.length),
          "--server-names",
          nodes.map((n) => n.name).join(","),
          "--listen",
          nodes.map((n) => `127.0.0.1:${String(n.clientPort)}`).join(","),
          "--cluster-listen",
          nodes.map((n) => `127.0.0.1:${String(n.clusterPort)}`).join(","),
          "--leafnode-listen",
          nodes.map((n) => `127.0.0.1:${String(n.leafPort)}`).join(","),
          // What a leaf reconnects to: the relay, as a remote region would reach a Service, not the pod.
          "--leafnode-advertise",
          relays.map((r) => r.address).join(","),
          "--store-dir",
          nodes.map((n) => n.storeDir).join(","),
          ...leafFlags,
        ]);
        if (result.code !== 0) throw new Error(`flotilla nats-config failed: ${result.stderr}`);
        const texts = await Promise.all(nodes.map((n) => readFile(join(natsDir, `nats-server-${n.name}.conf`), "utf8")));
        return options.noAdvertise === true ? texts.map((t) => t.replace(/^cluster \{/mu, "cluster { no_advertise: true,")) : texts;
      },
    });
    // A new cluster elects its JetStream meta leader after the servers listen; the hub's first
    // JetStream call fails until then (a hub in Kubernetes would restart; here we wait).
    const hubNk = join(natsDir, "hub.nk");
    const urls = [...cluster.urls];
    await until("the JetStream meta leader", async () => {
      const nc = await connectNats({ servers: urls, nkeyFile: hubNk, name: "meta-leader-probe" });
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
        return true;
      } finally {
        await nc.close();
      }
    }, { timeoutMs: 30_000 });
    if (options.leaf !== undefined) {
      const text = await readFile(join(natsDir, `leaf-${options.leaf.region}.conf`), "utf8");
      leaf = await startNatsLeaf({ port: leafPort, config: () => text });
    }
    const inRegion = new Set(options.leaf?.clusters ?? []);
    const url = cluster.url;
    const leafUrl = leaf?.url;
    return {
      url,
      spokeUrl: (c) => (inRegion.has(c) && leafUrl !== undefined ? leafUrl : url),
      stop: async () => {
        await leaf?.remove();
        for (const r of relays) await r.stop();
        await cluster?.stop();
      },
    };
  };
  return {
    start,
    cluster: () => {
      if (cluster === undefined) throw new Error("the NATS cluster has not started");
      return cluster;
    },
    leaf: () => {
      if (leaf === undefined) throw new Error("no leaf server");
      return leaf;
    },
    cutLeafLink: () => {
      for (const r of relays) r.cut();
    },
    restoreLeafLink: () => {
      for (const r of relays) r.restore();
    },
    natsDir: () => dir,
  };
}

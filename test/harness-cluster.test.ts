import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNatsCluster, startNatsLeaf, startTcpProxy, until, type NatsClusterHandle, type NatsLeafHandle, type TcpProxy } from "./harness/index.js";

// The cluster harness itself: three real nats-servers that a test kills and restarts, a leaf server
// behind a TCP relay the test can cut.

describe("test harness: NATS cluster and leaf", () => {
  let cluster: NatsClusterHandle;
  let proxy: TcpProxy;
  let leaf: NatsLeafHandle;
  let nc: NatsConnection;
  beforeAll(async () => {
    cluster = await startNatsCluster({ size: 3 });
    const first = cluster.nodes[0];
    if (first === undefined) throw new Error("no node");
    proxy = await startTcpProxy({ port: first.address.leafPort });
    leaf = await startNatsLeaf({ remotes: [`nats-leaf://${proxy.address}`] });
    nc = await connect({ servers: [...cluster.urls], reconnectTimeWait: 100 });
  }, 60_000);
  afterAll(async () => {
    await nc?.close();
    await leaf?.remove();
    await proxy?.stop();
    await cluster?.stop();
  });

  it("keeps an R3 bucket readable while one node is killed, and the node rejoins", async () => {
    // The meta leader may still be electing right after start.
    const kv = await until("an R3 bucket", () => new Kvm(nc).create("harness-r3", { replicas: 3 }), { timeoutMs: 20_000 });
    // A new R3 stream elects its leader after create; the first put waits for it.
    await until("the first put", () => kv.put("k", "v1"), { timeoutMs: 30_000 });
    const info = await (await jetstreamManager(nc)).streams.info("KV_harness-r3");
    expect(info.config.num_replicas).toBe(3);
    const victim = cluster.nodes[1];
    await victim?.kill();
    expect(victim?.running()).toBe(false);
    await until("a put with one node down", () => kv.put("k", "v2"), { timeoutMs: 30_000 });
    expect(await until("a read with one node down", async () => ((await kv.get("k"))?.string() === "v2" ? "v2" : undefined), { timeoutMs: 30_000 })).toBe("v2");
    await victim?.start();
    expect(victim?.running()).toBe(true);
    const direct = await connect({ servers: victim?.url ?? "" });
    try {
      const seen = await until("the restarted node to serve the newest value", async () => ((await (await new Kvm(direct).open("harness-r3")).get("k"))?.string() === "v2" ? true : undefined), { timeoutMs: 30_000 });
      expect(seen).toBe(true);
    } finally {
      await direct.close();
    }
  });

  it("carries messages between a leaf and the cluster, stops while the relay is cut, resumes after", async () => {
    const onLeaf = await connect({ servers: leaf.url });
    try {
      const got: string[] = [];
      const sub = onLeaf.subscribe("region.>", { callback: (_e, m) => {
        got.push(m.string());
      } });
      await onLeaf.flush();
      await until("interest to reach the cluster", async () => {
        nc.publish("region.a", "hello");
        await nc.flush();
        await new Promise((r) => setTimeout(r, 100));
        return got.includes("hello") ? true : undefined;
      }, { timeoutMs: 20_000 });
      proxy.cut();
      await until("the leaf to notice", () => (/Leafnode connection closed|leafnode.*closed/i.test(leaf.log()) ? true : undefined), { timeoutMs: 20_000 });
      nc.publish("region.a", "while-cut");
      await nc.flush();
      proxy.restore();
      await until("the link back", async () => {
        nc.publish("region.a", "after");
        await nc.flush();
        await new Promise((r) => setTimeout(r, 200));
        return got.includes("after") ? true : undefined;
      }, { timeoutMs: 30_000 });
      expect(got).not.toContain("while-cut");
      sub.unsubscribe();
    } finally {
      await onLeaf.close();
    }
  });
});

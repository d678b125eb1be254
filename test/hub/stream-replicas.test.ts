import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DesiredStateStore } from "../../hub/index.js";
import { startNats, startNatsCluster, until, type NatsClusterHandle, type NatsServerHandle } from "../harness/index.js";

// The hub's replica count against real servers: 1 on a single server, 3 on a cluster, and a clear
// NATS_STREAM_MISMATCH (never a silent change) when existing streams differ; the documented move
// from one server to a cluster (raise each stream's replicas, as `nats stream edit` does) then opens.

async function openError(nc: NatsConnection, replicas?: number): Promise<{ code?: string; message: string; field?: string }> {
  return DesiredStateStore.open(nc, { replicas }).then(
    () => ({ message: "opened" }),
    (e: unknown) => e as { code?: string; message: string; field?: string },
  );
}

describe("hub stream replicas", () => {
  let single: NatsServerHandle;
  let cluster: NatsClusterHandle;
  let one: NatsConnection;
  let many: NatsConnection;
  beforeAll(async () => {
    single = await startNats();
    cluster = await startNatsCluster({ size: 3 });
    one = await connect({ servers: single.url });
    many = await connect({ servers: [...cluster.urls] });
    await until("the meta leader", () => jetstreamManager(many).then((j) => j.getAccountInfo()), { timeoutMs: 20_000 });
  }, 60_000);
  afterAll(async () => {
    await one?.close();
    await many?.close();
    await single?.stop();
    await cluster?.stop();
  });

  it("uses 1 replica on a single server and refuses 3 there with the flag named", async () => {
    const err = await openError(one, 3);
    expect(err.code).toBe("HUB_CONFIG_INVALID");
    expect(err.field).toBe("--replicas");
    const store = await DesiredStateStore.open(one);
    expect(store.replicas).toBe(1);
    expect((await (await jetstreamManager(one)).streams.info("KV_flotilla-desired")).config.num_replicas).toBe(1);
  });

  it("on a cluster: an existing R1 stream stops the start with NATS_STREAM_MISMATCH and the fix; raised to 3, it opens with 3", async () => {
    // What a single-server fleet left behind, now on a cluster.
    await new Kvm(many).create("flotilla-desired", { history: 5, allow_direct: true, replicas: 1 });
    const err = await openError(many);
    expect(err.code).toBe("NATS_STREAM_MISMATCH");
    expect(err.message).toContain("KV_flotilla-desired: replicas is 1, the hub wants 3; fix: nats stream edit KV_flotilla-desired --replicas 3");
    expect(err.message).toContain("Or start the hub with --replicas 1");
    const jsm = await jetstreamManager(many);
    expect((await jsm.streams.info("KV_flotilla-desired")).config.num_replicas).toBe(1);
    // The documented move: raise the replicas (nats stream edit does this update).
    const info = await jsm.streams.info("KV_flotilla-desired");
    await jsm.streams.update("KV_flotilla-desired", { ...info.config, num_replicas: 3 });
    const store = await DesiredStateStore.open(many);
    expect(store.replicas).toBe(3);
    for (const s of ["KV_flotilla-desired", "KV_flotilla-status"]) expect((await jsm.streams.info(s)).config.num_replicas).toBe(3);
    // --replicas 1 on the same streams is refused the other way round.
    expect((await openError(many, 1)).code).toBe("NATS_STREAM_MISMATCH");
  });
});

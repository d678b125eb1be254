import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger, systemClock } from "../../core/index.js";
import { DesiredStateStore } from "../../hub/index.js";
import { LEADER_KEY, LeaderElection } from "../../hub/leader-election.js";
import { leaseTiming } from "../../hub/leader-lease.js";
import { STATUS_BUCKET } from "../../protocol/index.js";
import { startNats, until, type NatsServerHandle } from "../harness/index.js";

// The lease against a real nats-server: two hubs' elections on one bucket, and what a hub does when
// the key is written behind its back (another hub, or anyone with the hub's credentials).

describe("hub leader election over NATS KV", () => {
  let nats: NatsServerHandle;
  const conns: NatsConnection[] = [];
  const elections: LeaderElection[] = [];

  const election = async (id: string, leaseMs = 1500): Promise<LeaderElection> => {
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    await DesiredStateStore.open(nc);
    const e = new LeaderElection({ nc, id, url: `http://${id}.test:8080`, timing: leaseTiming(leaseMs), clock: systemClock, logger: silentLogger() });
    elections.push(e);
    await e.start();
    return e;
  };

  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    for (const e of elections) await e.close();
    for (const nc of conns) await nc.close();
    await nats.stop();
  });

  it("one leads, the other stands by and names it; a clean stop hands over at once", async () => {
    const a = await election("hub-a");
    expect(a.holds()).toBe(true);
    expect(await a.confirm()).toBe(true);
    const b = await election("hub-b", 60_000);
    expect(b.holds()).toBe(false);
    expect(await b.confirm()).toBe(false);
    expect(b.view()).toMatchObject({ self: { id: "hub-b", role: "standby" }, leader: { id: "hub-a", url: "http://hub-a.test:8080" } });
    // b's own lease is a minute: it still takes over right away, because a released key is free.
    await a.close();
    expect(a.holds()).toBe(false);
    await until("hub-b leading after hub-a released", () => (b.holds() ? true : undefined), { timeoutMs: 10_000 });
    expect(b.term()).toBeGreaterThan(0);
  });

  it("a leader whose key is overwritten behind its back stops at its next check and never confirms again", async () => {
    const leader = elections.find((e) => e.holds());
    expect(leader?.id).toBe("hub-b");
    const nc = await connect({ servers: nats.url });
    conns.push(nc);
    const kv = await new Kvm(jetstream(nc)).open(STATUS_BUCKET);
    await kv.put(LEADER_KEY, new TextEncoder().encode(JSON.stringify({ holder: "intruder", nonce: "x", leaseMs: 600_000, acquiredAt: 0, renewedAt: 0 })));
    // Before any publish batch the hub confirms: the revision moved, so it refuses and steps down.
    expect(await leader?.confirm()).toBe(false);
    expect(leader?.holds()).toBe(false);
    expect(leader?.view().leader?.id).toBe("intruder");
    // Nobody takes the key back while the foreign lease runs.
    await new Promise((r) => setTimeout(r, 2000));
    expect(elections.filter((e) => e.holds())).toEqual([]);
  });
});

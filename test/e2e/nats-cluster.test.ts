import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats } from "../../hub/index.js";
import { parseEnvelope } from "../../protocol/index.js";
import { until } from "../harness/index.js";
import { clusterNats } from "./nats-cluster-fleet.js";
import { PLAIN_WEB_APPSET, startFleet, type TestFleet } from "./fleet-harness.js";

// Three nats-servers (configs from `flotilla nats-config --cluster-size 3`), the hub, three spokes on
// devclusters. nats-servers are killed (SIGKILL) while the hub publishes and while spokes fetch; every
// cluster must still converge to the last commit, and the KV history must show no generation lost,
// repeated or out of order. Each bundle carries ~1.3 MiB that gzip cannot shrink, so it travels
// through the cluster's object bucket: KV and object streams both run with 3 replicas.

const nats = clusterNats({ size: 3 });
let fleet: TestFleet;
let hubNc: NatsConnection;
let jsm: JetStreamManager;
let colour = 0;

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  colour: ${value}\n`;
const big = () => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  blob: ${randomBytes(1000 * 1024).toString("base64")}\n`;

async function commitChange(): Promise<string> {
  colour++;
  return fleet.repo.commit({ "apps/web/configmap.yaml": configMap(`c${String(colour)}`), "apps/web/big.yaml": big() }, `colour ${String(colour)}`);
}

async function leaderOf(stream: string): Promise<string> {
  const info = await fleet.waitFor(`${stream} to have a leader`, async () => {
    const i = await jsm.streams.info(stream);
    return i.cluster?.leader === undefined || i.cluster.leader === "" ? undefined : i;
  }, 30_000);
  return info.cluster?.leader ?? "";
}

function node(name: string) {
  const n = nats.cluster().nodes.find((x) => x.name === name);
  if (n === undefined) throw new Error(`no node ${name}`);
  return n;
}

/** Generations of a cluster's kept KV revisions, oldest first. */
async function generations(cluster: string): Promise<number[]> {
  const kv = await new Kvm(hubNc).open("flotilla-desired");
  const out: { rev: number; gen: number }[] = [];
  for await (const e of await kv.history({ key: cluster })) if (e.operation === "PUT") out.push({ rev: e.revision, gen: parseEnvelope(e.value).generation });
  return out.sort((a, b) => a.rev - b.rev).map((e) => e.gen);
}

beforeAll(async () => {
  fleet = await startFleet({ files: { "appsets/web.yaml": PLAIN_WEB_APPSET, "apps/web/configmap.yaml": configMap("c0"), "apps/web/big.yaml": big() }, nats: nats.start });
  await fleet.converged(await fleet.repo.head());
  hubNc = await connectNats({ servers: [...nats.cluster().urls], nkeyFile: join(nats.natsDir(), "hub.nk"), name: "observer" });
  jsm = await jetstreamManager(hubNc);
}, 300_000);

afterAll(async () => {
  await hubNc?.close();
  await fleet?.stop();
});

describe("a fleet on a 3-server NATS cluster", () => {
  it("runs every hub stream with 3 replicas (the default on a cluster), the bundles through R3 object buckets", async () => {
    for (const stream of ["KV_flotilla-desired", "KV_flotilla-status", "OBJ_flotilla-bundles-prod-eu", "OBJ_flotilla-bundles-staging"]) {
      expect((await jsm.streams.info(stream)).config.num_replicas, stream).toBe(3);
    }
    const kv = await new Kvm(hubNc).open("flotilla-desired");
    expect(parseEnvelope((await kv.get("prod-eu"))?.value).bundleRef?.bucket).toBe("flotilla-bundles-prod-eu");
  });

  it("loses nothing when the KV leader is killed mid-publish and the bundle leader mid-fetch, one after the other", async () => {
    const before = new Map<string, number>();
    for (const c of fleet.clusters) before.set(c.name, (await generations(c.name)).at(-1) ?? 0);

    // 1. Kill the leader of KV_flotilla-desired as soon as the hub has rendered a commit (it is publishing).
    const first = await commitChange();
    await fleet.waitFor("the hub to render the commit", async () => ((await fleet.hub().sources())[0]?.revision === first ? true : undefined), 60_000);
    const kvLeader = node(await leaderOf("KV_flotilla-desired"));
    await kvLeader.kill();
    // Another commit while the stream elects a new leader.
    const second = await commitChange();
    await fleet.converged(second, undefined, 120_000);
    await kvLeader.start();

    // 2. After the first is back: kill the leader of a bundle bucket while spokes fetch the next commit.
    const third = await commitChange();
    await fleet.waitFor("the hub to publish the commit", async () => ((await fleet.hub().sources())[0]?.publishedRevision === third ? true : undefined), 60_000);
    const objLeader = node(await leaderOf("OBJ_flotilla-bundles-prod-eu"));
    await objLeader.kill();
    const fourth = await commitChange();
    const converged = await fleet.converged(fourth, undefined, 120_000);
    await objLeader.start();

    for (const c of converged) {
      expect(c.errors, c.name).toEqual([]);
      const data = await fleet.getJson<{ data: { colour: string } }>(c.name, "configmap", "web-config", "-n", "web");
      expect(data?.data.colour, c.name).toBe(`c${String(colour)}`);
      // Kept revisions: strictly increasing generations, ending at what the spoke applied, all above the start.
      // A replica that was just restarted may still be catching up: read until the newest kept entry is what the spoke applied.
      const gens = await until(`${c.name}'s newest kept generation to be the applied one`, async () => {
        const g = await generations(c.name);
        return g.at(-1) === c.applied?.generation ? g : undefined;
      }, { timeoutMs: 30_000 }).catch(() => generations(c.name));
      expect(gens, c.name).toEqual([...gens].sort((a, b) => a - b));
      expect(new Set(gens).size, c.name).toBe(gens.length);
      expect(gens.at(-1), c.name).toBe(c.applied?.generation);
      expect(gens.at(-1) ?? 0, c.name).toBeGreaterThan(before.get(c.name) ?? 0);
    }
    // Both restarted servers caught up: each serves the same last entry as the others.
    const last = new Map<string, number>();
    for (const n of nats.cluster().nodes) {
      const direct = await connectNats({ servers: n.url, nkeyFile: join(nats.natsDir(), "hub.nk"), name: `check-${n.name}` });
      try {
        const seq = await fleet.waitFor(`${n.name} to catch up`, async () => {
          const info = await (await jetstreamManager(direct)).streams.info("KV_flotilla-desired");
          const lagging = info.cluster?.replicas?.some((r) => !r.current) ?? false;
          return lagging ? undefined : info.state.last_seq;
        }, 30_000);
        last.set(n.name, seq);
      } finally {
        await direct.close();
      }
    }
    expect(new Set(last.values()).size).toBe(1);
  });
});

import * as fs from "node:fs";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import git from "isomorphic-git";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findNatsServer, makeGitRepo, startNats, type NatsServerHandle } from "./harness/index.js";

describe("test harness", () => {
  let nats: NatsServerHandle;
  beforeAll(async () => {
    nats = await startNats();
  });
  afterAll(async () => {
    await nats.stop();
    expect(fs.existsSync(nats.storeDir)).toBe(false);
  });

  it("round-trips a KV value through a real nats-server with JetStream", async () => {
    expect(nats.port).not.toBe(4222);
    const nc = await connect({ servers: nats.url });
    try {
      expect(nc.info?.jetstream).toBe(true);
      const kv = await new Kvm(jetstream(nc)).create("harness-check");
      await kv.put("eu-1", "generation-7");
      const entry = await kv.get("eu-1");
      expect(entry?.string()).toBe("generation-7");
    } finally {
      await nc.close();
    }
  });

  it("reads back a commit from a real git repository made at test time", async () => {
    const repo = await makeGitRepo({ "clusters/eu-1.yaml": "name: eu-1\n" });
    try {
      const second = await repo.commit({ "apps/web/deploy.yaml": "kind: Deployment\n" }, "add web");
      expect(await repo.head()).toBe(second);
      const log = await git.log({ fs, dir: repo.dir });
      expect(log.map((c) => c.commit.message.trim())).toEqual(["add web", "initial commit"]);
      const { blob } = await git.readBlob({ fs, dir: repo.dir, oid: second, filepath: "clusters/eu-1.yaml" });
      expect(Buffer.from(blob).toString()).toBe("name: eu-1\n");
    } finally {
      await repo.remove();
    }
  });

  it("says how to install nats-server when the binary is missing", () => {
    expect(() => findNatsServer("/nonexistent", [])).toThrow(/apt-get install nats-server/);
    expect(findNatsServer("/nonexistent")).toMatch(/nats-server$/);
  });
});

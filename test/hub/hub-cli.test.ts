import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliContext } from "../../cli/context.js";
import { registerHub } from "../../cli/hub.js";
import { silentLogger, systemClock } from "../../core/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { baseFleet } from "./fleet-fixture.js";
import { eventually } from "./spoke-driver.js";

let nats: NatsServerHandle;
let repo: GitRepo;
let dir: string;

function context(shutdown: AbortSignal): { ctx: CliContext; out: () => string } {
  let out = "";
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const ctx: CliContext = {
    env: { FLOTILLA_HUB_TOKEN: "from-env-token" },
    cwd: dir,
    stdin: Readable.from([]),
    stdout: sink((s) => (out += s)),
    stderr: sink(() => undefined),
    clock: systemClock,
    logger: () => silentLogger(),
    shutdown,
  };
  return { ctx, out: () => out };
}

beforeAll(async () => {
  nats = await startNats();
  repo = await makeGitRepo(baseFleet("1"));
  dir = await mkdtemp(join(tmpdir(), "flotilla-hubcli-"));
});

afterAll(async () => {
  await nats?.stop();
  await repo?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe("flotilla hub", () => {
  it("creates its signing key, serves the API, publishes, and stops on shutdown", async () => {
    const stop = new AbortController();
    const { ctx, out } = context(stop.signal);
    const program = new Command().exitOverride();
    registerHub(program, ctx);
    const running = program.parseAsync(
      ["hub", "--fleet", "prod", "--nats", nats.url, "--repo", repo.dir, "--listen", "127.0.0.1:0", "--signing-key", "hub.pem", "--poll-interval", "1h"],
      { from: "user" },
    );
    const url = await eventually(() => /listening on (http:\/\/\S+)/.exec(out())?.[1], "the hub to listen");
    expect(out()).toMatch(/hub signing key ed25519:[A-Za-z0-9_-]{43}/);
    expect((await stat(join(dir, "hub.pem"))).mode & 0o777).toBe(0o600);
    const clusters = await eventually(async () => {
      const body = (await (await fetch(`${url}/api/v1/clusters`)).json()) as { items: { name: string; desired: unknown }[] };
      return body.items.length === 3 && body.items.every((c) => c.desired !== null) ? body.items : undefined;
    }, "the first publish");
    expect(clusters.map((c) => c.name)).toEqual(["dev-1", "eu-1", "us-1"]);
    const refresh = await fetch(`${url}/api/v1/refresh`, { method: "POST", headers: { authorization: "Bearer from-env-token" } });
    expect(refresh.status).toBe(200);
    stop.abort();
    await running;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("rejects bad flags with a clear error", async () => {
    const { ctx } = context(new AbortController().signal);
    const program = new Command().exitOverride();
    registerHub(program, ctx);
    await writeFile(join(dir, "empty-token"), "");
    await expect(program.parseAsync(["hub", "--fleet", "Prod!", "--nats", nats.url, "--repo", repo.dir], { from: "user" })).rejects.toMatchObject({ code: "CLUSTER_NAME_INVALID" });
    await expect(program.parseAsync(["hub", "--fleet", "prod", "--nats", nats.url, "--repo", repo.dir, "--poll-interval", "soon"], { from: "user" })).rejects.toMatchObject({ code: "INVALID_FLAG", field: "--poll-interval" });
    await expect(program.parseAsync(["hub", "--fleet", "prod", "--nats", nats.url, "--repo", repo.dir, "--api-token-file", "empty-token"], { from: "user" })).rejects.toMatchObject({ code: "INVALID_FLAG", field: "--api-token-file" });
  });
});

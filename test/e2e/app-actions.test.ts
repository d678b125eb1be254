import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFlotilla } from "../harness/index.js";
import { clustersAppSet, startFleet, type TestFleet } from "./fleet-harness.js";

// Argo CD's manual sync policy, end to end: an app without `syncPolicy.automated` waits OutOfSync
// until `flotilla app sync`; `app rollback` puts an earlier deployment back; both reach the spoke
// only as signed envelopes (the spoke accepts nothing else), and each action is in the audit log,
// which survives a hub restart.

const API_TOKEN = "app-actions-api-token-5b2e";
const CLUSTER = "prod-eu";
const APP = `web-${CLUSTER}`;
const MANUAL_WEB = clustersAppSet("web", { manual: true });
const CONFIGMAP = (colour: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\ndata:\n  colour: ${colour}\n`;

let fleet: TestFleet;
let secrets: string;

const flotilla = (...args: string[]) => runFlotilla([...args, "--hub", fleet.hubUrl()], { env: { FLOTILLA_HUB_TOKEN: API_TOKEN, USER: "alice" } });

async function colour(): Promise<string | undefined> {
  const cm = await fleet.getJson<{ data?: { colour?: string } }>(CLUSTER, "configmap", "web-config", "-n", "web");
  return cm?.data?.colour;
}

async function app(): Promise<{ sync: string; health: string; syncPolicy: string; history: { id: number; kind: string; initiatedBy: string }[] }> {
  const res = await flotilla("app", "get", APP, "-o", "json");
  expect(res.stderr).toBe("");
  const item = (JSON.parse(res.stdout) as { items: { sync: string; health: string; syncPolicy: string; history: { id: number; kind: string; initiatedBy: string }[] }[] }).items[0];
  if (item === undefined) throw new Error("no item");
  return item;
}

beforeAll(async () => {
  secrets = await mkdtemp(join(tmpdir(), "flotilla-app-actions-"));
  await writeFile(join(secrets, "api-token"), API_TOKEN, { mode: 0o600 });
  fleet = await startFleet({
    files: { "appsets/web.yaml": MANUAL_WEB, "apps/web/configmap.yaml": CONFIGMAP("blue") },
    clusters: [{ name: CLUSTER, labels: { env: "prod" } }],
    hubFlags: ["--api-token-file", join(secrets, "api-token")],
  });
  await fleet.waitFor("the spoke online", async () => ((await fleet.hub().clusters())[0]?.connection === "Online" ? true : undefined));
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (secrets !== undefined) await rm(secrets, { recursive: true, force: true });
});

describe("manual sync, rollback and the audit log", () => {
  it("keeps a manual app OutOfSync and off the cluster until it is synced", async () => {
    const before = await app();
    expect(before).toMatchObject({ sync: "OutOfSync", health: "Missing", syncPolicy: "Manual", history: [] });
    expect(await colour()).toBeUndefined();

    const unauthenticated = await fetch(`${fleet.hubUrl()}/api/v1/applications/${APP}/sync`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(unauthenticated.status).toBe(401);

    const sync = await flotilla("app", "sync", APP);
    expect(sync.stderr).toBe("");
    expect(sync.stdout).toMatch(new RegExp(`^${APP} on ${CLUSTER}: sync sent \\(generation \\d+, revision [0-9a-f]{7}\\)\\n$`));
    const wait = await flotilla("app", "wait", APP, "--sync", "--health", "--timeout", "60s");
    expect(wait.stderr).toBe("");
    expect(wait.code).toBe(0);
    expect(await colour()).toBe("blue");
  });

  it("shows a new commit as OutOfSync with its diff, applies it only on sync, and rolls back to the earlier deployment", async () => {
    await fleet.repo.commit({ "apps/web/configmap.yaml": CONFIGMAP("green") }, "green");
    const refresh = await flotilla("refresh");
    expect(refresh.stdout).toMatch(/at [0-9a-f]{7}\n$/);
    expect((await app()).sync).toBe("OutOfSync");
    expect(await colour()).toBe("blue");
    const diff = await flotilla("app", "diff", APP);
    expect(diff.code).toBe(1);
    expect(diff.stdout).toContain(`===== ${CLUSTER} /ConfigMap/web/web-config ======`);
    expect(diff.stdout).toContain("-  colour: blue\n+  colour: green");

    await flotilla("app", "sync", APP, "--prune");
    await fleet.waitFor("green on the cluster", async () => ((await colour()) === "green" ? true : undefined));

    const history = await flotilla("app", "history", APP);
    expect(history.stdout).toMatch(new RegExp(`^${CLUSTER}\\s+1\\s+\\S+\\s+[0-9a-f]{7}\\s+sync\\s+alice \\(api-token\\)$`, "m"));
    expect(history.stdout).toMatch(new RegExp(`^${CLUSTER}\\s+2\\s+`, "m"));

    const rollback = await flotilla("app", "rollback", APP, "1", "--cluster", CLUSTER);
    expect(rollback.stderr).toBe("");
    expect(rollback.stdout).toMatch(/rolled back to history 1 \(generation \d+\)/);
    await fleet.waitFor("blue again on the cluster", async () => ((await colour()) === "blue" ? true : undefined));
    const after = await app();
    // Rolled back: the cluster runs deployment 1, so the app is OutOfSync with HEAD (green) again.
    expect(after.sync).toBe("OutOfSync");
    expect(after.history.map((h) => h.kind)).toEqual(["sync", "sync", "rollback"]);

    const missing = await flotilla("app", "rollback", APP, "99", "--cluster", CLUSTER);
    expect(missing.stderr).toMatch(/^error\[APP_HISTORY_NOT_FOUND\]: .*no history entry 99 \(have 1, 2, 3\)\n$/);
  });

  it("records every action with who and when, across a hub restart", async () => {
    const expected = ["sync", "refresh", "sync", "rollback", "rollback"];
    const list = async (): Promise<{ action: string; actor: { auth: string; user?: string }; result: string; target: { app?: string } }[]> => {
      const res = await flotilla("audit", "-o", "json");
      return (JSON.parse(res.stdout) as { items: { action: string; actor: { auth: string; user?: string }; result: string; target: { app?: string } }[] }).items.reverse();
    };
    const before = await list();
    expect(before.map((e) => e.action)).toEqual(expected);
    expect(before.map((e) => e.result)).toEqual(["ok", "ok", "ok", "ok", "error"]);
    expect(before.every((e) => e.actor.auth === "api-token" && e.actor.user === "alice")).toBe(true);
    await fleet.stopHub();
    await fleet.startHub();
    expect((await list()).map((e) => e.action)).toEqual(expected);
    const table = await flotilla("audit");
    expect(table.stdout).toMatch(/^ID\s+TIME\s+WHO\s+ACTION\s+APP\s+CLUSTERS\s+RESULT\s+MESSAGE$/m);
    expect(table.stdout).toMatch(new RegExp(`rollback\\s+${APP}\\s+${CLUSTER}\\s+error\\s+APP_HISTORY_NOT_FOUND`));
  });
});

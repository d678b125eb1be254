import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, systemClock } from "../../core/index.js";
import { loadGitCredentialsFile } from "../../gitops/index.js";
import { startHub, type RunningHub } from "../../hub/index.js";
import { makeGitRepo, startNats, type GitRepo, type NatsServerHandle } from "../harness/index.js";
import { basicAuthorization, startRecordingGitServer, type RecordingGitServer } from "./recording-git-server.js";

// Attack: a Git writer names repoURLs in ApplicationSets to harvest the hub's git token (a fake
// server that answers 401, the same forge's other repositories, userinfo tricks, a redirect to
// another host), or to make the hub fetch a repository its project may not read. The real hub
// (startHub, real NATS) renders a fleet served over real git smart-HTTP by servers that record
// every request and its Authorization header.

const FLEET_TOKEN = "fleet-token-MUST-NOT-LEAK-7f3a9c";
const TEAM_TOKEN = "team-token-MUST-NOT-LEAK-41d2e8";
const MARKER = "private-marker-5b8e0d21";

const cm = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  v: ${value}\n`;

function appSet(name: string, repoURL: string, options: { project?: string; path?: string } = {}): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  goTemplate: true
  generators:
  - list:
      elements:
      - cluster: c1
  template:
    metadata:
      name: '${name}'
    spec:
      project: ${options.project ?? "default"}
      source: {repoURL: '${repoURL}', path: ${options.path ?? "app"}, targetRevision: HEAD}
      destination: {name: '{{.cluster}}', namespace: ${name}}
`;
}

let nats: NatsServerHandle;
let forge: RecordingGitServer; // the real forge: every repository wants a token
let attacker: RecordingGitServer; // a fake server that asks every client for credentials
let work: string;
const repos: GitRepo[] = [];
const hubs: RunningHub[] = [];
const logs: string[] = [];

interface AppsBody {
  items: { name: string; cluster: string; error?: { code: string; message: string; field?: string } }[];
}
interface SourcesBody {
  items: { id: string; revision?: string; error?: { code: string; message: string } }[];
  renderErrors: { code: string; message: string; field?: string; appSet?: string }[];
}

async function get<T>(hub: RunningHub, path: string): Promise<T> {
  return (await (await fetch(`${hub.url}${path}`)).json()) as T;
}

function authorizationsSeen(server: RecordingGitServer): string[] {
  return server.requests.flatMap((r) => (r.authorization === undefined ? [] : [r.authorization]));
}

beforeAll(async () => {
  nats = await startNats();
  work = await mkdtemp(join(tmpdir(), "flotilla-creds-"));
  const root = join(work, "forge");
  attacker = await startRecordingGitServer();
  forge = await startRecordingGitServer({
    root,
    auth: { "/fleet/": `x-access-token:${FLEET_TOKEN}`, "/private/": `x-access-token:${FLEET_TOKEN}`, "/team/": `x-access-token:${TEAM_TOKEN}`, "/team-evil/": `x-access-token:${TEAM_TOKEN}` },
    redirects: { "/team/moved.git": `${attacker.url}/moved.git` },
  });
  const [host, port] = forge.url.slice("http://".length).split(":");
  const attackerPort = attacker.url.split(":")[2];
  repos.push(await makeGitRepo({ "app/cm.yaml": cm("private", MARKER) }, { dir: join(root, "private") }));
  repos.push(await makeGitRepo({ "app/cm.yaml": cm("team", "team-ok") }, { dir: join(root, "team", "app") }));
  repos.push(await makeGitRepo({ "app/cm.yaml": cm("evil", MARKER) }, { dir: join(root, "team-evil", "x") }));
  repos.push(
    await makeGitRepo(
      {
        "clusters/c1.yaml": "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  server: https://c1.example.com\n",
        "app/cm.yaml": cm("own", "fleet-ok"),
        "appsets/own.yaml": appSet("own", "."),
        "appsets/other-repo.yaml": appSet("other-repo", `${forge.url}/private/.git`),
        "appsets/to-attacker.yaml": appSet("to-attacker", `${attacker.url}/evil.git`),
        "appsets/userinfo.yaml": appSet("userinfo", `http://${host}:${port}@127.0.0.1:${attackerPort}/userinfo.git`),
        "appsets/team-ok.yaml": appSet("team-ok", `${forge.url}/team/app/.git`),
        "appsets/team-redirect.yaml": appSet("team-redirect", `${forge.url}/team/moved.git`),
        "appsets/team-evil.yaml": appSet("team-evil", `${forge.url}/team-evil/x/.git`),
        "appsets/locked.yaml": appSet("locked", `${attacker.url}/locked.git`, { project: "locked" }),
        "appsets/locked-gen.yaml": `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: locked-gen
spec:
  goTemplate: true
  generators:
  - git:
      repoURL: ${attacker.url}/generator.git
      revision: HEAD
      directories: [{path: '*'}]
  template:
    metadata:
      name: 'gen-{{.path.basename}}'
    spec:
      project: locked
      source: {repoURL: '.', path: app, targetRevision: HEAD}
      destination: {name: c1, namespace: gen}
`,
      },
      { dir: join(root, "fleet") },
    ),
  );
  await writeFile(join(work, "team-token"), `${TEAM_TOKEN}\n`);
  await writeFile(join(work, "git-credentials.yaml"), `credentials:\n- url: ${forge.url}/team\n  passwordFile: team-token\n`);
}, 60_000);

afterAll(async () => {
  for (const hub of hubs) await hub.close();
  await nats?.stop();
  await forge?.stop();
  await attacker?.stop();
  for (const repo of repos) await repo.remove();
  await rm(work, { recursive: true, force: true });
});

async function startTestHub(name: string, options: { insecureHttp: boolean; credentialsFile?: boolean }): Promise<RunningHub> {
  const logger = createLogger({ level: "debug", destination: { write: (line: string) => logs.push(line) } });
  const hub = await startHub(
    {
      fleet: name,
      nats: { servers: nats.url },
      signingKeyFile: join(work, `${name}.pem`),
      repos: [{ url: `${forge.url}/fleet/.git` }],
      gitToken: FLEET_TOKEN,
      gitCredentials: options.credentialsFile === false ? undefined : await loadGitCredentialsFile(join(work, "git-credentials.yaml")),
      allowInsecureHttpCredentials: options.insecureHttp,
      gitCacheDir: join(work, `${name}-cache`),
      allowlists: { projects: { locked: { sourceRepos: [`${forge.url}/team/*`] } } },
      listen: { host: "127.0.0.1", port: 0 },
      pollIntervalMs: 0,
    },
    { clock: systemClock, logger },
  );
  hubs.push(hub);
  await hub.service.refresh();
  return hub;
}

describe("the git token goes only where it is configured, and disallowed repositories are never fetched", () => {
  let apps: Map<string, { code: string; message: string; field?: string } | undefined>;
  let sources: SourcesBody;

  beforeAll(async () => {
    const hub = await startTestHub("creds", { insecureHttp: true });
    const body = await get<AppsBody>(hub, "/api/v1/applications");
    apps = new Map(body.items.map((a) => [a.name, a.error]));
    sources = await get<SourcesBody>(hub, "/api/v1/sources");
  }, 90_000);

  it("renders the fleet with its own token and a team repository with the team prefix's token", () => {
    expect(sources.items[0]?.error).toBeUndefined();
    expect(apps.has("own")).toBe(true);
    expect(apps.get("own")).toBeUndefined();
    expect(apps.get("team-ok")).toBeUndefined();
    const fleetAuth = forge.requests.filter((r) => r.path.startsWith("/fleet/")).map((r) => r.authorization);
    expect(fleetAuth).toContain(basicAuthorization(`x-access-token:${FLEET_TOKEN}`));
  });

  it("never sends any credential to a fake server that asks for one", () => {
    expect(attacker.requests.some((r) => r.path.startsWith("/evil.git"))).toBe(true);
    expect(authorizationsSeen(attacker)).toEqual([]);
    expect(apps.get("to-attacker")).toMatchObject({ code: "GITOPS_GIT" });
  });

  it("does not send the fleet token to another repository of the same forge", () => {
    const other = forge.requests.filter((r) => r.path.startsWith("/private/"));
    expect(other.length).toBeGreaterThan(0);
    expect(other.every((r) => r.authorization === undefined)).toBe(true);
    expect(apps.get("other-repo")).toMatchObject({ code: "GITOPS_GIT", message: expect.stringContaining("no credentials are configured for this URL") as unknown });
  });

  it("does not send a prefix's token to a sibling path that merely starts with the same letters", () => {
    const evil = forge.requests.filter((r) => r.path.startsWith("/team-evil/"));
    expect(evil.length).toBeGreaterThan(0);
    expect(evil.every((r) => r.authorization === undefined)).toBe(true);
    expect(apps.get("team-evil")).toMatchObject({ code: "GITOPS_GIT" });
  });

  it("drops the token when a trusted host redirects to another one", () => {
    // The forge received the team token on the redirecting URL; the attacker, redirected to, never did.
    expect(forge.requests.some((r) => r.path.startsWith("/team/moved.git") && r.authorization === basicAuthorization(`x-access-token:${TEAM_TOKEN}`))).toBe(true);
    expect(attacker.requests.some((r) => r.path.startsWith("/moved.git"))).toBe(true);
    expect(authorizationsSeen(attacker)).toEqual([]);
    expect(apps.get("team-redirect")).toMatchObject({ code: "GITOPS_GIT" });
  });

  it("refuses a repoURL with userinfo before any request (GITOPS_REPO_URL)", () => {
    expect(attacker.requests.filter((r) => r.path.startsWith("/userinfo.git"))).toEqual([]);
    expect(apps.get("userinfo")).toMatchObject({ code: "GITOPS_REPO_URL" });
  });

  it("checks sourceRepos before fetching: an app and a git generator naming a disallowed repository cause zero requests", () => {
    expect(attacker.requests.filter((r) => r.path.startsWith("/locked.git") || r.path.startsWith("/generator.git"))).toEqual([]);
    expect(apps.get("locked")).toMatchObject({ code: "GITOPS_SOURCE_NOT_PERMITTED", field: "spec.template.spec.source.repoURL" });
    expect(sources.renderErrors).toContainEqual(expect.objectContaining({ code: "GITOPS_SOURCE_NOT_PERMITTED", appSet: "locked-gen", field: "spec.generators[0].git.repoURL" }));
  });

  it("keeps tokens and the other repositories' content out of every answer and log", () => {
    const everything = JSON.stringify([...apps.entries()]) + JSON.stringify(sources) + logs.join("");
    for (const secret of [FLEET_TOKEN, TEAM_TOKEN, Buffer.from(`x-access-token:${FLEET_TOKEN}`).toString("base64"), MARKER]) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe("plain http without the opt-in", () => {
  it("sends no credential at all, and says why the fleet cannot be read", async () => {
    const before = forge.requests.length;
    const hub = await startTestHub("nohttp", { insecureHttp: false }).catch((err: unknown) => err);
    // The credentials file names an http:// prefix: refused at start, naming the file and entry.
    expect(hub).toMatchObject({ code: "GITOPS_GIT_CREDENTIALS", field: "credentials.0.url" });
    expect((hub as Error).message).toContain("--allow-insecure-http-credentials");
    expect(forge.requests.length).toBe(before);
  });

  it("does not send FLOTILLA_GIT_TOKEN to an http:// fleet repository, and the source error says so", async () => {
    // The earlier hub (which may send the token: it opted in) is stopped first.
    for (const earlier of hubs.splice(0)) await earlier.close();
    const before = forge.requests.length;
    const hub = await startTestHub("nohttp2", { insecureHttp: false, credentialsFile: false });
    const sources = await get<SourcesBody>(hub, "/api/v1/sources");
    const seen = forge.requests.slice(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((r) => r.authorization !== undefined)).toEqual([]);
    expect(sources.items[0]?.error?.message).toContain("never sent over plain http");
    expect(logs.join("")).toContain("FLOTILLA_GIT_TOKEN is not sent to a plain http:// repository");
  });
});

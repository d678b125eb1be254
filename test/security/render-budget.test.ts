import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../core/index.js";
import { ProcessSupervisor } from "../../demo/index.js";
import { decompressBundle, fetchDesiredState } from "../../protocol/index.js";
import { makeGitRepo, startHubProcess, startNats, until, type GitRepo, type NatsServerHandle } from "../harness/index.js";

// An insider with write access to the fleet repository commits ApplicationSets built to freeze
// the hub: nested loops, allocation bombs, a backtracking regular expression, an alias bomb, huge
// output, a matrix of many apps. Against a real hub process (the built CLI, real nats-server, real
// git repo): /healthz keeps answering while it renders, the hostile ApplicationSet fails with
// RENDER_BUDGET_EXCEEDED in the hub's API, and a benign ApplicationSet of the same commit is
// published to the cluster's KV entry.

const FLEET = "budget";
let nats: NatsServerHandle;
let repo: GitRepo;
let work: string;
let hubUrl: string;
let nc: NatsConnection;
const supervisor = new ProcessSupervisor({ logger: silentLogger() });

const CLUSTER = "apiVersion: flotilla.dev/v1alpha1\nkind: Cluster\nmetadata:\n  name: c1\n  labels:\n    env: prod\n";
const CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\ndata:\n  a: b\n";

function appSet(name: string, nameTemplate: string, generators = "  - clusters: {}"): string {
  return `apiVersion: flotilla.dev/v1alpha1
kind: ApplicationSet
metadata:
  name: ${name}
spec:
  generators:
${generators}
  template:
    metadata:
      name: ${JSON.stringify(nameTemplate)}
    spec:
      project: default
      source: {repoURL: ., path: apps/${name}, targetRevision: HEAD}
      destination: {name: '{{.name}}', namespace: ${name}}
      syncPolicy: {automated: {}}
`;
}

function list(n: number, key: string): string {
  return `{elements: [${Array.from({ length: n }, (_, i) => `{${key}: "${String(i)}"}`).join(",")}]}`;
}

const ATTACKS: Record<string, string> = {
  "nested until": "{{ range $i := until 40000 }}{{ range $j := until 40000 }}{{ end }}{{ end }}hostile",
  "repeat bomb": '{{ repeat 100000000 "x" }}',
  "until allocating 1e9 elements": "{{ len (until 1000000000) }}",
  "range over 1e9": "{{ range $i := until 1000000000 }}{{ end }}hostile",
  "ReDoS in regexMatch": '{{ if regexMatch "^(a+)+$" (print (repeat 40 "a") "!") }}x{{ end }}hostile',
  "output doubling": '{{ $s := "xx" }}{{ range until 40 }}{{ $s = print $s $s }}{{ end }}{{ $s }}',
};

const BOMB_LINES = ["a: &a [x,x,x,x,x,x,x,x,x]", "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]", "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]", "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]", "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]", "f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]"];
/** "Billion laughs" rendered through fromYaml: 9^6 nodes from a few hundred bytes. */
const ALIAS_BOMB_TEMPLATE = `{{ $m := fromYaml ${JSON.stringify(BOMB_LINES.join("\n"))} }}{{ toJson $m | len }}-hostile`;
/** The same bomb in the ApplicationSet file itself. */
const ALIAS_BOMB_FILE = `${appSet("alias-file", "alias-{{.name}}")}  bomb:\n${BOMB_LINES.map((l) => `    ${l}`).join("\n")}\n`;

let hostileCommit: string;

beforeAll(async () => {
  nats = await startNats();
  work = await mkdtemp(join(tmpdir(), "flotilla-render-budget-"));
  repo = await makeGitRepo({ "clusters/c1.yaml": CLUSTER, "apps/good/cm.yaml": CONFIGMAP.replace("NAME", "good"), "appsets/good.yaml": appSet("good", "good-{{.name}}") });
  hubUrl = (
    await startHubProcess({
      supervisor,
      fleet: FLEET,
      natsUrl: nats.url,
      repoDir: repo.dir,
      workDir: work,
      clusters: 1,
      // Small budgets so each attack stops within seconds; a real fleet never meets the defaults.
      extraArgs: ["--poll-interval", "1s", "--render-timeout", "8s", "--render-max-steps", "50000000", "--render-max-memory", "256Mi", "--render-workers", "2"],
    })
  ).url;
  nc = await connect({ servers: nats.url });
  const files: Record<string, string> = {
    // The benign one changes in the same commit: its new content must reach the cluster.
    "apps/good/cm.yaml": CONFIGMAP.replace("NAME", "good-v2"),
  };
  Object.keys(ATTACKS).forEach((attack, i) => {
    files[`appsets/hostile-${String(i)}.yaml`] = appSet(`hostile-${String(i)}`, ATTACKS[attack]);
    files[`apps/hostile-${String(i)}/cm.yaml`] = CONFIGMAP.replace("NAME", `hostile-${String(i)}`);
  });
  files["appsets/alias-template.yaml"] = appSet("alias-template", ALIAS_BOMB_TEMPLATE);
  files["appsets/alias-file.yaml"] = ALIAS_BOMB_FILE;
  // Many apps: a matrix of two 3000-element lists (9 million apps) in one ApplicationSet.
  files["appsets/many.yaml"] = appSet("many", "many-{{.a}}-{{.b}}", `  - matrix:\n      generators:\n      - list: ${list(3000, "a")}\n      - list: ${list(3000, "b")}`);
  files["apps/many/cm.yaml"] = CONFIGMAP.replace("NAME", "many");
  hostileCommit = await repo.commit(files, "hostile ApplicationSets");
});

afterAll(async () => {
  await nc?.close();
  await supervisor.stopAll();
  await nats?.stop();
  await repo?.remove();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

interface SourcesView {
  readonly items: readonly { readonly revision?: string }[];
  readonly renderErrors: readonly { readonly code: string; readonly message: string; readonly file?: string; readonly appSet?: string }[];
}

async function sources(): Promise<SourcesView> {
  return (await (await fetch(`${hubUrl}/api/v1/sources`)).json()) as SourcesView;
}

describe("hostile templates against a running hub", () => {
  it("keeps /healthz answering while the hostile commit renders", async () => {
    // Probed repeatedly until the hub has rendered the commit: every probe must be answered.
    let probes = 0;
    await until(
      "the hub to render the hostile commit",
      async () => {
        const res = await fetch(`${hubUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ status: "ok" });
        probes++;
        const view = await sources();
        return view.items[0]?.revision === hostileCommit ? view : undefined;
      },
      { timeoutMs: 100_000, intervalMs: 250 },
    );
    expect(probes).toBeGreaterThan(0);
  });

  it("fails each hostile ApplicationSet alone with RENDER_BUDGET_EXCEEDED, naming it and its file", async () => {
    const view = await until("the hub's render errors", async () => {
      const v = await sources();
      return v.items[0]?.revision === hostileCommit ? v : undefined;
    }, { timeoutMs: 100_000 });
    const names = [...Object.keys(ATTACKS).map((_, i) => `hostile-${String(i)}`), "many"];
    for (const name of names) {
      const error = view.renderErrors.find((e) => e.appSet === name);
      expect(error, name).toBeDefined();
      expect(error?.code, `${name}: ${error?.message ?? ""}`).toBe("RENDER_BUDGET_EXCEEDED");
      expect(error?.file).toBe(`appsets/${name}.yaml`);
      expect(error?.message).toMatch(new RegExp(`^ApplicationSet ${name}\\b.*render budget exceeded`));
    }
    expect(view.renderErrors.filter((e) => e.appSet === "good")).toEqual([]);
  });

  it("publishes the benign ApplicationSet of the same commit to the cluster's KV entry", async () => {
    const bundle = await until("c1's desired state at the hostile commit", async () => {
      const fetched = await fetchDesiredState(nc, { fleet: FLEET, cluster: "c1" });
      if (fetched?.envelope.revision !== hostileCommit || fetched.envelope.bundle === undefined) return undefined;
      const bytes = decompressBundle(Buffer.from(fetched.envelope.bundle, "base64"), 64 << 20);
      return JSON.parse(Buffer.from(bytes).toString("utf8")) as { apps: { name: string; objects: { metadata: { name: string } }[] }[] };
    }, { timeoutMs: 100_000 });
    expect(bundle.apps.map((a) => a.name)).toEqual(["good-c1"]);
    expect(bundle.apps[0]?.objects.map((o) => o.metadata.name)).toEqual(["good-v2"]);
    const health = await fetch(`${hubUrl}/healthz`);
    expect(health.status).toBe(200);
  });

  it("refuses YAML alias bombs, in a template's fromYaml and in the ApplicationSet file, with their own codes", async () => {
    const view = await sources();
    const fileError = view.renderErrors.find((e) => e.file === "appsets/alias-file.yaml");
    expect(fileError?.code).toBe("GITOPS_PARSE");
    const cluster = await until("c1's errors", async () => {
      const c = (await (await fetch(`${hubUrl}/api/v1/clusters/c1`)).json()) as { errors: { code: string; message: string }[] };
      return c.errors.length > 0 ? c : undefined;
    });
    const templateError = cluster.errors.find((e) => e.message.includes("fromYaml"));
    expect(templateError?.code).toBe("GITOPS_TEMPLATE");
    expect(templateError?.message).toMatch(/invalid YAML/);
  });
});

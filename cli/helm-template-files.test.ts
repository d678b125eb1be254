import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runFlotilla } from "../test/harness/run-cli.js";

// `helm template --output-dir` and `--post-renderer`, checked against what the same command prints
// without them (which test/fixtures/helm holds byte for byte as helm 3.17.2 prints it).
const FIXTURES = join(REPO_ROOT, "test/fixtures/helm");
const BASE = ["helm", "template", "rel", join(FIXTURES, "webapp"), "-n", "apps", "--include-crds"];

/** The documents of a `helm template` output grouped by source, in order: what --output-dir writes per file. */
function bySource(output: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const doc of output.split(/(?=^---\n# Source: )/mu)) {
    const source = /^---\n# Source: (.+)\n/u.exec(doc)?.[1];
    if (source !== undefined) files.set(source, (files.get(source) ?? "") + doc);
  }
  return files;
}

let dir: string;
let printed: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flotilla-helm-files-"));
  const r = await runFlotilla(BASE);
  expect(r.code).toBe(0);
  printed = r.stdout;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("helm template --output-dir", () => {
  it("writes each template's documents to DIR/<template path>, says so, and prints only a blank line after", async () => {
    const r = await runFlotilla([...BASE, "--output-dir", "out"], { cwd: dir });
    expect(r.stderr).toBe("");
    const expected = bySource(printed);
    const wrote = r.stdout.split("\n").filter((l) => l.startsWith("wrote "));
    // One line per document written (repeated files appended), then helm's empty manifest line.
    expect(r.stdout).toBe(`${wrote.join("\n")}\n\n`);
    expect(new Set(wrote)).toEqual(new Set([...expected.keys()].map((s) => `wrote out/${s}`)));
    for (const [source, text] of expected) expect(await readFile(join(dir, "out", source), "utf8")).toBe(text);
  });

  it("puts manifests and hooks under DIR/<release> with --release-name (CRDs stay under DIR), and appends hooks to files left by an earlier run as helm does", async () => {
    const args = [...BASE, "--output-dir", "out2", "--release-name"];
    expect((await runFlotilla(args, { cwd: dir })).code).toBe(0);
    const expected = bySource(printed);
    for (const [source, text] of expected) {
      const path = source.includes("/crds/") ? join(dir, "out2", source) : join(dir, "out2", "rel", source);
      expect(await readFile(path, "utf8")).toBe(text);
    }
    const again = await runFlotilla(args, { cwd: dir });
    expect(again.code).toBe(0);
    const hooks = join(dir, "out2", "rel", "webapp/templates/hooks.yaml");
    expect(await readFile(hooks, "utf8")).toBe((expected.get("webapp/templates/hooks.yaml") ?? "").repeat(2));
    const manifest = [...expected.keys()].find((s) => s.includes("/templates/") && !s.endsWith("hooks.yaml")) ?? "";
    expect(await readFile(join(dir, "out2", "rel", manifest), "utf8")).toBe(expected.get(manifest));
  });
});

describe("helm template --post-renderer", () => {
  it("pipes the release manifest (CRDs and manifests, no hooks) through the program and prints its output, then the hooks", async () => {
    const script = join(dir, "upper-kind.sh");
    await writeFile(script, '#!/bin/sh\ntee "$1" | sed "s/^kind: /kind: Post/"\n');
    await chmod(script, 0o755);
    const seen = join(dir, "seen.yaml");
    const r = await runFlotilla([...BASE, "--post-renderer", script, "--post-renderer-args", seen], { cwd: dir });
    expect(r.code).toBe(0);
    const hookStart = printed.indexOf("---\n# Source: webapp/templates/hooks.yaml");
    expect(hookStart).toBeGreaterThan(0);
    const manifest = printed.slice(0, hookStart);
    expect(await readFile(seen, "utf8")).toBe(manifest);
    expect(r.stdout).toBe(`${manifest.replace(/^kind: /gmu, "kind: Post").trim()}\n${printed.slice(hookStart)}`);
  });

  it("fails with HELM_POST_RENDER_FAILED and the exit status when the program fails; its stderr is passed through, not quoted", async () => {
    const script = join(dir, "fail.sh");
    await writeFile(script, "#!/bin/sh\ncat >/dev/null\necho renderer says no >&2\nexit 3\n");
    await chmod(script, 0o755);
    const r = await runFlotilla([...BASE, "--set", "db.password=hunter2", "--post-renderer", script], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("renderer says no");
    expect(r.stderr).toContain("HELM_POST_RENDER_FAILED");
    expect(r.stderr).toContain(`error while running post render on files: error while running command ${script}: exit status 3`);
    expect(r.stderr).not.toContain("hunter2");
  });

  it("refuses a program it cannot find before rendering", async () => {
    const r = await runFlotilla([...BASE, "--post-renderer", "no-such-post-renderer"], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find binary at no-such-post-renderer: exec: "no-such-post-renderer": executable file not found in $PATH');
  });
});

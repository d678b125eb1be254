import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/index.js";

const run = promisify(execFile);

/** Runs our dependency-cruiser config over a scratch tree shaped like the repo. */
async function cruise(dir: string): Promise<{ code: number; output: string }> {
  const bin = join(REPO_ROOT, "node_modules", ".bin", "depcruise");
  try {
    const { stdout } = await run(bin, ["--config", join(REPO_ROOT, ".dependency-cruiser.cjs"), "hub", "spoke", "crypto", "template", "core"], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

describe("import rules (npm run depcheck)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "flotilla-deps-"));
    await cp(join(REPO_ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
    for (const sub of ["hub", "spoke", "crypto", "template", "core"]) await mkdir(join(dir, sub));
    await writeFile(join(dir, "core", "flotilla-error.ts"), "export const x = 1;\n");
    await writeFile(join(dir, "spoke", "agent.ts"), 'import { x } from "../core/flotilla-error.js";\nexport const agent = x;\n');
    await writeFile(join(dir, "crypto", "open.ts"), "export const unseal = 1;\n");
    await writeFile(join(dir, "template", "engine.ts"), "export const render = 1;\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes a tree that follows the rules", async () => {
    await writeFile(join(dir, "hub", "publisher.ts"), 'import { x } from "../core/flotilla-error.js";\nexport const p = x;\n');
    const result = await cruise(dir);
    expect(result.output).toContain("no dependency violations found");
    expect(result.code).toBe(0);
  });

  it("fails when the hub imports the spoke or crypto/open", async () => {
    await writeFile(
      join(dir, "hub", "publisher.ts"),
      'import { agent } from "../spoke/agent.js";\nimport { unseal } from "../crypto/open.js";\nexport const p = agent + unseal;\n',
    );
    const result = await cruise(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("hub-never-imports-spoke");
    expect(result.output).toContain("hub-never-opens-secrets");
  });

  it("fails when a leaf imports one of our modules", async () => {
    await writeFile(join(dir, "hub", "publisher.ts"), "export const p = 1;\n");
    await writeFile(join(dir, "template", "engine.ts"), 'import { p } from "../hub/publisher.js";\nexport const render = p;\n');
    const result = await cruise(dir);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("template-is-a-leaf");
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../core/index.js";
import { ProcessSupervisor } from "./process-supervisor.js";

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

const node = process.execPath;

describe("ProcessSupervisor", () => {
  it("waits for the ready line and stops every child, grandchildren included", async () => {
    const supervisor = new ProcessSupervisor({ logger: silentLogger(), stopGraceMs: 2_000 });
    // The child spawns a grandchild that ignores SIGTERM and says it is ready once the grandchild
    // has printed its pid (forwarded), however slowly the machine starts node.
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "process.on('SIGTERM',()=>{}); console.log('g', process.pid); setInterval(()=>{},1000)"], { stdio: ["ignore","pipe","inherit"] });
      g.stdout.once("data", (d) => { process.stdout.write(d); console.log("server ready at http://127.0.0.1:1"); });
      setInterval(() => {}, 1000);`;
    const child = await supervisor.start({ name: "fake server", command: node, args: ["-e", script], ready: /ready/ });
    expect(child.readyLine).toBe("server ready at http://127.0.0.1:1");
    const grandchild = Number(/g (\d+)/.exec(child.output())?.[1]);
    expect(grandchild).toBeGreaterThan(0);
    expect(supervisor.running()).toEqual(["fake server"]);
    await supervisor.stopAll();
    expect(alive(child.pid)).toBe(false);
    expect(alive(grandchild)).toBe(false);
    expect(supervisor.running()).toEqual([]);
  });

  it("reports a child that exits before it is ready, with its output", async () => {
    const supervisor = new ProcessSupervisor({ logger: silentLogger() });
    await expect(
      supervisor.start({ name: "broken", command: node, args: ["-e", "console.error('port in use'); process.exit(3)"], ready: /ready/ }),
    ).rejects.toMatchObject({ code: "DEMO_CHILD_EXITED", message: expect.stringContaining("port in use") });
    await supervisor.stopAll();
  });

  it("reports a binary that cannot be started", async () => {
    const supervisor = new ProcessSupervisor({ logger: silentLogger() });
    await expect(supervisor.start({ name: "missing", command: "/nonexistent/bin", args: [] })).rejects.toMatchObject({
      code: "DEMO_SPAWN_FAILED",
    });
  });
});

import { createServer } from "node:net";
import { dirname } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, locateExecutable } from "./local-host.js";

describe("locateExecutable", () => {
  it("finds a binary on PATH, then in the fallback dirs, and says undefined otherwise", () => {
    const nodeDir = dirname(process.execPath);
    expect(locateExecutable("node", `/nonexistent:${nodeDir}`, [])).toBe(process.execPath);
    expect(locateExecutable("node", "/nonexistent", [nodeDir])).toBe(process.execPath);
    expect(locateExecutable("no-such-binary-flotilla", nodeDir, [])).toBeUndefined();
  });
});

describe("freePort", () => {
  it("returns a port another server can listen on", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});

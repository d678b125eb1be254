import { beforeAll, describe, expect, it } from "vitest";
import { silentLogger, type Clock } from "../../core/index.js";
import { LuaRuntime, luaHealthRule, parseLuaHealthScripts, resourceHealth, type KubeObject, type LuaLimits } from "../../kube/index.js";
import { LuaHealthPolicy } from "../../spoke/lua-health-policy.js";
import { leaksIn } from "./leak-check.js";

// What a hostile (or careless) health script in the fleet repository could try on a spoke. Scripts
// are signed with the bundle, so they are as trusted as the manifests; the sandbox still has to
// keep them from the spoke's files, network, process, memory and time, and from each other.

let runtime: LuaRuntime;
beforeAll(async () => {
  runtime = await LuaRuntime.load();
});

const LIMITS: LuaLimits = { steps: 2_000_000, memoryBytes: 8 * 1024 * 1024 };

function run(script: string, obj: unknown = {}) {
  return runtime.run(script, { chunkName: "health.lua", globals: { obj }, now: 1_700_000_000, limits: LIMITS });
}

const widget = (name: string, phase: string): KubeObject => ({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name }, status: { phase } });
const PHASE_SCRIPT = `return {status = obj.status.phase == "Ready" and "Healthy" or "Progressing", message = obj.metadata.name}`;

describe("the Lua sandbox refuses what Argo CD does not give a health script", () => {
  it.each([
    ["os.execute", `return os.execute("touch /tmp/flotilla-pwned")`],
    ["os.remove", `return os.remove("/etc/hostname")`],
    ["os.getenv", `return os.getenv("HOME")`],
    ["os.exit", `os.exit(1)`],
    ["io.open", `return io.open("/etc/passwd")`],
    ["io.popen", `return io.popen("id")`],
    ["require of a library", `return require("io")`],
    ["require of a file", `return require("socket")`],
    ["load", `return load("return 1")()`],
    ["loadstring", `return loadstring("return 1")()`],
    ["dofile", `return dofile("/etc/passwd")`],
    ["loadfile", `return loadfile("/etc/passwd")`],
    ["debug", `return debug.getinfo(1)`],
    ["string.dump", `return string.dump(function() end)`],
    ["package.loadlib", `return package.loadlib("libc.so.6", "system")`],
    ["collectgarbage", `collectgarbage("stop")`],
  ])("%s fails as a script error", (_name, script) => {
    const result = run(script);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.kind).toBe("runtime");
  });

  it("refuses precompiled bytecode", () => {
    const result = runtime.run("\x1bLua\x54\x00", { chunkName: "health.lua", globals: {}, now: 0 });
    expect(result).toMatchObject({ ok: false, kind: "syntax" });
  });

  it("an endless loop ends with a step budget error", () => {
    expect(run(`while true do end`)).toEqual({ ok: false, kind: "steps", message: `ran past its step budget (${LIMITS.steps} instructions)` });
    expect(run(`local function f() return f() end return f()`)).toMatchObject({ ok: false, kind: "steps" });
    // pcall does not catch the budget: the hook's error is raised again at the next block.
    expect(run(`while true do pcall(function() while true do end end) end`)).toMatchObject({ ok: false, kind: "steps" });
  });

  it.each([
    ["string.rep", `return string.rep("x", 1024 * 1024 * 1024)`],
    ["doubling concatenation", `local s = "x" while true do s = s .. s end`],
    ["table.concat", `local t = {} for i = 1, 64 do t[i] = string.rep("y", 1024 * 1024) end return table.concat(t)`],
    ["a growing table", `local t = {} local i = 0 while true do i = i + 1 t[i] = {i} end`],
    ["string.format widths in a loop", `local t = {} for i = 1, 100000 do t[i] = string.format("%99d", i) end`],
  ])("a %s memory bomb ends with a memory budget error", (_name, script) => {
    expect(run(script)).toMatchObject({ ok: false, kind: "memory" });
  });

  it("deep recursion is a Lua error, not a crash of the VM", () => {
    const result = run(`local function f(n) return 1 + f(n + 1) end return f(1)`);
    expect(result.ok).toBe(false);
    expect(run(`return "still working"`)).toEqual({ ok: true, value: "still working" });
  });

  it("a pattern that would backtrack for minutes inside one C call is refused", () => {
    const result = run(`local s = string.rep("a", 20000) return s:find(".-.-.-.-b")`);
    expect(result).toMatchObject({ ok: false, kind: "runtime", message: expect.stringContaining("pattern too costly") as unknown });
    expect(run(`return ("2024-01-02T03:04:05Z"):match("(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)Z")`)).toEqual({ ok: true, value: "2024" });
  });

  it("an object nested past the limit is refused before the script runs", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 200; i++) deep = { a: deep };
    expect(run(`return 1`, deep)).toMatchObject({ ok: false, kind: "value" });
  });
});

describe("a hostile script cannot reach other objects or the spoke", () => {
  const scripts = parseLuaHealthScripts([
    { path: "example.com/Widget/health.lua", text: PHASE_SCRIPT },
    {
      path: "example.com/Gadget/health.lua",
      text: `
        -- Tries to leave something behind for the next script.
        _G.hijack = true
        os.time = function() return 0 end
        string.find = function() return 1 end
        getmetatable("").__index = { upper = function() return "PWNED" end }
        setmetatable(_G, { __index = function() return "x" end })
        return {status = "Healthy", message = "gadget"}`,
    },
    { path: "example.com/Spinner/health.lua", text: `while true do end` },
    { path: "example.com/Bomb/health.lua", text: `local s = "x" while true do s = s .. s end` },
    { path: "_/health.lua", text: `return {status = "Degraded", message = "stole " .. tostring(obj.data and obj.data.password)}` },
  ]);
  let custom: ReturnType<typeof luaHealthRule>;
  beforeAll(() => {
    custom = luaHealthRule({ runtime, scripts, now: () => 1_700_000_000_000, limits: LIMITS });
  });

  it("each object is rated in a fresh state: what one script changes is gone for the next", () => {
    const gadget = { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g" } } as KubeObject;
    expect(resourceHealth(gadget, { custom })).toMatchObject({ status: "Healthy", message: "gadget" });
    expect(resourceHealth(widget("w1", "Ready"), { custom })).toEqual({ status: "Healthy", message: "w1", rule: "lua:example.com/Widget" });
    const probe = run(`return {tostring(hijack), tostring(os.time()), tostring(string.find("abc", "c")), ("a"):upper()}`);
    expect(probe).toEqual({ ok: true, value: ["nil", "1700000000", "3", "A"] });
  });

  it("a spinning or exploding script rates only its own object Unknown; the others keep their ratings", () => {
    const spinner = { apiVersion: "example.com/v1", kind: "Spinner", metadata: { name: "s" } } as KubeObject;
    const bomb = { apiVersion: "example.com/v1", kind: "Bomb", metadata: { name: "b" } } as KubeObject;
    const ratings = [widget("before", "Ready"), spinner, bomb, widget("after", "Pending")].map((o) => resourceHealth(o, { custom }));
    expect(ratings).toEqual([
      { status: "Healthy", message: "before", rule: "lua:example.com/Widget" },
      { status: "Unknown", message: `health script failed: ran past its step budget (${LIMITS.steps} instructions)`, rule: "lua:example.com/Spinner" },
      { status: "Unknown", message: `health script failed: ran past its memory budget (${LIMITS.memoryBytes} bytes)`, rule: "lua:example.com/Bomb" },
      { status: "Progressing", message: "after", rule: "lua:example.com/Widget" },
    ]);
  });

  it("a catch-all script never sees a Secret, so no secret value reaches a status", () => {
    const password = "hunter2-correct-horse-battery";
    const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db" }, data: { password: Buffer.from(password).toString("base64") }, stringData: { password } } as unknown as KubeObject;
    const rated = resourceHealth(secret, { custom });
    expect(leaksIn(JSON.stringify(rated ?? null), password)).toEqual([]);
    expect(leaksIn(JSON.stringify(rated ?? null), Buffer.from(password).toString("base64"))).toEqual([]);
    // The same script does run for other core kinds (it is a real catch-all).
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { password: "not-a-secret" } } as unknown as KubeObject;
    expect(resourceHealth(cm, { custom })).toMatchObject({ status: "Degraded", message: "stole not-a-secret", rule: "lua:*" });
  });

  it("the spoke's policy keeps rating after hostile scripts, with the clock it was given", () => {
    let now = 1_700_000_000_000;
    const clock: Clock = { now: () => now } as Clock;
    const policy = new LuaHealthPolicy({ clock, logger: silentLogger(), runtime, limits: LIMITS });
    policy.set(parseLuaHealthScripts([{ path: "example.com/Widget/health.lua", text: `return {status = "Healthy", message = tostring(os.time())}` }]));
    expect(policy.rate(widget("w", "Ready"))).toEqual({ status: "Healthy", message: "1700000000", rule: "lua:example.com/Widget" });
    now += 5000;
    expect(policy.rate(widget("w", "Ready"))?.message).toBe("1700000005");
    policy.set(undefined);
    expect(policy.rate(widget("w", "Ready"))).toBeUndefined();
  });
});

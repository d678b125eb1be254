import type * as Wasmoon from "wasmoon";
import type { LuaWasm } from "wasmoon";
import { LuaValueError, pushJson, pushString, readJson, type LuaJson } from "./lua-values.js";
import { SANDBOX_PRELUDE } from "./lua-sandbox-prelude.js";

/**
 * Limits of one script run. Argo CD gives a health script one second of wall time; we count
 * instructions instead (the same script gets the same answer on a busy spoke) and cap the memory
 * the Lua state may allocate (a `string.rep` or `s = s .. s` bomb fails with a budget error).
 */
export interface LuaLimits {
  /** VM instructions, counted in blocks of {@link STEP_BLOCK}. */
  readonly steps: number;
  /** Bytes the Lua state may hold at once, the object under test included. */
  readonly memoryBytes: number;
}

export const DEFAULT_LUA_LIMITS: LuaLimits = { steps: 10_000_000, memoryBytes: 16 * 1024 * 1024 };

/** How many instructions run between two budget checks. */
export const STEP_BLOCK = 1000;

export const LUA_FAILURE = {
  /** The script does not compile. */
  syntax: "syntax",
  /** `error(...)` or a runtime fault (indexing nil, bad arguments). */
  runtime: "runtime",
  steps: "steps",
  memory: "memory",
  /** The input or the returned value cannot cross the boundary (too deep, a function as a value). */
  value: "value",
} as const;
export type LuaFailureKind = (typeof LUA_FAILURE)[keyof typeof LUA_FAILURE];

export type LuaRun = { readonly ok: true; readonly value: LuaJson } | { readonly ok: false; readonly kind: LuaFailureKind; readonly message: string };

export interface LuaRunOptions {
  /** Shown in error positions (`name:12: attempt to index a nil value`). */
  readonly chunkName: string;
  /** Globals set before the script runs, converted as Argo CD converts objects (see lua-values.ts). */
  readonly globals: Readonly<Record<string, unknown>>;
  /** Seconds since the epoch that `os.time()` and `os.date()` see. */
  readonly now: number;
  readonly limits?: LuaLimits | undefined;
}

const LUA_OK = 0;
const LUA_ERRMEM = 4;
const LUA_MASKCOUNT = 8;

/** Thrown from the count hook through the VM; the marker tells it from a script's own error. */
const STEP_BUDGET_MARKER = "flotilla: step budget exhausted";

let shared: Promise<LuaRuntime> | undefined;

/**
 * A Lua 5.4 VM (wasmoon: the reference C implementation compiled to WebAssembly). Loading the
 * module is asynchronous and done once per process; every run after that is synchronous and gets
 * a fresh Lua state, so one script (or one object) can never see or change another's.
 */
export class LuaRuntime {
  readonly #wasm: LuaWasm;
  /** The wasmoon module, imported with the runtime: processes that never run Lua never load it. */
  readonly #lib: typeof Wasmoon;
  readonly #hook: number;
  /** Budget of the run in progress (runs never nest: everything here is synchronous). */
  #stepsLeft = 0;

  private constructor(lib: typeof Wasmoon, wasm: LuaWasm) {
    this.#lib = lib;
    this.#wasm = wasm;
    // One hook for the process: a table slot per run would grow the wasm function table.
    this.#hook = wasm.module.addFunction((L: number) => {
      this.#stepsLeft -= STEP_BLOCK;
      if (this.#stepsLeft >= 0) return;
      // Past the budget every instruction raises again, so a pcall that catches the error (even
      // in a loop) fails at its next instruction, until the error leaves the script.
      wasm.lua_sethook(L, this.#hook, LUA_MASKCOUNT, 1);
      pushString(wasm, L, STEP_BUDGET_MARKER);
      wasm.lua_error(L);
    }, "vii");
  }

  /** The process-wide runtime (the WebAssembly module is compiled on first use). */
  static load(): Promise<LuaRuntime> {
    shared ??= import("wasmoon").then(async (lib) => new LuaRuntime(lib, await new lib.LuaFactory().getLuaModule()));
    return shared;
  }

  /** Runs `script` in a sandbox (see lua-sandbox-prelude.ts) and returns its first result as JSON-like data. */
  run(script: string, options: LuaRunOptions): LuaRun {
    const limits = options.limits ?? DEFAULT_LUA_LIMITS;
    const { LuaEngine, LuaLibraries } = this.#lib;
    const engine = new LuaEngine(this.#wasm, { openStandardLibs: false, injectObjects: false, enableProxy: false, traceAllocations: true });
    const global = engine.global;
    const wasm = this.#wasm;
    const L = global.address;
    try {
      global.setMemoryMax(limits.memoryBytes);
      for (const lib of [LuaLibraries.Base, LuaLibraries.Table, LuaLibraries.String, LuaLibraries.Math, LuaLibraries.OS]) global.loadLibrary(lib);
      // The prelude runs unmetered and with full access, then removes what scripts must not reach.
      const prelude = this.#load(L, SANDBOX_PRELUDE, "=sandbox");
      if (prelude !== undefined) return prelude;
      wasm.lua_pushinteger(L, BigInt(Math.floor(options.now)));
      const started = wasm.lua_pcallk(L, 1, 0, 0, 0, null);
      if (started !== LUA_OK) return { ok: false, kind: LUA_FAILURE.runtime, message: `sandbox: ${this.#errorText(L)}` };
      for (const [name, value] of Object.entries(options.globals)) {
        try {
          pushJson(wasm, L, value);
        } catch (err) {
          if (err instanceof RangeError || err instanceof LuaValueError) return { ok: false, kind: LUA_FAILURE.value, message: `${name}: ${err.message}` };
          throw err;
        }
        wasm.lua_setglobal(L, name);
      }
      if (global.getMemoryUsed() > limits.memoryBytes) return { ok: false, kind: LUA_FAILURE.memory, message: `the object does not fit the memory budget (${limits.memoryBytes} bytes)` };
      const loaded = this.#load(L, script, `=${options.chunkName}`);
      if (loaded !== undefined) return loaded;
      this.#stepsLeft = limits.steps;
      wasm.lua_sethook(L, this.#hook, LUA_MASKCOUNT, STEP_BLOCK);
      const status = wasm.lua_pcallk(L, 0, 1, 0, 0, null);
      wasm.lua_sethook(L, null, 0, 0);
      if (status === LUA_ERRMEM) return { ok: false, kind: LUA_FAILURE.memory, message: `ran past its memory budget (${limits.memoryBytes} bytes)` };
      if (status !== LUA_OK) {
        const text = this.#errorText(L);
        if (text.endsWith(STEP_BUDGET_MARKER)) return { ok: false, kind: LUA_FAILURE.steps, message: `ran past its step budget (${limits.steps} instructions)` };
        return { ok: false, kind: LUA_FAILURE.runtime, message: text };
      }
      try {
        return { ok: true, value: readJson(wasm, L, -1) };
      } catch (err) {
        if (err instanceof LuaValueError) return { ok: false, kind: LUA_FAILURE.value, message: err.message };
        throw err;
      }
    } finally {
      global.close();
    }
  }

  #load(L: number, code: string, name: string): LuaRun | undefined {
    const wasm = this.#wasm;
    const bytes = Buffer.from(code, "utf8");
    const ptr = wasm.module._malloc(bytes.length + 1);
    try {
      wasm.module.HEAPU8.set(bytes, ptr);
      // Mode "t": text only; precompiled bytecode can break the VM's own checks.
      const status = Number(wasm.luaL_loadbufferx(L, ptr, bytes.length, name, "t"));
      if (status === LUA_ERRMEM) return { ok: false, kind: LUA_FAILURE.memory, message: "the script does not fit the memory budget" };
      if (status !== LUA_OK) return { ok: false, kind: LUA_FAILURE.syntax, message: this.#errorText(L) };
      return undefined;
    } finally {
      wasm.module._free(ptr);
    }
  }

  /** The error value on top of the stack as text (non-string errors are named by their type). */
  #errorText(L: number): string {
    const wasm = this.#wasm;
    const type = Number(wasm.lua_type(L, -1));
    const LUA_TNUMBER = 3;
    const LUA_TSTRING = 4;
    if (type === LUA_TSTRING || type === LUA_TNUMBER) return wasm.lua_tolstring(L, -1, null) ?? "";
    return `(error object is a ${wasm.lua_typename(L, type)} value)`;
  }
}

import type { CommandRegistrar } from "./context.js";
import { registerVersion } from "./version.js";

/** Every command of the `flotilla` binary, in help order. Add one line per command file. */
export const COMMANDS: readonly CommandRegistrar[] = [registerVersion];

import type { CommandRegistrar } from "./context.js";
import { registerVersion } from "./version.js";
import { registerNatsConfig } from "./nats-config.js";
import { registerHub } from "./hub.js";
import { registerSeal } from "./seal.js";
import { registerUnseal } from "./unseal.js";
import { registerReseal } from "./reseal.js";
import { registerKeys } from "./keys.js";
import { registerSops } from "./sops.js";
import { registerDevcluster } from "./devcluster.js";
import { registerRender } from "./render.js";
import { registerAppset } from "./appset.js";
import { registerStatus } from "./status.js";
import { registerDemo } from "./demo.js";
import { registerSpoke } from "./spoke.js";
import { registerBootstrap } from "./bootstrap.js";

/** Every command of the `flotilla` binary, in help order. Add one line per command file. */
export const COMMANDS: readonly CommandRegistrar[] = [registerVersion, registerHub, registerNatsConfig, registerSeal, registerUnseal, registerReseal, registerKeys, registerSops, registerDevcluster, registerRender, registerAppset, registerStatus, registerDemo, registerSpoke, registerBootstrap];

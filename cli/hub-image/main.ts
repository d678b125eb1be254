#!/usr/bin/env node
import { COMMANDS } from "../commands.js";
import { processCliContext } from "../config.js";
import { runCli } from "../run-cli.js";

// The hub image's entry point (Dockerfile.hub): only `flotilla hub`. Nothing on its import graph
// can open a secret, so the image ships without the private-key modules, SOPS decryption or the
// agent at all (test/e2e/hub-image.test.ts strips them as the Dockerfile does and runs the hub).
const argv = process.argv.slice(2);
process.exitCode = await runCli(argv, processCliContext(argv), { commands: COMMANDS.filter((c) => c.name === "hub") });

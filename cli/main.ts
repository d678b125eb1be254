#!/usr/bin/env node
import { processCliContext } from "./config.js";
import { runCli } from "./run-cli.js";

const argv = process.argv.slice(2);
process.exitCode = await runCli(argv, processCliContext(argv));

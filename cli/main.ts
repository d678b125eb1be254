#!/usr/bin/env node
import { useSmallYoungGeneration, wantsSmallYoungGeneration } from "./agent-heap.js";
import { processCliContext } from "./config.js";
import { runCli } from "./run-cli.js";

const argv = process.argv.slice(2);
if (wantsSmallYoungGeneration(argv, process.execArgv, process.env.NODE_OPTIONS)) useSmallYoungGeneration();
process.exitCode = await runCli(argv, processCliContext(argv));

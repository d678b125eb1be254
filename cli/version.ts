import { FlotillaError } from "../core/index.js";
import type { CommandRegistrar } from "./context.js";
import { FLOTILLA_VERSION } from "./flotilla-version.js";

export const registerVersion: CommandRegistrar = (program, ctx) => {
  program
    .command("version")
    .description("print the flotilla version")
    .option("-o, --output <format>", "text or json", "text")
    .action((opts: { output: string }) => {
      const info = { version: FLOTILLA_VERSION, node: process.versions.node };
      if (opts.output === "json") ctx.stdout.write(`${JSON.stringify(info)}\n`);
      else if (opts.output === "text") ctx.stdout.write(`flotilla ${info.version} (node ${info.node})\n`);
      else {
        throw new FlotillaError("INVALID_FLAG", `unknown output format "${opts.output}" (use text or json)`, {
          field: "--output",
        });
      }
    });
};

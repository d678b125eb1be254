import { FlotillaError } from "../core/index.js";
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from "./completion-script.js";
import type { CommandRegistrar } from "./context.js";

/** `flotilla completion bash|zsh|fish`: the script for that shell on stdout (kubectl's and helm's usage). */
export const registerCompletion: CommandRegistrar = (program, ctx) => {
  program
    .command("completion")
    .description("print a shell completion script: source <(flotilla completion bash), or zsh, or fish")
    .argument("<shell>", COMPLETION_SHELLS.join(", "))
    .action((shell: string) => {
      if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
        throw new FlotillaError("INVALID_FLAG", `unknown shell "${shell}" (use ${COMPLETION_SHELLS.join(", ")})`, { field: "SHELL" });
      }
      ctx.stdout.write(completionScript(shell as CompletionShell, program));
    });
};

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { completionScript, completionTree } from "./completion-script.js";

// A small tree with the shapes the real CLI has: global options, nested commands, flags with
// values, choices, and a quote in a description.
function program(): Command {
  const root = new Command("flotilla").version("1.0.0", "-v, --version").option("--debug", "stack traces").option("--log-level <level>", "level");
  const keys = root.command("keys").description("sealing keys");
  keys.command("age-keygen").description("make an age key").option("-o, --output <file>", "the file").option("-y", "convert");
  keys.command("rotate").description("rotate").addOption(new Option("--format <f>", "output").choices(["yaml", "json"]));
  root.command("status").description("fleet's status").option("--hub <url>", "hub");
  return root;
}

const dir = mkdtempSync(join(tmpdir(), "completion-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What real bash offers on Tab after `line` (a trailing space starts a new word). */
function bashComplete(line: string): string[] {
  const file = join(dir, "c.bash");
  writeFileSync(file, completionScript("bash", program()));
  const script = `source ${file}; read -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _flotilla_completion; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync("bash", ["-c", script], { env: { LINE: line, PATH: process.env.PATH }, encoding: "utf8" }).split("\n").filter((w) => w !== "");
}

describe("completion scripts from the command tree", () => {
  it("lists every command with its own and the global flags (not --version below the root)", () => {
    const tree = completionTree(program());
    expect(tree.map((n) => n.path.join(" "))).toEqual(["", "keys", "keys age-keygen", "keys rotate", "status"]);
    const keygen = tree.find((n) => n.path.join(" ") === "keys age-keygen");
    expect(keygen?.options.map((o) => o.long ?? o.short)).toEqual(["--output", "-y", "--debug", "--log-level", "--help"]);
  });

  it("bash completes commands, subcommands and flags at any depth, skipping global flags and their values", () => {
    expect(bashComplete("flotilla ")).toEqual(["keys", "status"]);
    expect(bashComplete("flotilla --log-level debug k")).toEqual(["keys"]);
    expect(bashComplete("flotilla keys a")).toEqual(["age-keygen"]);
    expect(bashComplete("flotilla keys age-keygen --o")).toEqual(["--output"]);
    expect(bashComplete("flotilla keys age-keygen -")).toEqual(["-o", "--output", "-y", "--debug", "--log-level", "-h", "--help"]);
    expect(bashComplete("flotilla keys rotate --format ")).toEqual(["yaml", "json"]);
    // After a flag that takes a value, nothing from us: bash falls back to file names.
    expect(bashComplete("flotilla keys age-keygen -o ")).toEqual([]);
  });

  it("fish gets a line per subcommand and flag, with quotes in descriptions escaped", () => {
    const fish = completionScript("fish", program());
    expect(fish).toContain(`complete -c flotilla -n 'test (__flotilla_path) = \\'flotilla\\'' -f -a 'status' -d 'fleet\\'s status'`);
    expect(fish).toContain(`complete -c flotilla -n 'test (__flotilla_path) = \\'flotilla keys age-keygen\\'' -s o -l output -r -F -d 'the file'`);
    expect(fish).toContain(`-l format -x -a 'yaml json'`);
  });

  it("zsh loads the bash script through bashcompinit", () => {
    const zsh = completionScript("zsh", program());
    expect(zsh.split("\n")[0]).toBe("#compdef flotilla");
    expect(zsh).toContain("bashcompinit");
    expect(zsh).toContain("complete -o default -F _flotilla_completion flotilla");
  });
});

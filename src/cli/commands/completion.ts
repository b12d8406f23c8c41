/**
 * `fichier completion bash|zsh|fish`: prints the completion script for the shell, built from the program tree.
 */
import type { Command } from "commander";
import { commandTree, completionScript } from "../completion.js";
import type { CliContext } from "../context.js";
import { UsageError } from "../errors.js";
import { SUMMARIES } from "../summaries.js";

/** Registers `completion`. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command("completion")
    .description(SUMMARIES.completion.description)
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nInstall:\n  bash: fichier completion bash > ~/.local/share/bash-completion/completions/fichier\n" +
        "  zsh:  fichier completion zsh > ~/.zfunc/_fichier   (with fpath+=~/.zfunc before compinit)\n" +
        "  fish: fichier completion fish > ~/.config/fish/completions/fichier.fish\n" +
        "JSON: {shell, script}",
    )
    .action((shell: string) => {
      if (shell !== "bash" && shell !== "zsh" && shell !== "fish") {
        throw new UsageError(`unknown shell "${shell}"`, "choose bash, zsh or fish");
      }
      const script = completionScript(shell, commandTree(program));
      // The script holds no secret, but option names such as "--password --help" look like one to the redactor.
      ctx.out.result(script, { shell, script }, { reveal: [script, JSON.stringify(script).slice(1, -1)] });
    });
}

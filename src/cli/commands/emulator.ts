/**
 * `fichier emulator`: serves the local emulator. The command itself is built by the emulator package
 * (`createEmulatorCommand()` in `src/emulator/command.ts`); this module only attaches it to the program.
 */
import type { Command } from "commander";
import type { CliContext } from "../context.js";

/** Registers `fichier emulator`. */
export async function register(program: Command, _ctx: CliContext): Promise<void> {
  const specifier = "../../emulator/command.js";
  let mod: { createEmulatorCommand?: () => Command } | undefined;
  try {
    mod = (await import(specifier)) as { createEmulatorCommand?: () => Command };
  } catch (e) {
    if ((e as { code?: string }).code !== "ERR_MODULE_NOT_FOUND" || !String(e).includes("command.js"))
      throw e;
  }
  if (mod?.createEmulatorCommand) {
    const cmd = mod.createEmulatorCommand();
    // addCommand does not copy the program's settings (exitOverride, output): do it so errors exit 2 here too.
    cmd.copyInheritedSettings(program);
    program.addCommand(cmd);
    return;
  }
  program
    .command("emulator")
    .description("serve the local 1fichier emulator (not available in this build)")
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw Object.assign(new Error("the emulator is not part of this build"), {
        name: "CliError",
        hint: "rebuild fichier with `npm run build`",
        exitCode: 1,
      });
    });
}

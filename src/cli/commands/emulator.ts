/**
 * `fichier emulator`: serves the local emulator. The command itself is built by the emulator package
 * (`createEmulatorCommand()` in `src/emulator/command.ts`); this module only attaches it to the program.
 */
import type { Command } from "commander";
import { createEmulatorCommand } from "../../emulator/command.js";
import type { CliContext } from "../context.js";

/**
 * Registers `fichier emulator`.
 *
 * @example
 * register(program, ctx); // fichier emulator [--json] [--data DIR] ...
 */
export function register(program: Command, _ctx: CliContext): void {
  const cmd = createEmulatorCommand();
  // addCommand does not copy the program's settings (exitOverride, output): do it so errors exit 2 here too.
  cmd.copyInheritedSettings(program);
  program.addCommand(cmd);
}

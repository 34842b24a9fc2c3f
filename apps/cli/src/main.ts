import { Command } from 'commander';
import { readCliEnv, processEnv } from './config/env.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerAuthCommands } from './commands/auth.js';
import { registerModelCommands } from './commands/models.js';
import { registerAliasCommands } from './commands/alias.js';
import { registerPullCommand } from './commands/pull.js';
import { registerPushCommand } from './commands/push.js';
import { registerVersionCommands } from './commands/versions.js';
import type { CommandContext } from './context.js';
import { EXIT_CODES_HELP } from './errors.js';
import { Output, reportError, type CliIo } from './output.js';
import { CLI_VERSION } from './version.js';

export type { CliIo } from './output.js';
export { ExitCode } from './errors.js';

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: processEnv(), stdin: process.stdin };
}

function buildProgram(ctx: CommandContext): Command {
  const program = new Command('arca')
    .description('Command-line client of the Arca model registry')
    .version(CLI_VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void ctx.io.stdout.write(text),
      writeErr: (text) => void ctx.io.stderr.write(text),
      outputError: () => undefined, // reported once, by reportError
    })
    .addHelpText('after', EXIT_CODES_HELP);
  registerAuthCommands(program, ctx);
  registerModelCommands(program, ctx);
  registerVersionCommands(program, ctx);
  registerPushCommand(program, ctx);
  registerPullCommand(program, ctx);
  registerAliasCommands(program, ctx);
  registerAuditCommands(program, ctx);
  return program;
}

/** Runs one `arca` invocation (`argv` as in process.argv) and returns its exit code. */
export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  // Until an action parses its own --json, guess from argv (for commander's usage errors).
  let json = argv.slice(2).includes('--json');
  const ctx: CommandContext = {
    io,
    env: readCliEnv(io.env),
    output: (options) => {
      json = options.json === true;
      return new Output(io, json);
    },
  };
  try {
    await buildProgram(ctx).parseAsync(argv, { from: 'node' });
    return 0;
  } catch (error) {
    return reportError(io, json, error);
  }
}

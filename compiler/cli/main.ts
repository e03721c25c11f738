#!/usr/bin/env node
/**
 * `rio`: the command-line entry. The only code that touches process, console and files.
 * Commands load their stage code lazily, so `rio check` never loads the code generator.
 * Exit codes: 0 ok, 1 the spec has errors (or a property failed), 2 usage error or
 * unreadable input, 3 internal error (a bug in rio).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { processIo, type Io } from './io.js';
import { UnreadableFile } from './load.js';

/** Runs the CLI with the given arguments; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let exitCode = 0;
  let usageError: string | undefined;
  const parser = yargs()
    .scriptName('rio')
    .usage('rio <command> [options]\n\nExecutable specifications of distributed protocols.')
    .command(
      'check <specs..>',
      'parse, resolve and type-check .rio specs, and print what is wrong',
      (y) =>
        y
          .positional('specs', { describe: '.rio files to check', type: 'string', array: true, demandOption: true })
          .option('format', { describe: 'output format', choices: ['text', 'json'] as const, default: 'text' as const })
          .example('rio check specs/*.rio', 'check every bundled spec')
          .example('rio check --format json specs/paxos.rio', 'diagnostics as JSON, for editors'),
      async (args) => {
        const { runCheck } = await import('./check.js');
        exitCode = runCheck({ specs: args.specs, format: args.format }, io);
      },
    )
    .command(
      'compile <specs..>',
      'compile .rio specs into TypeScript replica modules',
      (y) =>
        y
          .positional('specs', { describe: '.rio files to compile', type: 'string', array: true, demandOption: true })
          .option('out', { alias: 'o', describe: 'output directory', type: 'string', default: 'generated' })
          .option('check', { describe: 'write nothing; exit 1 if the files in the output directory are out of date', type: 'boolean', default: false })
          .example('rio compile specs/*.rio', 'write generated/<spec>.ts for each spec')
          .example('rio compile --check specs/*.rio', 'fail when generated/ differs from what the compiler makes now'),
      async (args) => {
        const { runCompile } = await import('./compile.js');
        exitCode = await runCompile({ specs: args.specs, outDir: args.out, check: args.check }, io);
      },
    )
    .demandCommand(1, 'name a command, e.g. rio check specs/*.rio')
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error !== undefined && error !== null) throw error;
      usageError = message;
    });
  let helpShown = false;
  parser.showHelpOnFail(false);
  try {
    await parser.parseAsync([...argv], {}, (_err, _argv, output) => {
      if (output) {
        helpShown = true;
        io.out(output);
      }
    });
  } catch (error) {
    if (error instanceof UnreadableFile) {
      io.err(`rio: ${error.message}`);
      return 2;
    }
    io.err(`rio: error RIO9001: internal compiler error: ${error instanceof Error ? error.message : String(error)}`);
    io.err('This is a bug in rio, not in your spec. Please report it with the spec that triggered it.');
    return 3;
  }
  if (usageError !== undefined) {
    io.err(`rio: ${usageError}\nRun 'rio --help' for usage.`);
    return 2;
  }
  return helpShown ? 0 : exitCode;
}

/** True when this file is the program being run (also through npm's `rio` symlink). */
function isEntry(): boolean {
  const invoked = process.argv[1];
  if (invoked === undefined) return false;
  try {
    return realpathSync(invoked) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(hideBin(process.argv), processIo()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`rio: error RIO9001: internal compiler error: ${String(error)}\n`);
      process.exitCode = 3;
    },
  );
}

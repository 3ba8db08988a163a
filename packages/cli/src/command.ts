/** What every `vigil` subcommand is: a name, its flags and arguments, and a `run` that returns an exit code. */
import type { ArgSpec, FlagSpec, ParsedFlags } from './flags.js';

export interface CommandIO {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface CommandContext extends CommandIO {
  readonly flags: ParsedFlags;
  readonly args: readonly string[];
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands wait on it. */
  readonly stopSignal: AbortSignal;
}

export interface Command {
  /** The words after `vigil`, e.g. `['check', 'metrics']`. */
  readonly path: readonly string[];
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly args: readonly ArgSpec[];
  run(ctx: CommandContext): Promise<number>;
}

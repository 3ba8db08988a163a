/** `vigil`: finds the subcommand in argv, parses its flags, runs it, returns the exit code. */
import { errorMessage } from '@vigil/model';
import type { Command, CommandIO } from './command.js';
import { commands, type CommandEntry } from './commands/index.js';
import { FlagError, formatFlagsHelp, parseFlags } from './flags.js';

export const VERSION = '0.1.0';

/** The command run when `vigil` gets no subcommand: the all-in-one server once it exists. */
const DEFAULT_COMMAND: readonly string[] = ['server'];
/** Flags the default command gets: `vigil` alone is the all-in-one server (built-in configuration). */
const DEFAULT_FLAGS: readonly string[] = ['--all-in-one'];

function findCommand(argv: readonly string[]): { entry?: CommandEntry; rest: readonly string[]; prefix: string[] } {
  let best: CommandEntry | undefined;
  let bestLen = 0;
  for (const c of commands) {
    if (c.path.length <= argv.length && c.path.every((w, i) => argv[i] === w) && c.path.length > bestLen) {
      best = c;
      bestLen = c.path.length;
    }
  }
  const prefix: string[] = [];
  for (const w of argv) {
    if (w.startsWith('-')) break;
    prefix.push(w);
  }
  return { entry: best, rest: argv.slice(bestLen), prefix };
}

export async function usage(): Promise<string> {
  const loaded = await Promise.all(commands.map((c) => c.load()));
  const rows = loaded.map((c) => [c.path.join(' ') + formatArgs(c), c.summary] as const);
  const width = Math.max(...rows.map(([l]) => l.length), 10);
  return [
    'usage: vigil <command> [<flags>] [<args> ...]',
    '',
    'Vigil: monitoring for applications and hosts, compatible with Prometheus.',
    '',
    'Commands:',
    ...rows.map(([l, r]) => `  ${l.padEnd(width)}  ${r}`),
    '',
    'Run `vigil <command> --help` for the flags of a command.',
    '',
  ].join('\n');
}

function formatArgs(c: Command): string {
  return c.args.map((a) => ' ' + (a.required ? `<${a.name}>` : `[<${a.name}>]`) + (a.rest ? '...' : '')).join('');
}

function commandHelp(c: Command): string {
  const lines = [`usage: vigil ${c.path.join(' ')}${c.flags.length ? ' [<flags>]' : ''}${formatArgs(c)}`, '', c.summary, ''];
  if (c.flags.length) lines.push('Flags:', formatFlagsHelp(c.flags), '');
  if (c.args.length) {
    lines.push('Args:');
    for (const a of c.args) lines.push(`  ${(a.required ? `<${a.name}>` : `[<${a.name}>]`).padEnd(20)}  ${a.help}`);
    lines.push('');
  }
  return lines.join('\n');
}

export async function main(argv: readonly string[], io: CommandIO = process): Promise<number> {
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.stdout.write(`vigil, version ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  if (argv.length === 0 || (argv[0].startsWith('-') && argv[0] !== '-h' && argv[0] !== '--help')) {
    const def = commands.find((c) => c.path.join(' ') === DEFAULT_COMMAND.join(' '));
    if (def) argv = [...DEFAULT_COMMAND, ...DEFAULT_FLAGS, ...argv];
  }
  if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
    io.stdout.write(await usage());
    return 0;
  }
  const { entry, rest, prefix } = findCommand(argv);
  if (!entry) {
    io.stderr.write(`vigil: error: expected command but got "${prefix.join(' ') || argv[0]}", try --help\n`);
    return 2;
  }
  // Every Prometheus program answers `--version`; so does every `vigil` command.
  if (rest.includes('--version')) {
    io.stdout.write(`vigil ${entry.path.join(' ')}, version ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  const command = await entry.load();
  let parsed;
  try {
    parsed = parseFlags(command.flags, command.args, rest);
  } catch (e) {
    if (e instanceof FlagError) {
      io.stderr.write(`vigil ${command.path.join(' ')}: error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (parsed.help) {
    io.stdout.write(commandHelp(command));
    return 0;
  }
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await command.run({ ...io, flags: parsed.flags, args: parsed.args, stopSignal: stop.signal });
  } catch (e) {
    io.stderr.write(`vigil ${command.path.join(' ')}: error: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

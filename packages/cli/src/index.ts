export { main, usage, VERSION } from './main.js';
export type { Command, CommandContext, CommandIO } from './command.js';
export { parseFlags, parseBytes, formatFlagsHelp, ParsedFlags, FlagError, type FlagSpec, type ArgSpec, type FlagType } from './flags.js';

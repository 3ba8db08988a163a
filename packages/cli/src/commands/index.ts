/** Every subcommand of `vigil`. Each lives in its own file; add new ones here. */
import type { Command } from '../command.js';

export const commands: readonly Command[] = [];

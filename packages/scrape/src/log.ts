/** Where the scrape package reports what does not fail a call (bad SD files, failed scrapes at debug). */
export interface Logger {
  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void;
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void;
}

const nop = (): void => {};
export const NOP_LOGGER: Logger = { debug: nop, info: nop, warn: nop, error: nop };

/**
 * `vigil tsdb list|analyze|dump DIR`: read a data directory (Vigil's or Prometheus's) and print what
 * `promtool tsdb list|analyze|dump` prints, so the two can be compared line for line. A block that cannot
 * be read is reported on stderr and skipped; the others are still shown (exit code 1 tells scripts).
 */
import { errorMessage, formatFloat, histogramString } from '@vigil/model';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Head, analyzeBlock, mergeQueriers, openBlocks, replayWal, type Block, type BlockMeta, type OpenBlocksResult, type Ranked } from '@vigil/tsdb';
import type { Command, CommandContext } from '../command.js';
import { StreamOut, base2Bytes, goDuration, goUtcTime, tabulate } from './tsdb-format.js';
import { parseSeriesSelector } from './tsdb-selector.js';

const DEFAULT_DB_PATH = 'data/';

function open(ctx: CommandContext, dir: string): OpenBlocksResult {
  const r = openBlocks(dir);
  for (const e of r.errors) ctx.stderr.write(`skipping block ${e.dir}: ${errorMessage(e.error)}\n`);
  return r;
}

/** The header and one row per block, as promtool's `printBlocks`. */
export function blockRows(blocks: readonly { readonly meta: BlockMeta; size(): number }[], header: boolean, humanReadable: boolean): string[][] {
  const rows: string[][] = [];
  if (header) rows.push(['BLOCK ULID', 'MIN TIME', 'MAX TIME', 'DURATION', 'NUM SAMPLES', 'NUM CHUNKS', 'NUM SERIES', 'SIZE']);
  for (const b of blocks) {
    const m = b.meta;
    rows.push([
      m.ulid,
      humanReadable ? goUtcTime(m.minTime) : String(m.minTime),
      humanReadable ? goUtcTime(m.maxTime) : String(m.maxTime),
      goDuration(m.maxTime - m.minTime),
      String(m.stats.numSamples ?? 0),
      String(m.stats.numChunks ?? 0),
      String(m.stats.numSeries ?? 0),
      humanReadable ? base2Bytes(b.size()) : String(b.size()),
    ]);
  }
  return rows;
}

export const tsdbListCommand: Command = {
  path: ['tsdb', 'list'],
  summary: 'List the blocks of a data directory (as promtool tsdb list).',
  flags: [{ name: 'human-readable', short: 'r', type: 'bool', help: 'Print human readable values.' }],
  args: [{ name: 'db path', help: `Database path (default is ${DEFAULT_DB_PATH}).` }],
  async run(ctx) {
    const { blocks, errors } = open(ctx, ctx.args[0] ?? DEFAULT_DB_PATH);
    try {
      ctx.stdout.write(tabulate(blockRows(blocks, true, ctx.flags.bool('human-readable'))));
    } finally {
      for (const b of blocks) b.close();
    }
    return errors.length > 0 ? 1 : 0;
  },
};

function printRanked(out: string[], title: string, items: Ranked, limit: number): void {
  out.push('', title);
  for (let i = 0; i < items.length && i < limit; i++) out.push(`${items[i][1]} ${items[i][0]}`);
}

export const tsdbAnalyzeCommand: Command = {
  path: ['tsdb', 'analyze'],
  summary: 'Analyze churn, label pair cardinality and compaction efficiency of a block (as promtool tsdb analyze).',
  flags: [
    { name: 'limit', type: 'int', default: '20', help: 'How many items to show in each list.' },
    { name: 'extended', type: 'bool', help: 'Run extended analysis.' },
  ],
  args: [
    { name: 'db path', help: `Database path (default is ${DEFAULT_DB_PATH}).` },
    { name: 'block id', help: 'Block to analyze (default is the last block).' },
  ],
  async run(ctx) {
    const dir = ctx.args[0] ?? DEFAULT_DB_PATH;
    const { blocks } = open(ctx, dir);
    try {
      const id = ctx.args[1];
      const block = id ? blocks.find((b) => b.ulid === id) : blocks[blocks.length - 1];
      if (!block) {
        ctx.stderr.write(id ? `block ${id} not found\n` : `no readable block in ${dir}\n`);
        return 1;
      }
      const limit = ctx.flags.int('limit');
      const a = analyzeBlock(block, { extended: ctx.flags.bool('extended') });
      const m = block.meta;
      const out = [
        `Block ID: ${m.ulid}`,
        `Duration: ${goDuration(m.maxTime - m.minTime)}`,
        `Series: ${m.stats.numSeries ?? 0}`,
        `Label names: ${a.labelNames}`,
        `Postings (unique label pairs): ${a.postings}`,
        `Postings entries (total label pairs): ${a.postingsEntries}`,
      ];
      printRanked(out, 'Label pairs most involved in churning:', a.churnPairs, limit);
      printRanked(out, 'Label names most involved in churning:', a.churnNames, limit);
      printRanked(out, 'Most common label pairs:', a.commonPairs, limit);
      printRanked(out, 'Label names with highest cumulative label value length:', a.valueLengths, limit);
      printRanked(out, 'Highest cardinality labels:', a.cardinality, limit);
      printRanked(out, 'Highest cardinality metric names:', a.metricNames, limit);
      if (a.fullness) {
        out.push('', 'Compaction analysis:', 'Fullness: Amount of samples in chunks (100% is 120 samples)');
        const total = a.fullness.reduce((x, y) => x + y, 0);
        a.fullness.forEach((count, bucket) => {
          const pct = total > 0 ? Math.floor((100 * count) / total) : 0;
          out.push(`${String((bucket + 1) * 10).padStart(7)}%: ${'#'.repeat(pct)}`);
        });
      }
      ctx.stdout.write(out.join('\n') + '\n');
      return 0;
    } finally {
      for (const b of blocks) b.close();
    }
  },
};

/**
 * The samples still only in the WAL, as promtool's dump includes them: replayed into a head from a copy of
 * the WAL (replay repairs damage, and a dump must not change the directory it reads). Samples older than
 * the newest block's end are left out, as Prometheus does.
 */
function loadHead(ctx: CommandContext, dir: string, blocks: readonly Block[]): Head | undefined {
  const wal = join(dir, 'wal');
  if (!existsSync(wal)) return undefined;
  const copy = mkdtempSync(join(tmpdir(), 'vigil-dump-wal-'));
  try {
    cpSync(wal, copy, { recursive: true });
    const head = new Head();
    if (blocks.length > 0) head.minValidTime = Math.max(...blocks.map((b) => b.maxTime));
    replayWal(head, copy, { log: (line) => ctx.stderr.write(`wal: ${line}\n`) });
    return head;
  } catch (e) {
    ctx.stderr.write(`skipping the WAL in ${wal}: ${errorMessage(e)}\n`);
    return undefined;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

export const tsdbDumpCommand: Command = {
  path: ['tsdb', 'dump'],
  summary: 'Dump samples of a data directory (as promtool tsdb dump).',
  flags: [
    { name: 'min-time', type: 'int', default: String(Number.MIN_SAFE_INTEGER), help: 'Minimum timestamp to dump.' },
    { name: 'max-time', type: 'int', default: String(Number.MAX_SAFE_INTEGER), help: 'Maximum timestamp to dump.' },
    { name: 'match', type: 'string', default: "{__name__=~'(?s:.*)'}", help: 'Series selector.' },
  ],
  args: [{ name: 'db path', help: `Database path (default is ${DEFAULT_DB_PATH}).` }],
  async run(ctx) {
    const matchers = parseSeriesSelector(ctx.flags.string('match'));
    const dir = ctx.args[0] ?? DEFAULT_DB_PATH;
    const { blocks, errors } = open(ctx, dir);
    const mint = ctx.flags.int('min-time');
    const maxt = ctx.flags.int('max-time');
    const head = loadHead(ctx, dir, blocks);
    const queriers = blocks.map((b) => b.querier(mint, maxt));
    if (head) queriers.push(head.querier(mint, maxt));
    const q = mergeQueriers(queriers);
    const out = new StreamOut(ctx.stdout);
    try {
      for (const s of q.select(matchers)) {
        const ls = s.labels.toString();
        const it = s.iterator();
        // Native histograms as promtool 3.x prints them (`{count:3, sum:5, (0.5,1]:2}`).
        while (it.next()) await out.write(`${ls} ${it.h !== null ? histogramString(it.h) : formatFloat(it.v)} ${it.t}\n`);
      }
      await out.flush();
    } finally {
      q.close();
      for (const b of blocks) b.close();
    }
    return errors.length > 0 ? 1 : 0;
  },
};

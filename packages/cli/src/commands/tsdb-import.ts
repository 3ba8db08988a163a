/**
 * `vigil tsdb import openmetrics FILE [DIR]`: the counterpart of `promtool tsdb create-blocks-from
 * openmetrics`. Every sample needs a timestamp; samples are grouped into 2h-aligned blocks (or wider with
 * --max-block-duration), each written atomically into DIR, and listed as promtool lists them.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { Labels, VigilError, errorMessage } from '@vigil/model';
import { EntryType, OpenMetricsParser, ParseError, formatName } from '@vigil/exposition';
import { AppendError, BlockBuilder, DEFAULT_BLOCK_DURATION, exponentialBlockRanges, type WrittenBlock } from '@vigil/tsdb';
import type { Command } from '../command.js';
import { tabulate } from './tsdb-format.js';
import { blockRows } from './tsdb.js';

/** promtool's rule: the largest of 2h × 3^k not above the requested maximum (2h when below). */
export function compatibleBlockDuration(maxBlockDuration: number): number {
  if (maxBlockDuration <= DEFAULT_BLOCK_DURATION) return DEFAULT_BLOCK_DURATION;
  const ranges = exponentialBlockRanges(DEFAULT_BLOCK_DURATION, 10, 3);
  let idx = ranges.length - 1;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges[i] > maxBlockDuration) {
      idx = i - 1;
      break;
    }
  }
  return ranges[idx];
}

/**
 * A copy of `s` that does not point into the piece it was cut from (V8 keeps substrings of 13 characters
 * and more as views of their parent, which would keep every piece of the input alive).
 */
function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

function detachLabels(l: Labels): Labels {
  return Labels.fromSortedFlat(l.flat.map(detach));
}

/** What the next piece of a split input must repeat: the metadata of the family in progress. */
interface FamilyState {
  index: number;
  name: string;
  type: string;
  unit: string;
}

/**
 * Parses one piece of OpenMetrics text into `builder`. `firstLine` is the file line of the piece's first
 * line (after `headerLines` lines of repeated metadata). Returns the family in progress at the end.
 */
function loadPiece(
  text: string, builder: BlockBuilder, refs: Map<string, number>, firstLine: number, headerLines: number, family: FamilyState,
): FamilyState {
  const p = new OpenMetricsParser(text);
  const fileLine = (l: number) => firstLine + l - 1 - headerLines;
  let prevKey = '';
  let prevRef = -1;
  let fam: FamilyState = { ...family, index: -1 };
  try {
    for (;;) {
      const e = p.next();
      if (e === EntryType.EOF) break;
      if (p.familyIndex !== fam.index) fam = { index: p.familyIndex, name: p.familyName(), type: p.familyType(), unit: '' };
      if (e === EntryType.Unit) fam.unit = p.unit();
      if (e !== EntryType.Series) continue;
      const t = p.timestamp;
      if (Number.isNaN(t)) throw new VigilError('bad_data', `line ${fileLine(p.line)}: expected timestamp for series ${p.labels().toString()}, got none`);
      // Samples of one series usually come together: compare with the previous key before hashing.
      const key = p.series();
      let ref: number;
      if (key === prevKey) {
        ref = prevRef;
      } else {
        const known = refs.get(key);
        if (known === undefined) {
          ref = builder.addSeries(detachLabels(p.labels()));
          refs.set(detach(key), ref);
        } else {
          ref = known;
        }
        prevKey = key;
        prevRef = ref;
      }
      try {
        builder.append(ref, t, p.value);
      } catch (err) {
        if (err instanceof AppendError) throw new VigilError('bad_data', `line ${fileLine(p.line)}: add sample: ${err.message}`, { cause: err });
        throw err;
      }
    }
  } catch (err) {
    if (err instanceof ParseError) throw new VigilError('bad_data', `line ${fileLine(err.line)}, column ${err.column}: ${err.reason}`, { cause: err });
    throw err;
  }
  return fam;
}

/** Bytes of input parsed at a time: bounds memory and stays far below V8's string length limit. */
const PIECE_BYTES = 32 << 20;

/**
 * Reads an OpenMetrics file into `builder` piece by piece (split at line ends, the family in progress
 * repeated at the top of the next piece), so inputs of any size import in bounded memory. Errors name the
 * line of the file.
 */
export function loadOpenMetricsFile(path: string, builder: BlockBuilder, pieceBytes = PIECE_BYTES): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new VigilError('bad_data', `cannot read ${JSON.stringify(path)}: ${errorMessage(e)}`, { cause: e });
  }
  try {
    const refs = new Map<string, number>();
    let family: FamilyState = { index: -1, name: '', type: 'unknown', unit: '' };
    const size = fstatSync(fd).size;
    let carry = Buffer.alloc(0);
    let line = 1;
    let pos = 0;
    for (;;) {
      // The unfinished line of the previous piece, then as much new input as fits.
      const want = Math.min(pieceBytes, Math.max(0, size - pos));
      const buf = Buffer.allocUnsafe(carry.length + want);
      carry.copy(buf, 0);
      let n = 0;
      while (n < want) {
        const got = readSync(fd, buf, carry.length + n, want - n, pos + n);
        if (got === 0) break;
        n += got;
      }
      pos += n;
      const data = buf.subarray(0, carry.length + n);
      const last = pos >= size || n === 0;
      let end = data.length;
      if (!last) {
        const nl = data.lastIndexOf(0x0a);
        if (nl < 0) {
          carry = data;
          continue;
        }
        end = nl + 1;
      }
      let header = '';
      if (family.type !== 'unknown') header += `# TYPE ${formatName(family.name)} ${family.type}\n`;
      if (family.unit !== '') header += `# UNIT ${formatName(family.name)} ${family.unit}\n`;
      const headerLines = header === '' ? 0 : header.split('\n').length - 1;
      const text = header + data.toString('utf8', 0, end) + (last ? '' : '# EOF\n');
      family = loadPiece(text, builder, refs, line, headerLines, family);
      if (last) break;
      for (let i = data.indexOf(0x0a); i >= 0 && i < end; i = data.indexOf(0x0a, i + 1)) line++;
      carry = Buffer.from(data.subarray(end));
    }
  } finally {
    closeSync(fd);
  }
}

export const tsdbImportOpenMetricsCommand: Command = {
  path: ['tsdb', 'import', 'openmetrics'],
  summary: 'Import samples from an OpenMetrics file into TSDB blocks (as promtool tsdb create-blocks-from openmetrics).',
  flags: [
    { name: 'human-readable', short: 'r', type: 'bool', help: 'Print human readable values.' },
    { name: 'quiet', short: 'q', type: 'bool', help: 'Do not print created blocks.' },
    { name: 'max-block-duration', type: 'duration', hidden: true, placeholder: '<duration>', help: 'Maximum duration created blocks may span. Anything less than 2h is ignored.' },
  ],
  args: [
    { name: 'input file', help: 'OpenMetrics file to read samples from.', required: true },
    { name: 'output directory', help: 'Output directory for generated blocks (default is data/).' },
  ],
  async run(ctx) {
    const file = ctx.args[0];
    const dir = ctx.args[1] ?? 'data/';
    mkdirSync(dir, { recursive: true });
    const builder = new BlockBuilder({ blockDuration: compatibleBlockDuration(ctx.flags.duration('max-block-duration')) });
    try {
      loadOpenMetricsFile(file, builder);
    } catch (e) {
      throw new VigilError('bad_data', `${file}: ${errorMessage(e)}`, { cause: e });
    }
    const quiet = ctx.flags.bool('quiet');
    const human = ctx.flags.bool('human-readable');
    let header = true;
    await builder.write(dir, {
      onBlock: (b: WrittenBlock) => {
        if (quiet) return;
        ctx.stdout.write(tabulate(blockRows([{ meta: b.meta, size: () => b.size }], header, human)));
        header = false;
      },
    });
    return 0;
  },
};

/** Deletion by matchers (tombstones) and snapshots across the blocks of a data directory. */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { VigilError, type Matcher } from '@vigil/model';
import type { ChunkSeriesSource } from '../chunk-types.js';
import type { Block } from './block.js';
import { isUlid } from './ulid.js';
import { writeBlock, type WrittenBlock } from './writer.js';

/**
 * Tombstones the samples in [mint, maxt] of the series matching `matchers` in every block overlapping that
 * range. Returns the number of (block, series) pairs marked. The head deletes its own part.
 */
export function deleteFromBlocks(blocks: readonly Block[], mint: number, maxt: number, matchers: readonly Matcher[]): number {
  let n = 0;
  for (const b of blocks) if (b.overlapsClosedInterval(mint, maxt)) n += b.delete(mint, maxt, matchers);
  return n;
}

/**
 * Snapshots the blocks into `dir` (hard links, so it costs no space until the originals are compacted
 * away), and, when given, the head's data written as one more block.
 */
export async function snapshot(dir: string, dataDir: string, blocks: readonly Block[], head?: ChunkSeriesSource, options: { now?: number } = {}): Promise<{ blocks: string[]; head?: WrittenBlock }> {
  if (resolve(dir) === resolve(dataDir)) throw new VigilError('bad_data', 'cannot snapshot into the data directory itself');
  if (isUlid(basename(dir))) throw new VigilError('bad_data', `snapshot directory ${JSON.stringify(dir)} must not be named like a block (ULID)`);
  const done: string[] = [];
  for (const b of blocks) {
    if (existsSync(resolve(dir, b.ulid))) throw new VigilError('bad_data', `snapshot directory already holds block ${b.ulid}`);
    b.snapshot(dir);
    done.push(b.ulid);
  }
  if (head === undefined) return { blocks: done };
  const written = await writeBlock(dir, head, { now: options.now });
  return { blocks: done, head: written };
}

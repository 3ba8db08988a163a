export {
  AppendError,
  type AppendErrorReason,
  type Appendable,
  type Appender,
  type Exemplar,
  type ExemplarQuerier,
  type Querier,
  type Queryable,
  type SampleIterator,
  type SampleSink,
  type SelectHints,
  type Series,
  type SeriesRef,
} from './storage.js';
// On-disk blocks: reading, writing, compaction, retention, deletion, snapshots.
export { Block, openBlocks, blockDirs, removeTmpDirs, type OpenBlocksResult, type BlockOpenError, type BlockOpenOptions } from './block/block.js';
export { PageCache, DEFAULT_BLOCK_CACHE_BYTES } from './block/page-cache.js';
export { writeBlock, clipChunks, type WriteBlockOptions, type WrittenBlock } from './block/writer.js';
export { readMetaFile, writeMetaFile, parseMeta, encodeMeta, type BlockMeta, type BlockStats, type BlockDesc, type BlockMetaCompaction } from './block/meta.js';
export { Tombstones, readTombstonesFile, writeTombstonesFile, type Interval } from './block/tombstones.js';
export { IndexReader, type SeriesEntry } from './block/index-reader.js';
export { IndexWriter } from './block/index-writer.js';
export { ChunkReader, ChunkWriter } from './block/chunks.js';
export { BlockQuerier, postingsForMatchers } from './block/querier.js';
export { mergeQueriers, mergeSeriesLists, ChainSampleIterator } from './block/merge.js';
export {
  planCompaction,
  compactBlocks,
  cleanTombstones,
  blocksToDelete,
  deleteBlockDirs,
  blocksChunkSource,
  compactionRanges,
  exponentialBlockRanges,
  defaultMaxBlockDuration,
  DEFAULT_BLOCK_DURATION,
  type RetentionOptions,
  type RetentionCandidate,
} from './block/compact.js';
export { deleteFromBlocks, snapshot } from './block/admin.js';
export { newUlid, isUlid } from './block/ulid.js';
export { BlockBuilder, type BlockBuilderOptions } from './block/import.js';
export { analyzeBlock, type BlockAnalysis, type Ranked } from './block/analyze.js';
// The database: a data directory (blocks + head + WAL), or a head in memory only.
export { openDB, openMemoryDB, DB, STDERR_LOGGER, DEFAULT_RETENTION, type DBCounters, type DBOptions, type DBStats, type TsdbLogger } from './db.js';
export { Head, DEFAULT_CHUNK_RANGE, DEFAULT_MAX_EXEMPLARS, type HeadCounters, type HeadOptions, type HeadStats, type HeadWal } from './head/head.js';
// Chunk encoding (Gorilla XOR, as Prometheus) and the write-ahead log.
export { XorChunk, XorIterator, ChunkDecodeError, SAMPLES_PER_CHUNK } from './chunkenc/xor.js';
export { HistogramChunkAppender, HistogramIterator, CounterResetHeader } from './chunkenc/histogram.js';
export { ENCODING_XOR, ENCODING_HISTOGRAM, ENCODING_FLOAT_HISTOGRAM } from './chunk-types.js';
export { WAL, repairWal, type WalOptions, type RepairResult } from './wal/wal.js';
export { WalCorruptionError } from './wal/reader.js';
export { replayWal, type ReplayStats, type ReplayOptions } from './wal/replay.js';
export { createCheckpoint, type CheckpointStats } from './wal/checkpoint.js';

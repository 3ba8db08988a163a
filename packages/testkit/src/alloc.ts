/**
 * Allocation counting for "allocates nothing per call" tests: V8's sampling heap profiler (a sample every
 * 256 bytes on average, objects collected by minor and major GCs included) over a synchronous function.
 */
import { Session } from 'node:inspector/promises';

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

export interface SampledAllocations {
  /** Bytes sampled as allocated by the counted code while `fn` ran. */
  readonly bytes: number;
  /** One line per allocating call frame: function, file, bytes (for the failure message). */
  readonly where: string[];
}

/**
 * The bytes (sampled) allocated while `fn` runs by code whose script URL `counts` accepts (by default,
 * everything: then the loop in `fn` must allocate nothing of its own).
 */
export async function sampledAllocations(fn: () => void, counts: (url: string) => boolean = () => true): Promise<SampledAllocations> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
    fn();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: ProfileNode } };
    let bytes = 0;
    const where: string[] = [];
    const walk = (node: ProfileNode) => {
      const url = node.callFrame.url;
      if (node.selfSize > 0 && counts(url)) {
        bytes += node.selfSize;
        where.push(`${node.callFrame.functionName} ${url.split('/').pop()} ${node.selfSize}`);
      }
      for (const c of node.children) walk(c);
    };
    walk(profile.head);
    return { bytes, where };
  } finally {
    session.disconnect();
  }
}

/** A `counts` filter for `sampledAllocations`: the built, non-test code of the named packages (`scrape`, `exposition`). */
export function packageCode(...packages: string[]): (url: string) => boolean {
  const dirs = packages.map((p) => `/${p}/dist/`);
  return (url) => dirs.some((d) => url.includes(d)) && !url.endsWith('.test.js');
}

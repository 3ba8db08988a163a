/**
 * Text files as metric families: the text format 0.0.4, read by `@vigil/exposition`'s parser, plus the
 * metadata rules node_exporter's parser (`expfmt`) enforces and Prometheus's does not: one HELP and one
 * TYPE per metric name, and no TYPE after samples of that name.
 */
import { parseFamilies, type MetricFamily } from '@vigil/exposition';
import { errorMessage } from '@vigil/model';

function checkMetadata(text: string): void {
  const help = new Set<string>();
  const type = new Set<string>();
  const sampled = new Set<string>();
  let line = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    line++;
    let i = start;
    while (i < end && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
    if (text.charCodeAt(i) === 35) {
      const words = text.slice(i + 1, end).trim().split(/[ \t]+/);
      const [kw, name] = words;
      if ((kw === 'HELP' || kw === 'TYPE') && name) {
        const seen = kw === 'HELP' ? help : type;
        if (seen.has(name) || (kw === 'TYPE' && sampled.has(name))) {
          throw new Error(
            `text format parsing error in line ${line}: second ${kw} line for metric name ${JSON.stringify(name)}` +
              (kw === 'TYPE' ? ', or TYPE reported after samples' : ''),
          );
        }
        seen.add(name);
      }
    } else if (i < end) {
      let j = i;
      while (j < end) {
        const c = text.charCodeAt(j);
        if (c === 123 || c === 32 || c === 9) break;
        j++;
      }
      sampled.add(text.slice(i, j));
    }
    start = end + 1;
  }
}

/** Throws an Error naming the file and the line. */
export function parseTextfile(text: string, path: string): MetricFamily[] {
  try {
    checkMetadata(text);
    return parseFamilies(text, 'text');
  } catch (e) {
    throw new Error(`failed to parse textfile data from ${JSON.stringify(path)}: ${errorMessage(e)}`, { cause: e });
  }
}

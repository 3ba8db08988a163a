/**
 * `vigil check metrics`: the counterpart of `promtool check metrics`. Reads an exposition on stdin and
 * reports, on stderr as promtool does:
 * - lint problems as `<metric> <problem>` lines, exit code 3;
 * - input that does not parse as `error while linting: line L, column C: <reason>`, exit code 1;
 * - nothing for clean input, exit code 0.
 * The format is OpenMetrics when the input ends with `# EOF` (or `--format openmetrics`), text otherwise.
 */
import { ParseError, lintMetrics, type ExpositionFormat } from '@vigil/exposition';
import type { Command } from '../command.js';

const SUCCESS = 0;
const FAILURE = 1;
const USAGE = 2;
const LINT_PROBLEMS = 3;

/** OpenMetrics when the input ends with a `# EOF` line (with or without the final line feed). */
export function detectFormat(text: string): ExpositionFormat {
  const t = text.endsWith('\n') ? text.slice(0, -1) : text;
  return t === '# EOF' || t.endsWith('\n# EOF') ? 'openmetrics' : 'text';
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export const checkMetricsCommand: Command = {
  path: ['check', 'metrics'],
  summary: 'Pass Prometheus metrics over stdin to lint them for consistency and correctness (as promtool check metrics).',
  flags: [
    {
      name: 'format',
      type: 'string',
      placeholder: 'FORMAT',
      help: 'Exposition format of the input: openmetrics or text. Default: OpenMetrics when the input ends with "# EOF", text otherwise.',
    },
  ],
  args: [],
  async run(ctx) {
    const given = ctx.flags.string('format');
    if (given !== '' && given !== 'openmetrics' && given !== 'text') {
      ctx.stderr.write(`vigil check metrics: error: invalid value ${JSON.stringify(given)} for flag --format: expected openmetrics or text\n`);
      return USAGE;
    }
    const text = await readAll(ctx.stdin);
    const format: ExpositionFormat = given === '' ? detectFormat(text) : given;
    let problems;
    try {
      problems = lintMetrics(text, format);
    } catch (e) {
      if (e instanceof ParseError) {
        ctx.stderr.write(`error while linting: ${e.message}\n`);
        return FAILURE;
      }
      throw e;
    }
    if (problems.length === 0) return SUCCESS;
    ctx.stderr.write(problems.map((p) => `${p.metric} ${p.text}\n`).join(''));
    return LINT_PROBLEMS;
  },
};

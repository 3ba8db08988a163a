/** Test helpers: a parser's entries as short readable strings. */
import { formatFloat } from '@vigil/model';
import { EntryType, type ExpositionParser } from './parser.js';

/** Every entry, e.g. `TYPE a counter`, `HELP a text`, `SERIES a{b="c"} -> {__name__="a", b="c"} 1 @5 fam=a`. */
export function entries(p: ExpositionParser): string[] {
  const out: string[] = [];
  for (;;) {
    const e = p.next();
    switch (e) {
      case EntryType.EOF:
        return out;
      case EntryType.Type:
        out.push(`TYPE ${p.familyName()} ${p.familyType()}`);
        break;
      case EntryType.Help:
        out.push(`HELP ${p.familyName()} ${JSON.stringify(p.help())}`);
        break;
      case EntryType.Unit:
        out.push(`UNIT ${p.familyName()} ${p.unit()}`);
        break;
      case EntryType.Comment:
        out.push(`COMMENT ${p.comment()}`);
        break;
      case EntryType.Series: {
        let s = `SERIES ${p.series()} -> ${p.labels().toString()} ${formatFloat(p.value)}`;
        if (p.timestamp === p.timestamp) s += ` @${p.timestamp}`;
        const ex = p.exemplar();
        if (ex !== undefined) s += ` # ${ex.labels.toString()} ${formatFloat(ex.value)}${ex.timestamp !== undefined ? ' @' + ex.timestamp : ''}`;
        s += ` fam=${p.familyName()}:${p.familyType()}`;
        out.push(s);
        break;
      }
      default:
        throw new Error(`unexpected entry type ${e}`);
    }
  }
}

/** The message of what `fn` throws, or `'no error'`. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
}

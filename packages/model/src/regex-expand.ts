/** Go's `Regexp.Expand`, as relabeling (`replacement`, `target_label`) and `label_replace` use it. */

const isWordChar = (c: string): boolean => /[\p{L}\p{Nd}_]/u.test(c);

/**
 * Expands `template` for a match: `$$` is a dollar; `$name` takes the longest run of letters, digits and
 * `_`; `${name}` is explicit; a number names a group by index (`groups[i]`, undefined when group i did not
 * take part), otherwise a named group (`named`); unknown or unmatched groups expand to nothing; a `$` not
 * followed by a valid name stays as it is.
 */
export function expandRegexTemplate(
  template: string,
  groups: ArrayLike<string | undefined>,
  named: Readonly<Record<string, string | undefined>> | undefined,
): string {
  let out = '';
  let i = 0;
  for (;;) {
    const d = template.indexOf('$', i);
    if (d < 0) break;
    out += template.slice(i, d);
    i = d + 1;
    if (template[i] === '$') {
      out += '$';
      i++;
      continue;
    }
    const brace = template[i] === '{';
    let j = brace ? i + 1 : i;
    const start = j;
    while (j < template.length) {
      const cp = template.codePointAt(j)!;
      const ch = String.fromCodePoint(cp);
      if (!isWordChar(ch)) break;
      j += ch.length;
    }
    const name = template.slice(start, j);
    if (name === '' || (brace && template[j] !== '}')) {
      out += '$'; // malformed: the dollar is kept as text
      continue;
    }
    i = brace ? j + 1 : j;
    out += groupValue(name, groups, named);
  }
  return out + template.slice(i);
}

function groupValue(name: string, groups: ArrayLike<string | undefined>, named: Readonly<Record<string, string | undefined>> | undefined): string {
  let num = 0;
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if (c < 48 || c > 57 || num >= 1e8) {
      num = -1;
      break;
    }
    num = num * 10 + (c - 48);
  }
  if (name.length > 1 && name[0] === '0') num = -1;
  if (num >= 0) return num < groups.length ? (groups[num] ?? '') : '';
  return named?.[name] ?? '';
}

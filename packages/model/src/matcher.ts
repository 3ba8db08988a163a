/** Label matchers (`=`, `!=`, `=~`, `!~`): how PromQL, the series API, deletion and federation select series. */
import { quoteGoString } from './go-quote.js';
import { regexPredicate } from './regex.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  /** Whether a label value satisfies the matcher (an absent label has value `''`). */
  readonly matches: (value: string) => boolean;

  /** Throws a `bad_data` VigilError when a regex does not compile. */
  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    switch (type) {
      case '=':
        this.matches = (v) => v === value;
        break;
      case '!=':
        this.matches = (v) => v !== value;
        break;
      case '=~':
        this.matches = regexPredicate(value);
        break;
      case '!~': {
        const p = regexPredicate(value);
        this.matches = (v) => !p(v);
        break;
      }
    }
  }

  /** True when the matcher also selects series that lack the label entirely. */
  get matchesEmpty(): boolean {
    return this.matches('');
  }

  toString(): string {
    return this.name + this.type + quoteGoString(this.value);
  }
}

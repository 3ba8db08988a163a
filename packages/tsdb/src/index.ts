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
  type SelectHints,
  type Series,
  type SeriesRef,
} from './storage.js';

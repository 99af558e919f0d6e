/** A migration's verdict as one line for a person (the plan, the wizard's Review, the go-back note). */
import type { MigrationVerdict, MigrationVerdictKind } from './release';

export const VERDICT_WORDS: Record<MigrationVerdictKind, string> = {
  additive: 'additive',
  writes: "breaks the older release's writes",
  reads: "breaks the older release's reads",
  unknown: 'unknown (Django cannot tell)',
};

/** "catalog.0003_book_isbn: breaks the older release's writes (AddField book.isbn: NOT NULL ...)". */
export function verdictLine(v: MigrationVerdict): string {
  const why = v.operations.filter((o) => o.verdict !== 'additive').map((o) => o.reason);
  return `${v.migration}: ${VERDICT_WORDS[v.verdict]}${v.verdict === 'additive' ? '' : ` (${why.join('; ')})`}`;
}


/** What reversing an operation drops, from Django's reason for it ("AddField book.subtitle: ..."): a column's values, a table's rows. */
export function droppedBy(reason: string): string | undefined {
  const m = /^(\w+) ([\w.]+)/.exec(reason);
  if (!m) return undefined;
  if (m[1] === 'AddField') return `the values of ${m[2] ?? ''}`;
  if (m[1] === 'CreateModel') return `every row of ${m[2] ?? ''}`;
  return undefined;
}

/** What reversing these migrations drops, each said once. */
export function reversalDrops(verdicts: readonly MigrationVerdict[]): string[] {
  return [...new Set(verdicts.flatMap((v) => v.operations.map((o) => droppedBy(o.reason)).filter((x): x is string => x !== undefined)))];
}

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


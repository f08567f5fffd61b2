/**
 * bench/results.md from bench/results.json and bench/notes.md: the one page that holds the measured
 * figures. `npm run bench` writes it after measuring, `npm run bench:render` from the committed
 * results.json alone. Pure, so a test can check the committed page is what these two files give.
 */

export interface ResultRow {
  readonly figure: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
  readonly budget: string | null;
  readonly status: string;
  readonly note: string | null;
  /** For a figure with a floor: the floor's median and what it measures. */
  readonly floor?: { readonly value: number; readonly what: string } | null;
}

export interface Results {
  readonly date: string;
  /** The commit measured, with `+changes` when the work tree differed from it. */
  readonly commit?: string;
  readonly command: string;
  readonly machine: string;
  readonly runs: number;
  readonly figures: ResultRow[];
}

/** A figure as the bench prints it: three significant digits or so. */
export function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

/** `(floor X unit, Y above it)` for a row measured against a floor. */
function floorNote(row: ResultRow): string {
  if (!row.floor) return '';
  const above = row.median - row.floor.value;
  return ` (floor ${format(row.floor.value)} ${row.unit}: ${row.floor.what}; ${format(Math.abs(above))} ${row.unit} ${above >= 0 ? 'above' : 'below'} it)`;
}

/** One table row per figure. */
export function resultsTableRows(results: Results): string[] {
  return results.figures.map(
    (r) => `| ${r.figure}${r.note ? ` (${r.note})` : ''}${floorNote(r)} | ${format(r.median)} ${r.unit} | ${format(r.min)} | ${format(r.max)} | ${r.budget ?? 'report'} | ${r.status} |`,
  );
}

function provenance(results: Results): string {
  return (
    `Made by \`${results.command}\` on ${results.date} at commit ${results.commit ?? '(not recorded)'}: ${results.machine}. ` +
    `Each figure is the median of ${results.runs} runs after one warm-up (sizes are measured once).`
  );
}

/** The whole of bench/results.md: provenance, the table, then the hand-written notes. */
export function resultsMarkdown(results: Results, notes: string): string {
  const table = ['| figure | median | min | max | budget | status |', '|---|---|---|---|---|---|', ...resultsTableRows(results)].join('\n');
  return `# Benchmark results\n\n${provenance(results)}\n\n${table}\n\n${notes}`;
}

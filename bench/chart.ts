/** A bar chart of the goals, as a hand-written SVG string (no dependencies). */

export interface ChartRow {
  readonly label: string;
  /** The figure as a fraction of its goal (the goal over the figure for an at-least goal): at most 1 meets it. */
  readonly usage: number;
  readonly pass: boolean;
  /** Shown after the bar, e.g. "1.12x, goal ≤ 1.2". */
  readonly note: string;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function goalChart(rows: readonly ChartRow[], title: string, subtitle: string): string {
  const labelWidth = 230;
  const barWidth = 300;
  const noteWidth = 230;
  const rowHeight = 30;
  const top = 64;
  const width = labelWidth + barWidth + noteWidth + 20;
  const height = top + rows.length * rowHeight + 40;
  const axisMax = Math.max(1.5, Math.ceil(Math.max(...rows.map((r) => r.usage)) * 2) / 2);
  const x = (usage: number) => labelWidth + (Math.min(usage, axisMax) / axisMax) * barWidth;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="10" y="42" fill="#555555">${esc(subtitle)}</text>`,
  );
  // Grid: every 0.5 of a goal.
  for (let tick = 0; tick <= axisMax + 1e-9; tick += 0.5) {
    const tx = x(tick);
    const isGoal = Math.abs(tick - 1) < 1e-9;
    parts.push(
      `<line x1="${tx.toFixed(1)}" y1="${top - 6}" x2="${tx.toFixed(1)}" y2="${top + rows.length * rowHeight}" stroke="${isGoal ? '#333333' : '#dddddd'}"${isGoal ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${tx.toFixed(1)}" y="${top + rows.length * rowHeight + 16}" text-anchor="middle" fill="#555555">${tick.toFixed(1)}${isGoal ? ' = goal' : ''}</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const end = x(row.usage);
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 19}" text-anchor="end">${esc(row.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 6}" width="${Math.max(1, end - labelWidth).toFixed(1)}" height="${rowHeight - 12}" fill="${row.pass ? '#2e8b57' : '#c0392b'}"/>`,
      `<text x="${(labelWidth + barWidth + 8).toFixed(1)}" y="${y + 19}" fill="${row.pass ? '#1d5e3a' : '#c0392b'}">${esc(`${row.usage.toFixed(2)} ${row.pass ? 'pass' : 'MISS'}: ${row.note}`)}</text>`,
    );
  });
  parts.push(
    `<text x="10" y="${height - 6}" fill="#555555">${esc('Bar = figure / its goal (goal / figure for XState): shorter is better; past the dashed line the goal is missed.')}</text>`,
    '</svg>',
    '',
  );
  return parts.join('\n');
}

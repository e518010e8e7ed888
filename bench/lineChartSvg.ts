export interface Series {
  readonly name: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  /** Dashed line (for reference curves). */
  readonly dashed?: boolean;
}

export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
}

const W = 720;
const H = 440;
const PAD = { left: 80, right: 170, top: 40, bottom: 56 };

/**
 * A log–log line chart as a standalone SVG string: axes with decade ticks, one polyline
 * and markers per series, a legend. Hand-written so the bench needs no dependency.
 */
export function lineChartSvg(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0);
  if (all.length === 0) throw new Error('lineChartSvg: nothing to plot');
  const [x0, x1] = decades(all.map(([x]) => x));
  const [y0, y1] = decades(all.map(([, y]) => y));
  const px = (x: number) => PAD.left + ((Math.log10(x) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - ((Math.log10(y) - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(chart.title)}</text>`);
  for (let d = x0; d <= x1; d++) {
    const x = px(10 ** d);
    out.push(`<line x1="${f(x)}" y1="${PAD.top}" x2="${f(x)}" y2="${H - PAD.bottom}" stroke="#ddd"/>`);
    out.push(`<text x="${f(x)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${esc(label(10 ** d))}</text>`);
  }
  for (let d = y0; d <= y1; d++) {
    const y = py(10 ** d);
    out.push(`<line x1="${PAD.left}" y1="${f(y)}" x2="${W - PAD.right}" y2="${f(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${f(y + 4)}" text-anchor="end">${esc(label(10 ** d))}</text>`);
  }
  out.push(`<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 14}" text-anchor="middle">${esc(chart.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`);
  chart.series.forEach((s, i) => {
    const pts = s.points.filter(([x, y]) => x > 0 && y > 0);
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${pts.map(([x, y]) => `${f(px(x))},${f(py(y))}`).join(' ')}"/>`);
    for (const [x, y] of pts) out.push(`<circle cx="${f(px(x))}" cy="${f(py(y))}" r="3.5" fill="${s.color}"/>`);
    const ly = PAD.top + 14 + i * 20;
    out.push(`<line x1="${W - PAD.right + 14}" y1="${ly}" x2="${W - PAD.right + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - PAD.right + 46}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function decades(values: number[]): [number, number] {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  return [lo, hi === lo ? lo + 1 : hi];
}

function label(v: number): string {
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e3) return `${v / 1e3}k`;
  return String(v);
}

function f(v: number): string {
  return v.toFixed(1);
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

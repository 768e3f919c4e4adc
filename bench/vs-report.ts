// Gathers the side-by-side results of one date (bench/results/<date>-vs-*.json, written by
// bench/vs-*.ts) into one Markdown table and an SVG chart of the headline ratios
// (centrifugo-ts / Centrifugo) per scenario.
//
//   node bench/vs-report.ts [--date 2026-11-23]
//
// Writes bench/results/<date>-vs-centrifugo.md and bench/results/<date>-vs-centrifugo.svg.
// Two hand-written parts are included when they exist: <date>-vs-summary.md (where
// centrifugo-ts stands, after the headline table) and <date>-vs-improvements.md (profiles,
// what changed in src, before/after; at the end).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { metricsTable, RESULTS_DIR, type ScenarioResult, today } from './lib/scenario.ts';

const { values } = parseArgs({ options: { date: { type: 'string', default: today() } } });
const DATE = values.date;

const files = readdirSync(RESULTS_DIR)
  .filter((f) => f.startsWith(`${DATE}-vs-`) && f.endsWith('.json'))
  .sort();
const results = files
  .map((f) => JSON.parse(readFileSync(`${RESULTS_DIR}/${f}`, 'utf8')) as ScenarioResult)
  .filter((r) => typeof r.scenario === 'string' && /^S\d/.test(r.scenario))
  .sort((a, b) => a.scenario.localeCompare(b.scenario));
if (results.length === 0) throw new Error(`no ${DATE}-vs-*.json results in ${RESULTS_DIR}`);

// --- chart --------------------------------------------------------------------------------
interface Bar {
  scenario: string;
  label: string;
  ratio: number;
  better: 'higher' | 'lower';
}
const bars: Bar[] = results.flatMap((r) =>
  r.metrics
    .filter((m) => m.headline && Number.isFinite(m.ratio) && m.ratio > 0)
    .map((m) => ({ scenario: r.scenario, label: m.name, ratio: m.ratio, better: m.better })),
);

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function svg(): string {
  const rowH = 26;
  const left = 590;
  const plotW = 420;
  const top = 56;
  const height = top + bars.length * rowH + 60;
  const width = left + plotW + 90;
  // Log scale, 1/8 .. 8, centred on 1.
  const lo = Math.log(1 / 8);
  const hi = Math.log(8);
  const x = (v: number) =>
    left + ((Math.log(Math.min(8, Math.max(1 / 8, v))) - lo) / (hi - lo)) * plotW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>centrifugo-ts / Centrifugo ratios per scenario, ${DATE}</title>`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">centrifugo-ts / Centrifugo ${esc(results[0]?.versions.centrifugo?.split(' ')[1] ?? '')}, ${DATE} (log scale; green = centrifugo-ts better)</text>`,
    `<text x="10" y="38" fill="#555">${esc(results[0]?.machine ?? '')}; server pinned to one CPU, load generator on the other</text>`,
  ];
  for (const t of [1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8]) {
    const xx = x(t);
    out.push(
      `<line x1="${xx}" y1="${top - 6}" x2="${xx}" y2="${top + bars.length * rowH}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`,
      `<text x="${xx}" y="${top + bars.length * rowH + 16}" text-anchor="middle" fill="#555">${t < 1 ? `1/${1 / t}` : t}×</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const good = b.better === 'higher' ? b.ratio >= 1 : b.ratio <= 1;
    const x0 = x(1);
    const x1 = x(b.ratio);
    out.push(
      `<text x="${left - 8}" y="${y + 16}" text-anchor="end">${esc(`${b.scenario} ${b.label}`.slice(0, 80))} (${b.better} better)</text>`,
      `<rect x="${Math.min(x0, x1)}" y="${y + 4}" width="${Math.max(1, Math.abs(x1 - x0))}" height="${rowH - 8}" fill="${good ? '#3a9a4a' : '#c8553d'}"/>`,
      `<text x="${Math.max(x0, x1) + 4}" y="${y + 16}">${b.ratio.toFixed(2)}×</text>`,
    );
  });
  out.push(
    `<text x="${left}" y="${height - 12}" fill="#555">ratio = centrifugo-ts / Centrifugo; bars clipped at 1/8× and 8×</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}

// --- markdown -----------------------------------------------------------------------------
const first = results[0] as ScenarioResult;
const md: string[] = [
  `# centrifugo-ts beside Centrifugo v6 (${DATE})`,
  '',
  `Machine: ${first.machine}, kernel ${first.versions.kernel}. Versions: centrifugo-ts ${first.versions['centrifugo-ts']} on Node ${first.versions.node}; ${first.versions.centrifugo}, built from its Go module by \`bench/centrifugo.sh\`.`,
  '',
  'Each scenario runs both servers in the same run, with the same load generator (this repository\'s Node load code, `bench/lib/`), one after the other, from one equivalent config (`bench/lib/servers.ts`). The server is pinned to CPU 0, the load generator to CPU 1. Ratios are centrifugo-ts / Centrifugo; "better" says which way is good for centrifugo-ts. Absolute figures describe this shared 2-core VM; compare ratios.',
  '',
  `![ratios per scenario](${DATE}-vs-centrifugo.svg)`,
  '',
  '## Headline ratios',
  '',
  '| scenario | metric | centrifugo-ts | Centrifugo | ratio | better |',
  '|---|---|---|---|---|---|',
  ...results.flatMap((r) =>
    r.metrics
      .filter((m) => m.headline)
      .map(
        (m) =>
          `| ${r.scenario} | ${m.name}${m.unit ? ` (${m.unit})` : ''} | ${m.ts} | ${m.centrifugo} | ${Number.isFinite(m.ratio) ? `${m.ratio.toFixed(2)}×` : 'n/a'} | ${m.better} |`,
      ),
  ),
  '',
];
// A hand-written reading of the figures, when there is one.
const summary = `${RESULTS_DIR}/${DATE}-vs-summary.md`;
if (existsSync(summary)) md.push(readFileSync(summary, 'utf8'), '');
for (const r of results) {
  md.push(
    `## ${r.scenario}: ${r.title}`,
    '',
    `\`${r.command}\` — load average ${r.loadAverage.before} before, ${r.loadAverage.after} after; ${r.placement}.`,
    '',
    metricsTable(r.metrics),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  );
}
const improvements = `${RESULTS_DIR}/${DATE}-vs-improvements.md`;
if (existsSync(improvements)) md.push(readFileSync(improvements, 'utf8'));
writeFileSync(`${RESULTS_DIR}/${DATE}-vs-centrifugo.md`, `${md.join('\n')}\n`);
writeFileSync(`${RESULTS_DIR}/${DATE}-vs-centrifugo.svg`, svg());
console.log(md.join('\n'));
console.error(`written ${RESULTS_DIR}/${DATE}-vs-centrifugo.md and .svg`);

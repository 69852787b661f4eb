/**
 * Charts drawn on the server as SVG with Observable Plot, over linkedom's
 * DOM: the pages stay readable without JavaScript and print. The pages' CSP
 * allows no inline style, so Plot's own <style> element and any `style`
 * attribute are taken out and the same rules live in app.css (`.chart`);
 * everything else Plot writes is presentation attributes, which CSP leaves
 * alone. Colours are greys and one dark blue of distinct lightness, and
 * series differ by dash as well, so a black-and-white print tells them apart.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { formatCompactFcfa } from '../domain/money.js';
import { t } from '../i18n/fr.js';

const { document } = parseHTML('<!doctype html><html><head></head><body></body></html>');

/** Dark blue, mid grey, light grey, black: apart in lightness as well as hue. */
export const CHART_COLOURS = ['#1f3b73', '#8a8a8a', '#c8c8c8', '#000000'] as const;
const WIDTH = 640;

type PlotOptions = Parameters<typeof Plot.plot>[0];

/** An SVG string whose inline styles are gone (the stylesheet has them), with a French title read by screen readers. */
function render(options: PlotOptions, title: string): string {
  const node = Plot.plot({ ...options, document, className: 'chart', width: options?.width ?? WIDTH, style: undefined }) as unknown as Element;
  const svg = node.tagName.toLowerCase() === 'svg' ? node : node.querySelector('svg')!;
  for (const s of [...svg.querySelectorAll('style')]) s.remove();
  for (const e of [svg, ...svg.querySelectorAll('[style]')]) e.removeAttribute('style');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  const heading = document.createElement('title');
  heading.textContent = title;
  svg.insertBefore(heading, svg.firstChild);
  return svg.outerHTML;
}

const money = { tickFormat: (v: number) => formatCompactFcfa(v, false), label: t('chart.fcfa'), grid: true } as const;

/** Takings per day of this period (solid) against the same days of the previous one (dashed). */
export function takingsCompareChart(days: readonly { label: string; current: number; previous: number }[], title: string): string {
  const domain = days.map((d) => d.label);
  const every = Math.max(1, Math.ceil(days.length / 12));
  return render({
    height: 260, marginLeft: 70,
    x: { type: 'point', domain, label: null, tickFormat: (v: string, i: number) => (i % every === 0 ? v : '') },
    y: money,
    marks: [
      Plot.ruleY([0]),
      Plot.lineY(days, { x: 'label', y: 'previous', stroke: CHART_COLOURS[1], strokeWidth: 2, strokeDasharray: '6,4' }),
      Plot.lineY(days, { x: 'label', y: 'current', stroke: CHART_COLOURS[0], strokeWidth: 2.5 }),
      Plot.dot(days, { x: 'label', y: 'current', fill: CHART_COLOURS[0], r: 2.5 }),
    ],
  }, title);
}

/** Vertical bars: takings by hour of the day, or any value by a short label. */
export function barsChart(bars: readonly { label: string; value: number }[], title: string): string {
  return render({
    height: 240, marginLeft: 70,
    x: { type: 'band', domain: bars.map((b) => b.label), label: null },
    y: money,
    marks: [Plot.barY(bars, { x: 'label', y: 'value', fill: CHART_COLOURS[0] }), Plot.ruleY([0])],
  }, title);
}

/** Horizontal bars with their amount written at the end: top products, methods' share. */
export function rankingChart(bars: readonly { label: string; value: number; note?: string }[], title: string): string {
  const rows = bars.map((b) => ({ ...b, text: b.note ?? formatCompactFcfa(b.value, true) }));
  return render({
    height: 40 + rows.length * 22, marginLeft: 190, marginRight: 110,
    x: { ...money, axis: null },
    y: { type: 'band', domain: rows.map((r) => r.label), label: null, tickFormat: (v: string) => (v.length > 28 ? `${v.slice(0, 27)}…` : v) },
    marks: [
      Plot.barX(rows, { x: 'value', y: 'label', fill: CHART_COLOURS[0] }),
      Plot.text(rows, { x: 'value', y: 'label', text: 'text', textAnchor: 'start', dx: 4, fill: 'black' }),
      Plot.ruleX([0]),
    ],
  }, title);
}

/** Bars stacked by series (sellable / expired), each series its own shade, with a legend written as text marks. */
export function stackedChart(bars: readonly { label: string; series: string; value: number }[], seriesOrder: readonly string[], title: string): string {
  const labels = [...new Set(bars.map((b) => b.label))];
  return render({
    height: 260, marginLeft: 70, marginTop: 34,
    x: { type: 'band', domain: labels, label: null },
    y: money,
    color: { domain: [...seriesOrder], range: CHART_COLOURS.slice(0, seriesOrder.length) as string[] },
    marks: [
      Plot.barY(bars, { x: 'label', y: 'value', fill: 'series', stroke: 'black', strokeWidth: 0.5, order: [...seriesOrder] }),
      Plot.ruleY([0]),
      // The legend inside the SVG as text (Plot's own legend is HTML with inline styles).
      ...seriesOrder.flatMap((s, i) => [
        Plot.text([s], { frameAnchor: 'top-left', dx: i * 190, dy: -24, text: () => '■', fill: CHART_COLOURS[i], stroke: 'black', strokeWidth: 0.5, textAnchor: 'start', fontSize: 14 }),
        Plot.text([s], { frameAnchor: 'top-left', dx: i * 190 + 14, dy: -24, text: (d: string) => d, fill: 'black', textAnchor: 'start', fontSize: 12 }),
      ]),
    ],
  }, title);
}

/** Today's bars by hour against a dashed line: the same weekday's average. */
export function hoursAgainstAverageChart(hours: readonly { label: string; today: number; average: number }[], title: string): string {
  return render({
    height: 240, marginLeft: 70,
    x: { type: 'band', domain: hours.map((h) => h.label), label: null },
    y: money,
    marks: [
      Plot.barY(hours, { x: 'label', y: 'today', fill: CHART_COLOURS[0] }),
      Plot.lineY(hours, { x: 'label', y: 'average', stroke: 'black', strokeWidth: 1.5, strokeDasharray: '5,3', curve: 'step' }),
      Plot.ruleY([0]),
    ],
  }, title);
}

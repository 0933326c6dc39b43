// What the benchmarks (bench/browser.mjs, bench/compare/engines.mjs) share about the
// built page: which files it loads, and a cold load watched from inside the page.
// Nothing here polls through Playwright's locators: those inject a script into the
// page (about 30 ms of its main thread) while it is still starting.
import { readdirSync } from 'node:fs';

/** Every file the page loads, relative to `dist`: wasm-bindgen's snippets (the editor
 * bundle) included, the formatter (format/, fetched on the first Format) not. */
export function pageFiles(dist) {
  return readdirSync(dist, { recursive: true }).map(String)
    .filter((f) => /\.(wasm|js|css|html|svg)$/.test(f) && !f.startsWith('format/')).sort();
}

/** Resolves once Run is enabled (Memory restored: the page's `moonkeep:restored` mark). */
export function untilRunEnabled(page) {
  return page.evaluate(() => new Promise((resolve) => {
    if (performance.getEntriesByName('moonkeep:restored').length) return resolve();
    new PerformanceObserver((list, observer) => {
      if (list.getEntriesByName('moonkeep:restored').length) { observer.disconnect(); resolve(); }
    }).observe({ type: 'mark' });
  }));
}

/** Clicks Run from inside the page and resolves when the run is shown: the click's
 * time to the result (`ms`), what the console shows (`text`), and the page's start-up
 * marks in ms since navigation start. */
export function clickRunAndTime(page) {
  return page.evaluate(async () => {
    const output = document.querySelector('[data-testid=console-output]');
    const shown = new Promise((resolve) =>
      new MutationObserver((_, observer) => { observer.disconnect(); resolve(); })
        .observe(output, { attributes: true, attributeFilter: ['data-runs'] }));
    const t0 = performance.now();
    document.querySelector('[data-testid=run]').click();
    await shown;
    const at = (mark) => performance.getEntriesByName(`moonkeep:${mark}`)[0]?.startTime ?? NaN;
    return {
      ms: performance.now() - t0,
      text: output.textContent,
      marks: { start: at('start'), interactive: at('interactive'), editor: at('editor'), restored: at('restored') },
    };
  });
}

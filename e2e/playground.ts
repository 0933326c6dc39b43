// Driving the playground page from tests: run a chunk, wait for Memory to be saved,
// read the editor.
import { expect, type Page } from '@playwright/test';

/** Types `source` into the editor, runs it, and returns the run's transcript. */
export async function run(page: Page, source: string): Promise<string> {
  await page.getByTestId('editor').fill(source);
  return ran(page, () => page.getByTestId('run').click());
}

/** Does `action` (something that runs code) and returns the transcript of that run. */
export async function ran(page: Page, action: () => Promise<void>): Promise<string> {
  const output = page.getByTestId('console-output');
  const before = Number(await output.getAttribute('data-runs'));
  await action();
  await expect(output).toHaveAttribute('data-runs', String(before + 1), { timeout: 30_000 });
  return (await output.textContent()) ?? '';
}

/** Waits until the status bar says Memory is saved (or restored). */
export async function saved(page: Page) {
  await expect(page.getByTestId('save-status')).toHaveAttribute('data-state', 'saved', { timeout: 15_000 });
}

/** The editor's text, line by line as CodeMirror shows it (short texts: all lines are
 * drawn), without its widgets (an error message shown at the end of a line). */
export async function editorText(page: Page): Promise<string> {
  return page.getByTestId('editor').evaluate((el) =>
    Array.from(el.querySelectorAll('.cm-line'), (line) =>
      Array.from(line.childNodes)
        .filter((n) => !(n instanceof Element && n.getAttribute('contenteditable') === 'false'))
        .map((n) => n.textContent)
        .join(''),
    ).join('\n'),
  );
}

/** Flips a byte in every live object record whose text contains `marker`, straight
 * through IndexedDB; returns how many records were damaged. */
export async function damageRecords(page: Page, marker: string): Promise<number> {
  return page.evaluate(
    (marker) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('moonkeep');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction('records', 'readwrite');
          const cursor = tx.objectStore('records').openCursor();
          let count = 0;
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return;
            const bytes = new Uint8Array(c.value);
            // Live object records only (key "o" + id): version entries hold the source
            // that made them, marker included.
            const object = new Uint8Array(c.key as ArrayBuffer)[0] === 0x6f;
            if (object && new TextDecoder().decode(bytes).includes(marker)) {
              const broken = bytes.slice();
              broken[4] ^= 0x55;
              c.update(broken);
              count++;
            }
            c.continue();
          };
          tx.oncomplete = () => {
            open.result.close();
            resolve(count);
          };
        };
      }),
    marker,
  );
}

/** Every record in IndexedDB, keys and values as hex. */
export async function records(page: Page): Promise<Map<string, string>> {
  const list = await page.evaluate(
    () =>
      new Promise<[string, string][]>((resolve, reject) => {
        const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
        const open = indexedDB.open('moonkeep');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const out: [string, string][] = [];
          const cursor = open.result.transaction('records').objectStore('records').openCursor();
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) {
              open.result.close();
              resolve(out);
              return;
            }
            out.push([hex(c.key as ArrayBuffer), hex(c.value)]);
            c.continue();
          };
        };
      }),
  );
  return new Map(list);
}

// Driving the playground page from tests: run a chunk, wait for Memory to be saved,
// read the editor.
import { expect, type Page } from '@playwright/test';

/** Types `source` into the editor, runs it, and returns the run's transcript. */
export async function run(page: Page, source: string): Promise<string> {
  const editor = page.getByTestId('editor');
  await editor.fill(source);
  // Right after a tab's first focus of the editor, CodeMirror may put its own selection
  // back over the one fill() made, so that the text lands before the old one (seen
  // under load): fill again, once it has settled.
  if ((await editorText(page)) !== source) await editor.fill(source);
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

/** The store's history as its keys tell it (docs/FORMAT.md R13-R15): the current
 * version (the meta record's), the numbers of the version entries in key order, and
 * the versions that archived a record (`h` keys' W). */
export async function history(page: Page): Promise<{ current: number; versions: number[]; archived: number[] }> {
  const all = await records(page);
  const number = (hex: string) => Number(BigInt(`0x${hex}`));
  const keys = [...all.keys()];
  const versions = keys.filter((k) => k.startsWith('76')).map((k) => number(k.slice(2)));
  // 'h', then the 9-byte object or prototype key, then W: 2 + 18 hex digits before W.
  const archived = keys.filter((k) => k.startsWith('68')).map((k) => number(k.slice(20)));
  // The meta record: 3 header bytes, then (its body is too short to be compressed) the
  // varint root, the varint next id, the 32-byte secret, the byte 2, the varint version.
  const meta = all.get(Buffer.from('meta').toString('hex')) ?? '';
  const bytes = (meta.match(/../g) ?? []).map((b) => parseInt(b, 16));
  expect(bytes[2]).toBe(0); // not compressed
  let at = 3;
  const varint = () => {
    let value = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = bytes[at++];
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return Number(value);
    }
  };
  varint();
  varint();
  at += 32;
  expect(bytes[at++]).toBe(2);
  return { current: varint(), versions, archived };
}

/** Checks that no version was lost or written twice: the version entries are 1..N
 * with none missing, N is the current version, and no record was archived by a
 * version that is not in the history (a commit that never landed, or one numbered
 * past the current version). Returns N. */
export async function wholeHistory(page: Page): Promise<number> {
  const { current, versions, archived } = await history(page);
  expect(versions).toEqual(Array.from({ length: current }, (_, i) => i + 1));
  expect(archived.filter((w) => w < 1 || w > current)).toEqual([]);
  return current;
}

/** The version entries (as text, Latin-1) whose bytes contain `marker`: a version
 * names the source of the run that made it (short sources are not compressed). */
export async function versionsNaming(page: Page, marker: string): Promise<number> {
  const all = await records(page);
  const hex = Buffer.from(marker).toString('hex');
  return [...all].filter(([k, v]) => k.startsWith('76') && v.includes(hex)).length;
}

// Nothing saved is lost in the page: a damaged record survives the saves that follow
// its restore, crafted records cost one value, restored objects keep their finalizers.
import { test, expect } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { damageRecords, records, run, saved } from './playground';

const hasText = (hex: string, text: string) => hex.includes(Buffer.from(text).toString('hex'));

test('a damaged record stays as it was through later saves, reported at every restore, until replaced', async ({ page }) => {
  await page.goto('/');
  await run(page, "Memory.good = { 1, 2 } Memory.bad = { 'to be damaged', child = { 'only the damaged one holds me' } }");
  await saved(page);
  expect(await damageRecords(page, 'to be damaged')).toBe(1);
  const before = await records(page);
  const objects = [...before].filter(([k]) => k.startsWith('6f')); // key "o" + id
  const [badKey, badValue] = objects.find(([, v]) => hasText(v, 'to be damaged'))!;
  const [childKey] = objects.find(([, v]) => hasText(v, 'only the damaged'))!;
  for (let session = 0; session < 2; session++) {
    await page.reload();
    await saved(page);
    await expect(page.getByTestId('restore-problems')).toContainText('Memory.bad: damaged record');
    await run(page, `Memory.session = ${session}`);
    await saved(page);
    const now = await records(page);
    expect(now.get(badKey)).toBe(badValue);
    expect(now.has(childKey)).toBe(true);
    expect([...now.values()].some((v) => hasText(v, 'not restored:'))).toBe(false);
  }
  await run(page, 'Memory.bad = "replaced"');
  await saved(page);
  const after = await records(page);
  expect(after.has(badKey) || after.has(childKey)).toBe(false);
  await page.reload();
  await saved(page);
  await expect(page.getByTestId('restore-problems')).toHaveCount(0);
  expect(await run(page, 'return Memory.bad, Memory.good[2]')).toBe('=> replaced\t2\n');
});

test('restored objects keep their finalizers', async ({ page }) => {
  await page.goto('/');
  await run(page, 'Memory.o = setmetatable({}, { __gc = function() Memory.finalized = (Memory.finalized or 0) + 1 end })');
  await saved(page);
  await page.reload();
  await saved(page);
  expect(await run(page, 'Memory.o = nil collectgarbage() collectgarbage() return Memory.finalized')).toBe('=> 1\n');
});

// The snapshot and record formats (docs/FORMAT.md), enough to craft a record.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function withCrc(content: number[] | Uint8Array): Buffer {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(crc32(Uint8Array.from(content)));
  return Buffer.concat([Buffer.from(content), crc]);
}
function varint(bytes: Buffer, at: number): [number, number] {
  let n = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[at++];
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [n, at];
  }
}
const MAGIC = 'MOONKEEP-SNAPSHOT\n';

/** Rewrites the snapshot record whose value contains `marker` with `craft` of it. */
function craftSnapshot(file: Buffer, marker: string, craft: () => Buffer): Buffer {
  const parts: Buffer[] = [file.subarray(0, MAGIC.length + 1)];
  let [count, at] = varint(file, MAGIC.length + 1);
  parts.push(file.subarray(MAGIC.length + 1, at));
  let crafted = 0;
  for (let i = 0; i < count; i++) {
    const start = at;
    const [keyLen, k] = varint(file, at);
    const [valueLen, v] = varint(file, k + keyLen);
    at = v + valueLen;
    const value = file.subarray(v, at);
    if (value.includes(Buffer.from(marker))) {
      const record = craft();
      parts.push(file.subarray(start, v - 1), Buffer.from([record.length]), record);
      crafted++;
    } else {
      parts.push(file.subarray(start, at));
    }
  }
  expect(crafted).toBe(1);
  return withCrc(Buffer.concat(parts));
}

test('a crafted snapshot record (a NaN table key) costs only its own value', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'moonkeep-craft-'));
  try {
    await page.goto('/');
    await run(page, "Memory.ok = { 'fine' } Memory.t = { x = 'to be crafted' }");
    await saved(page);
    const download = page.waitForEvent('download');
    await page.getByTestId('export').click();
    const file = join(dir, 'memory.moonkeep');
    await (await download).saveAs(file);
    // A table record (version 1, kind 1, no flags): no metatable, one entry whose
    // key is a NaN float (tag 4, 8 bytes) and whose value is the string "x" (tag 5).
    const nan = Buffer.alloc(8);
    nan.writeDoubleLE(NaN);
    const craft = () => withCrc([1, 1, 0, 0, 1, 4, ...nan, 5, 1, 0x78]);
    const craftedFile = join(dir, 'crafted.moonkeep');
    writeFileSync(craftedFile, craftSnapshot(readFileSync(file), 'to be crafted', craft));
    await page.getByTestId('import').setInputFiles(craftedFile);
    await page.waitForEvent('load');
    await saved(page);
    await expect(page.getByTestId('restore-problems')).toContainText('Memory.t: damaged record: malformed record: a table key is NaN');
    expect(await run(page, 'return Memory.ok[1], type(Memory.t)')).toBe('=> fine\tstring\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('what a save cannot keep is shown: a changed standard table that Memory holds, a coroutine', async ({ page }) => {
  await page.goto('/');
  await run(page, 'math.answer = 42 Memory.m = math Memory.co = coroutine.create(print)');
  await saved(page);
  const unsaved = page.getByTestId('save-problems');
  await expect(unsaved).toContainText('Memory.m: the standard table math is saved by name');
  await expect(unsaved).toContainText('(math.answer)');
  await expect(unsaved).toContainText("Memory.co: a coroutine can't be saved");
  await run(page, 'Memory.m, Memory.co = nil, nil');
  await saved(page);
  await expect(unsaved).toHaveCount(0);
});

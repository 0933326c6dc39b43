// Tabs that follow each other: the tab that saves announces each version, the others
// show it live, and a run in a follower catches up and takes Memory over, so that no
// run works on a stale Memory and no version of either tab is lost.
import { test, expect, type Page } from '@playwright/test';
import { run, saved, versionsNaming, wholeHistory } from './playground';

const status = (page: Page) => page.getByTestId('save-status');
const row = (page: Page, path: string) => page.locator(`[data-testid=memory-row][data-path=${JSON.stringify(path)}]`);

async function twoTabs(page: Page, context: import('@playwright/test').BrowserContext) {
  await page.goto('/');
  await saved(page);
  // A turn's save is large enough (a table of 30,000 numbers) to be in flight when
  // the other tab's turn begins.
  await run(page, 'Memory.log = "" Memory.fill = function(n) local t = {} for i = 1, 30000 do t[i] = i * n end return t end');
  await saved(page);
  const follower = await context.newPage();
  await follower.goto('/');
  await expect(status(follower)).toHaveAttribute('data-state', 'following');
  return follower;
}

test('two tabs saving in turns never lose a version of either', async ({ page: a, context }) => {
  const b = await twoTabs(a, context);
  const first = await wholeHistory(a);
  const turns: string[] = [];
  for (let i = 1; i <= 4; i++) {
    for (const [name, page] of [['a', a], ['b', b]] as const) {
      turns.push(`${name}${i}`);
      // The next turn comes at once: its tab takes Memory over while this save may
      // still be in flight.
      await run(page, `Memory.log = Memory.log .. "${name}${i} " Memory.big = Memory.fill(${turns.length})`);
    }
  }
  await saved(b);
  await expect(status(a)).toHaveAttribute('data-state', 'following');
  await expect(row(a, 'Memory.log')).toContainText('a4 b4');
  expect(await wholeHistory(a)).toBe(first + turns.length);
  for (const turn of turns) expect(await versionsNaming(a, `"${turn} "`), turn).toBe(1);
  expect(await run(a, 'return Memory.log')).toBe(`=> ${turns.join(' ')} \n`);
});

test('a run in a follower during a long run in the owner: the owner follows after its run, nothing lost', async ({
  page: a,
  context,
}) => {
  const b = await twoTabs(a, context);
  // Saves during the run (every second); a catch-up in the middle of it would bring
  // Memory.b in and fail the assertion.
  await a.getByTestId('editor').fill(`Memory.ticks = 0 -- long run in a
local t = os.clock()
while os.clock() - t < 3 do Memory.ticks = Memory.ticks + 1 assert(Memory.b == nil, "caught up mid-run") end
return "done"`);
  await a.getByTestId('run').click();
  await a.waitForTimeout(1500);
  expect(await run(b, 'Memory.b = "from b" return Memory.ticks > 0')).toBe('=> true\n');
  await saved(b);
  await expect(status(a)).toHaveAttribute('data-state', 'following');
  await expect(a.getByTestId('console-output')).toHaveAttribute('data-runs', '2', { timeout: 30_000 });
  await expect(a.getByTestId('console-output')).toHaveText('=> done\n');
  await expect(row(a, 'Memory.b')).toContainText('from b');
  await wholeHistory(a);
  expect(await versionsNaming(a, 'long run in a')).toBeGreaterThanOrEqual(1);
  expect(await run(a, 'return Memory.b, Memory.ticks > 0')).toBe('=> from b\ttrue\n');
  await saved(a);
  await expect(status(b)).toHaveAttribute('data-state', 'following');
});

test('a follower that missed a message catches up when it is shown again', async ({ page: a, context }) => {
  // Every BroadcastChannel the follower opens is kept where the test can deafen it.
  await context.addInitScript(() => {
    const Channel = BroadcastChannel;
    const opened: BroadcastChannel[] = ((window as any).__channels = []);
    (window as any).BroadcastChannel = class extends Channel {
      constructor(name: string) {
        super(name);
        opened.push(this);
      }
    };
  });
  const b = await twoTabs(a, context);
  await b.evaluate(() => (window as any).__channels.forEach((c: BroadcastChannel) => (c.onmessage = null)));
  await run(a, 'Memory.missed = "no"');
  await saved(a);
  await b.waitForTimeout(300);
  await expect(row(b, 'Memory.missed')).toHaveCount(0);
  await b.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
  await expect(row(b, 'Memory.missed')).toContainText('no');
  await expect(status(b)).toHaveAttribute('data-state', 'following');
});

test('a tab never saves over a version another tab committed meanwhile', async ({ page: a, context }) => {
  // Without Web Locks (an older browser) both tabs think they save: the store's own
  // version check is what keeps the second from writing over the first.
  await context.addInitScript(() => Object.defineProperty(navigator, 'locks', { value: undefined }));
  await a.goto('/');
  await saved(a);
  await run(a, 'Memory.a = 1');
  await saved(a);
  const b = await context.newPage();
  await b.goto('/');
  await saved(b);
  await run(b, 'Memory.b = 2');
  await saved(b);
  // Tab a still stands at the version before b's: its save is refused, and it shows b's.
  await run(a, 'Memory.c = 3');
  await expect(status(a)).toHaveAttribute('data-state', 'failed');
  await expect(status(a)).toContainText('saved by another tab');
  await expect(status(a)).toContainText("its last run's changes to Memory were not kept");
  expect(await run(a, 'return Memory.a, Memory.b, Memory.c')).toContain('=> 1\t2\tnil');
  await b.reload();
  await saved(b);
  expect(await run(b, 'return Memory.a, Memory.b, Memory.c')).toContain('=> 1\t2\tnil');
});

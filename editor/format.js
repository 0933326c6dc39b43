// The Format command: Shift+Alt+F in the editor and the toolbar's Format button
// (src/components/format_button.rs) format the shown script with StyLua. StyLua (3 MB of
// WebAssembly) is not in the editor bundle: it is fetched from format/ beside the page on
// the first Format (editor/stylua.js, bundled by editor/build.mjs), so the first page
// load does not carry it.
import { ViewPlugin, keymap } from '@codemirror/view';
import { isolateHistory } from '@codemirror/commands';

// The page's one editor view (it lives as long as the page), which formatScript formats.
let shown = null;
// The formatter's `format`, once asked for; null again after a failed load, so that
// the next Format tries again.
let formatter = null;

/** The editor's part: remembers the view and, on Shift+Alt+F, asks the page for the
 * Format command (the button's handler listens for the event), so that both keep one
 * busy state and one message. */
export const formatting = [
  ViewPlugin.define((view) => {
    shown = view;
    return {};
  }),
  keymap.of([
    {
      key: 'Shift-Alt-f',
      run: (view) => (view.dom.dispatchEvent(new Event('moonkeep-format', { bubbles: true })), true),
    },
  ]),
];

/**
 * Formats the script shown in the editor as one change (Undo brings the text back),
 * the cursor kept before the same code. Rejects with a message for a person (a string),
 * naming the script `name`, when StyLua cannot be loaded or cannot parse the script;
 * the text is then unchanged.
 */
export async function formatScript(name) {
  const view = shown;
  const { doc, selection } = view.state;
  const format = await load();
  if (view.state.doc !== doc) {
    throw `${name} changed while the formatter loaded, so it was left as it is: press Format again.`;
  }
  const before = doc.toString();
  const after = format(name, before, selection.main.head);
  if (after.text !== before) {
    view.dispatch({
      changes: { from: 0, to: doc.length, insert: after.text },
      selection: { anchor: after.head },
      annotations: isolateHistory.of('full'),
      userEvent: 'input.format',
      scrollIntoView: true,
    });
  }
  performance.mark('moonkeep:formatted'); // for bench/format_browser.mjs
}

function load() {
  formatter ??= import(new URL('format/stylua.js', document.baseURI).href)
    .then((module) => module.start())
    .catch((e) => {
      formatter = null;
      throw `The formatter could not be loaded (${e.message ?? e}); nothing was changed. Check the connection and press Format again.`;
    });
  return formatter;
}

// The formatter's own bundle, loaded by editor/format.js on the first Format: StyLua's
// WebAssembly build, set for Lua 5.4 and the editor's two-space indent, and what the
// command needs only once StyLua is there (kept out of the first page load).
// editor/build.mjs bundles it into editor/dist/format/, beside stylua.wasm.
import init, { Config, IndentType, LuaVersion, OutputVerification, formatCode } from '@johnnymorganz/stylua/web';

/** Fetches and instantiates StyLua; resolves to `format`. */
export async function start() {
  await init({ module_or_path: new URL('stylua.wasm', import.meta.url) });
  return format;
}

/** Script `name`'s `text` formatted, with where the cursor at `head` goes; throws a
 * message for a person when StyLua cannot parse the text. */
function format(name, text, head) {
  const config = Config.new();
  config.syntax = LuaVersion.Lua54;
  config.indent_type = IndentType.Spaces;
  config.indent_width = 2;
  let after;
  try {
    // Full: the output is parsed again and refused if its meaning differs from the input.
    after = formatCode(text, config, undefined, OutputVerification.Full);
  } catch (e) {
    throw cannotFormat(name, String(e));
  }
  return { text: after, head: carry(text, head, after) };
}

// StyLua words a parse error as "error parsing: unexpected token `+` (4:12 to 4:13),
// expected expression after binary operator", one " - " item per error when several:
// the first one, with its line, is what the person needs.
function cannotFormat(name, message) {
  const first = message.replace(/^error parsing:\s*/, '').replace(/^- /, '').split('\n - ')[0].trim();
  const at = /\((\d+):\d+ to \d+:\d+\)/.exec(first);
  const what = first.replace(/ \(\d+:\d+ to \d+:\d+\)/, '');
  const where = at ? `${name}, line ${at[1]}` : name;
  return `Cannot format ${where}: ${what}. The script is unchanged.`;
}

// Formatting moves blanks, not code: the cursor goes after as many non-blank characters
// as preceded it, and stays before the code it was before.
function carry(before, head, after) {
  let code = 0;
  for (let i = 0; i < head; i++) if (!blank(before.charCodeAt(i))) code++;
  let at = 0;
  for (; at < after.length && code > 0; at++) if (!blank(after.charCodeAt(at))) code--;
  if (head < before.length && !blank(before.charCodeAt(head))) {
    while (at < after.length && blank(after.charCodeAt(at))) at++;
  }
  return at;
}

function blank(c) {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

// Bundles the editor (editor/editor.js and the CodeMirror packages it imports, from
// node_modules) into one ES module, editor/dist/editor.js, and the formatter the editor
// loads on first use (editor/stylua.js with StyLua's glue) into editor/dist/format/,
// beside StyLua's WebAssembly module and licence; Trunk copies that folder into dist/
// (index.html). Trunk runs this before cargo (Trunk.toml). Each output is rewritten
// only when its bytes change: wasm-bindgen makes the crate depend on editor.js, so a
// new mtime alone would rebuild the crate.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = import.meta.dirname;
const dist = join(here, 'dist');
const stylua = join(here, '..', 'node_modules', '@johnnymorganz', 'stylua');

await bundle('editor.js', join(dist, 'editor.js'), "Moonkeep's editor bundle");
await bundle('stylua.js', join(dist, 'format', 'stylua.js'), "Moonkeep's formatter, loaded on first use");
keep(join(dist, 'format', 'stylua.wasm'), withoutCustomSections(readFileSync(join(stylua, 'stylua_lib_bg.wasm'))));
keep(join(dist, 'format', 'LICENSE-stylua.md'), readFileSync(join(stylua, 'LICENSE.md')));

async function bundle(entry, out, title) {
  const result = await build({
    entryPoints: [join(here, entry)],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    minify: true,
    write: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  keep(out, Buffer.concat([Buffer.from(notice(title, result.metafile)), result.outputFiles[0].contents]));
}

/** A WebAssembly module without its custom sections: StyLua's carry a 300 KB `name`
 * section, used only for names in stack traces (55 KB of its download, gzip). The code
 * sections are copied byte for byte. */
function withoutCustomSections(wasm) {
  const kept = [wasm.subarray(0, 8)]; // magic number and version
  let at = 8;
  while (at < wasm.length) {
    const start = at;
    const id = wasm[at++];
    let size = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = wasm[at++];
      size += (byte & 0x7f) * scale;
      if (byte < 0x80) break;
    }
    at += size;
    if (id !== 0) kept.push(wasm.subarray(start, at));
  }
  if (at !== wasm.length) throw new Error('stylua_lib_bg.wasm: a section runs past the end of the file');
  return Buffer.concat(kept);
}

/** Writes `bytes` to `out` unless the file already holds them. */
function keep(out, bytes) {
  let current = null;
  try {
    current = readFileSync(out);
  } catch {
    // first build
  }
  const name = out.slice(here.length + 1);
  if (current && current.equals(bytes)) {
    console.log(`editor: ${name} unchanged (${bytes.length} bytes)`);
  } else {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes);
    console.log(`editor: wrote ${name} (${bytes.length} bytes)`);
  }
}

// The packages in a bundle with their versions, licences, copyright lines and sources:
// the MIT licence asks that the notice travel with the code, the MPL (StyLua) that it
// say where the source is.
function notice(title, metafile) {
  const packages = new Map();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m && !packages.has(m[1])) {
      const dir = join(here, '..', 'node_modules', m[1]);
      const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      let copyright = '';
      try {
        copyright = readFileSync(join(dir, 'LICENSE'), 'utf8').split('\n').find((l) => /copyright/i.test(l)) ?? '';
      } catch {
        // no LICENSE file: the package.json licence field stands alone
      }
      const source = meta.license === 'MPL-2.0' ? `, source: ${repository(meta)}` : '';
      packages.set(m[1], `${m[1]}@${meta.version} (${meta.license}${source}) ${copyright.trim()}`.trim());
    }
  }
  const lines = [...packages.values()].sort().map((p) => ` * ${p}`);
  return `/*\n * ${title}. Contains:\n${lines.join('\n')}\n */\n`;
}

function repository(meta) {
  const url = typeof meta.repository === 'string' ? meta.repository : meta.repository.url;
  return url.replace(/^git\+/, '').replace(/\.git$/, '');
}

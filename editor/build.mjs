// Bundles the editor (editor/editor.js and the CodeMirror packages it imports, from
// node_modules) into one ES module, editor/dist/editor.js. Trunk runs this before
// cargo (Trunk.toml). The output is rewritten only when its bytes change: wasm-bindgen
// makes the crate depend on that file, so a new mtime alone would rebuild the crate.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const here = import.meta.dirname;
const out = join(here, 'dist', 'editor.js');

const result = await build({
  entryPoints: [join(here, 'editor.js')],
  bundle: true,
  format: 'esm',
  target: 'es2020',
  minify: true,
  write: false,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const bytes = Buffer.concat([Buffer.from(notice(result.metafile)), result.outputFiles[0].contents]);
let current = null;
try {
  current = readFileSync(out);
} catch {
  // first build
}
if (current && current.equals(bytes)) {
  console.log(`editor: ${out} unchanged (${bytes.length} bytes)`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  console.log(`editor: wrote ${out} (${bytes.length} bytes)`);
}

// The packages in the bundle with their versions, licences and copyright lines: the
// MIT licence asks that the notice travel with the code.
function notice(metafile) {
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
      packages.set(m[1], `${m[1]}@${meta.version} (${meta.license}) ${copyright.trim()}`.trim());
    }
  }
  const lines = [...packages.values()].sort().map((p) => ` * ${p}`);
  return `/*\n * Moonkeep's editor bundle. Contains:\n${lines.join('\n')}\n */\n`;
}

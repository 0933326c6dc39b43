// What the editor learns from the live program, through an assistant the page sets
// (src/components/code_editor.rs, answering from the VM): completion, hover, signature
// help inside a call, and syntax errors as you type (Lua's own parser, debounced).
// Offsets crossing to the assistant are the editor's (UTF-16 code units).
import { autocompletion } from '@codemirror/autocomplete';
import { linter } from '@codemirror/lint';
import { StateField } from '@codemirror/state';
import { EditorView, hoverTooltip, showTooltip } from '@codemirror/view';

// Milliseconds after the last edit before the text is checked.
const CHECK_DELAY = 300;

// CodeMirror's icon for each kind of item the engine gives.
function iconType(item) {
  const fn = item.type === 'function';
  switch (item.kind) {
    case 'keyword':
      return 'keyword';
    case 'local':
      return 'variable';
    case 'method':
      return 'method';
    case 'field':
      return fn ? 'function' : 'property';
    default:
      return fn ? 'function' : 'variable';
  }
}

function describe(type, preview) {
  if (!type || preview.startsWith(type)) return preview;
  return `${type} ${preview}`;
}

// Each question's time, for DevTools and bench/editor_browser.mjs.
function measured(name, ask) {
  const start = performance.now();
  const answer = ask();
  performance.measure(name, { start });
  return answer;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The extensions; `assistant()` returns the current assistant or null (none yet):
 * `{ complete(textBefore) -> {from, items: [{label, kind, type, detail}]},
 *    hover(text, offset) -> {from, to, path, type, preview, size?, defined?} | undefined,
 *    signature(textBefore) -> {name, params, vararg, active} | undefined,
 *    check(text) -> {line, message} | undefined }`.
 */
export function assistExtensions(assistant) {
  const complete = (context) => {
    const a = assistant();
    if (!a) return null;
    const before = context.state.sliceDoc(0, context.pos);
    if (!context.explicit && !/[\w.:]$/.test(before)) return null;
    const answer = measured('moonkeep:complete', () => a.complete(before));
    if (!answer || answer.items.length === 0) return null;
    return {
      from: answer.from,
      options: answer.items.map((item) => ({
        label: item.label,
        type: iconType(item),
        detail: describe(item.type, item.detail),
      })),
    };
  };

  const hover = hoverTooltip((view, pos) => {
    const a = assistant();
    if (!a) return null;
    const line = view.state.doc.lineAt(pos);
    const shown = a.hover(view.state.sliceDoc(0, line.to), pos);
    if (!shown) return null;
    return {
      pos: shown.from,
      end: shown.to,
      above: true,
      create() {
        const dom = element('div', 'cm-value-tooltip');
        dom.dataset.testid = 'hover';
        dom.append(element('code', 'cm-value-path', shown.path), ` ${describe(shown.type, shown.preview)}`);
        if (shown.size) dom.append(element('div', 'cm-value-note', shown.size));
        if (shown.defined) dom.append(element('div', 'cm-value-note', `defined at ${shown.defined}`));
        return { dom };
      },
    };
  });

  const signatureField = StateField.define({
    create: () => null,
    update(tooltip, tr) {
      if (!tr.docChanged && !tr.selection) return tooltip;
      const a = assistant();
      const range = tr.state.selection.main;
      if (!a || !range.empty) return null;
      const help = a.signature(tr.state.sliceDoc(0, range.head));
      if (!help) return null;
      return { pos: range.head, above: true, strictSide: true, create: () => ({ dom: signatureDom(help) }) };
    },
    provide: (field) => showTooltip.from(field),
  });

  const check = linter(
    (view) => {
      const a = assistant();
      if (!a) return [];
      const found = measured('moonkeep:check', () => a.check(view.state.doc.toString()));
      if (!found) return [];
      const doc = view.state.doc;
      const line = doc.line(Math.min(Math.max(found.line, 1), doc.lines));
      return [{ from: line.from, to: line.to, severity: 'error', message: found.message }];
    },
    { delay: CHECK_DELAY },
  );

  return [
    autocompletion({ override: [complete], icons: true }),
    hover,
    signatureField,
    check,
    EditorView.baseTheme({
      '.cm-value-tooltip, .cm-signature': { padding: '2px 8px', fontFamily: 'var(--mono)', fontSize: '13px' },
      '.cm-value-path': { fontWeight: '600' },
      '.cm-value-note': { color: 'var(--muted)' },
      '.cm-signature-active': { fontWeight: '700', textDecoration: 'underline' },
    }),
  ];
}

function signatureDom(help) {
  const dom = element('div', 'cm-signature');
  dom.dataset.testid = 'signature';
  dom.append(`${help.name}(`);
  const params = help.vararg ? [...help.params, '...'] : help.params;
  params.forEach((param, i) => {
    if (i > 0) dom.append(', ');
    const active = i === help.active || (param === '...' && help.active >= i);
    dom.append(active ? element('span', 'cm-signature-active', param) : param);
  });
  dom.append(')');
  return dom;
}

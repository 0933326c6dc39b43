// Moonkeep's code editor: CodeMirror 6 set up for Lua. esbuild bundles this file and
// the npm packages it imports into editor/dist/editor.js (editor/build.mjs, run by
// Trunk before cargo), which src/editor.rs binds with wasm-bindgen. Colours are CSS
// custom properties from style/main.css, so the page's theme switch restyles it.
import { EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import {
  Decoration,
  EditorView,
  WidgetType,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { HighlightStyle, StreamLanguage, bracketMatching, indentUnit, syntaxHighlighting } from '@codemirror/language';
import { lua } from '@codemirror/legacy-modes/mode/lua';
import { formatting } from './format.js';
import { tags } from '@lezer/highlight';
import { assistExtensions } from './assist.js';

const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--syntax-keyword)', fontWeight: '600' },
  { tag: tags.string, color: 'var(--syntax-string)' },
  { tag: tags.comment, color: 'var(--syntax-comment)', fontStyle: 'italic' },
  { tag: tags.number, color: 'var(--syntax-number)' },
  { tag: tags.standard(tags.variableName), color: 'var(--syntax-builtin)' },
]);

const theme = EditorView.theme({
  '&': { height: '100%', color: 'var(--fg)', backgroundColor: 'var(--panel)' },
  '&.cm-focused': { outline: '2px solid var(--focus)', outlineOffset: '-2px' },
  '.cm-scroller': { fontFamily: 'var(--mono)', fontSize: '14px', lineHeight: '1.5' },
  '.cm-content': { caretColor: 'var(--fg)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--fg)' },
  '.cm-gutters': { backgroundColor: 'var(--gutter)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine': { backgroundColor: 'var(--active-line)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--active-line)', color: 'var(--fg)' },
  '&.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-selectionBackground':
    { backgroundColor: 'var(--selection)' },
  '&.cm-focused .cm-matchingBracket': { backgroundColor: 'var(--bracket-match)', outline: '1px solid var(--muted)' },
  '&.cm-focused .cm-nonmatchingBracket': { backgroundColor: 'var(--error-bg)' },
  '.cm-error-line': { backgroundColor: 'var(--error-bg)' },
  '.cm-error-message': {
    marginLeft: '2em',
    padding: '0 8px',
    borderLeft: '3px solid var(--error)',
    color: 'var(--error)',
    fontSize: '13px',
  },
});

// The failing line of the last run: a line background and the message at its end.
// The message sits inside the line rather than in a block below it: a block widget
// as the document's last child confuses selections made through the DOM.
const setError = StateEffect.define();

class ErrorMessage extends WidgetType {
  constructor(message) {
    super();
    this.message = message;
  }
  eq(other) {
    return other.message === this.message;
  }
  toDOM() {
    const span = document.createElement('span');
    span.className = 'cm-error-message';
    span.textContent = this.message;
    return span;
  }
}

const errorField = StateField.define({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const effect of tr.effects) {
      if (effect.is(setError)) return errorMarks(tr.state.doc, effect.value);
    }
    // The text the error was about has changed: the mark would point at the wrong code.
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

function errorMarks(doc, error) {
  if (!error) return Decoration.none;
  const line = doc.line(Math.min(Math.max(error.line, 1), doc.lines));
  return Decoration.set([
    Decoration.line({ class: 'cm-error-line' }).range(line.from),
    Decoration.widget({ widget: new ErrorMessage(error.message), side: 1 }).range(line.to),
  ]);
}

// What Shift+Enter runs: the selection, or the line the cursor is on.
function selectionToRun(state) {
  const range = state.selection.main;
  if (range.empty) {
    const line = state.doc.lineAt(range.head);
    return { text: line.text, firstLine: line.number };
  }
  return { text: state.sliceDoc(range.from, range.to), firstLine: state.doc.lineAt(range.from).number };
}

/**
 * One editor view showing one script at a time, described for assistive technology by
 * the element whose id is `describedBy`. `onChange(text)` follows every edit;
 * `onRun(text, firstLine)` is Ctrl/Cmd+Enter (the whole buffer) and Shift+Enter (the
 * selection or current line); `firstLine` lets errors be mapped back to the buffer.
 */
export class Editor {
  constructor(parent, describedBy, onChange, onRun) {
    const runKeys = Prec.highest(
      keymap.of([
        { key: 'Mod-Enter', run: (view) => (onRun(view.state.doc.toString(), 1), true) },
        {
          key: 'Shift-Enter',
          run: (view) => {
            const { text, firstLine } = selectionToRun(view.state);
            onRun(text, firstLine);
            return true;
          },
        },
      ]),
    );
    this.extensions = [
      runKeys,
      formatting,
      lineNumbers(),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      drawSelection(),
      history(),
      bracketMatching(),
      indentUnit.of('  '),
      EditorState.tabSize.of(2),
      StreamLanguage.define(lua),
      syntaxHighlighting(highlight),
      keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
      errorField,
      assistExtensions(() => this.assistant),
      theme,
      EditorView.contentAttributes.of({
        'aria-label': 'Lua code',
        'aria-describedby': describedBy,
        'data-testid': 'editor',
        spellcheck: 'false',
      }),
      EditorView.updateListener.of((update) => {
        if (update.docChanged) onChange(update.state.doc.toString());
      }),
    ];
    // Each script keeps its own state (undo history, selection) while others are shown;
    // a closed script's stays too, so that undoing the close brings its history back.
    this.states = new Map();
    this.key = null;
    // The view is made by the first open(), with that script's text: making an empty
    // one first and replacing its state would draw (and lay out) the editor twice
    // while the page starts.
    this.parent = parent;
    this.view = null;
    this.assistant = null;
  }

  /** Shows script `key` holding `text`, with its own history if it was shown before. */
  open(key, text) {
    if (this.view === null) {
      this.key = key;
      this.view = new EditorView({ parent: this.parent, state: EditorState.create({ doc: text, extensions: this.extensions }) });
      return;
    }
    this.states.set(this.key, this.view.state);
    const kept = this.states.get(key);
    const state =
      kept && kept.doc.toString() === text ? kept : EditorState.create({ doc: text, extensions: this.extensions });
    this.key = key;
    this.view.setState(state);
    this.view.dispatch({ effects: setError.of(null) });
  }

  /** Marks `line` (1-based) as failing with `message` until the next edit, and shows it. */
  markError(line, message) {
    if (this.view === null) return;
    const doc = this.view.state.doc;
    const at = doc.line(Math.min(Math.max(line, 1), doc.lines)).from;
    this.view.dispatch({ effects: [setError.of({ line, message }), EditorView.scrollIntoView(at, { y: 'nearest' })] });
  }

  clearError() {
    if (this.view === null) return;
    this.view.dispatch({ effects: setError.of(null) });
  }

  /** Completion, hover, signature help and syntax checks ask `assistant` (assist.js). */
  setAssistant(assistant) {
    this.assistant = assistant;
  }

}

export { formatScript } from './format.js';

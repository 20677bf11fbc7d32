// The console's Cypher editor: CodeMirror 6 with Neo4j's Cypher support (highlighting,
// completion of keywords, labels, relationship types and properties). Bundled by
// `make install` (esbuild) into app/static/vendor/cypher-editor.js as window.CypherEditor.
import { createCypherEditor } from "@neo4j-cypher/codemirror";
import { Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";

/**
 * Create an editor in `parent`; `onRun` is called on Ctrl+Enter (Cmd+Enter on macOS).
 * Returns { getValue(), setValue(text), focus() }.
 */
export function create(parent, { value = "", schema = {}, onRun = () => {} } = {}) {
  const run = () => {
    onRun();
    return true;
  };
  const runKeys = Prec.highest(keymap.of([{ key: "Mod-Enter", run }]));
  const { editor } = createCypherEditor(parent, {
    value,
    schema,
    lineNumbers: true,
    lineWrapping: true,
    autocomplete: true,
    lint: true,
    theme: "light",
    preExtensions: [runKeys],
  });
  return {
    getValue: () => editor.codemirror.state.doc.toString(),
    setValue: (text) => editor.setValue(text),
    focus: () => editor.focus(),
  };
}

// Mermaid's own parser, in Node: mermaid needs a DOM (DOMPurify), which jsdom provides.
// (mermaid 12 alone fails with "DOMPurify.addHook is not a function"; @mermaid-js/parser
// has no flowchart or xychart grammar; jsdom 26 runs on Node 20, jsdom 27+ needs Node 22.)
import { JSDOM } from 'jsdom';

let loaded: Promise<{ parse(text: string): Promise<{ diagramType: string }> }> | undefined;

function mermaid() {
  loaded ??= (async () => {
    const { window } = new JSDOM('<!doctype html><html><body></body></html>');
    Object.assign(globalThis, { window, document: window.document });
    const mod = await import('mermaid');
    return mod.default;
  })();
  return loaded;
}

/** The diagram type mermaid recognises; throws mermaid's parse error on invalid text. */
export async function parseMermaid(text: string): Promise<string> {
  const result = await (await mermaid()).parse(text);
  return result.diagramType;
}

// What "no control characters reach the terminal" means in tests: any C0
// control but newline and tab, DEL, or a C1 control, once the tool's own
// colour codes (SGR sequences from src/output/color.ts) are set aside.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const OWN_COLOURS = /\u001b\[(?:1|22|31|32|33|36|39|90)m/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export const CONTROL_CHARS = {
  [Symbol.match](text: string): RegExpMatchArray | null {
    return CONTROL.exec(text.replace(OWN_COLOURS, ''));
  },
} as unknown as RegExp;

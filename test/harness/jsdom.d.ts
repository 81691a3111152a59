// The part of jsdom's API the Mermaid parser harness uses (no @types/jsdom needed).
declare module 'jsdom' {
  export class JSDOM {
    constructor(html: string);
    readonly window: Window & typeof globalThis;
  }
}

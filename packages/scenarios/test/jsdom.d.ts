// jsdom 26 ships no types; the Mermaid parser test needs only its window.
declare module 'jsdom' {
  export class JSDOM {
    constructor(html?: string);
    readonly window: Window & typeof globalThis;
  }
}

// re2-wasm loads its .wasm file from __dirname at run time, which a single bundle has not. The schema
// validators only build RE2 objects from their patterns and call test(); the one RE2-only syntax they
// use is the one-letter Unicode class (\PC, "not a control character"), which JavaScript spells \P{C}.
export class RE2 extends RegExp {
  constructor(pattern, flags) {
    super(String(pattern).replace(/\\([pP])([A-Za-z])(?!\{)/g, "\\$1{$2}"), flags);
  }
}

// yargs and cliui measure help text with string-width, whose module body builds an Intl.Segmenter and
// Unicode regexes (~35 ms at every start). Help text is ours and plain, so a code-point count does;
// ink keeps the real string-width for the review UI.
const ANSI = /\u001b\[[0-9;]*m/g;
export default function stringWidth(s) {
  if (typeof s !== "string" || s.length === 0) return 0;
  let w = 0;
  for (const ch of s.replace(ANSI, "")) {
    const c = ch.codePointAt(0);
    if (c < 0x20 || (c >= 0x7f && c < 0xa0) || (c >= 0x300 && c < 0x370) || c === 0x200b) continue;
    w +=
      c >= 0x1100 &&
      (c <= 0x115f ||
        (c >= 0x2e80 && c <= 0xa4cf) ||
        (c >= 0xac00 && c <= 0xd7a3) ||
        (c >= 0xf900 && c <= 0xfaff) ||
        (c >= 0xff00 && c <= 0xff60) ||
        (c >= 0x1f300 && c <= 0x1faff))
        ? 2
        : 1;
  }
  return w;
}

// The review TUI: a list of rules grouped by workload and direction, a detail pane, overlays for help,
// YAML and confirmations. All state changes go through the pure reducer in state.ts.
import { Box, Text, useApp, useInput, useWindowSize } from "ink";
import { useEffect, useReducer } from "react";
import { yamlExcerpt } from "./items.ts";
import { type Action, counts, keyToAction, type ReviewRule, type ReviewState, reduce, selected, visible } from "./state.ts";
import { coveredBy, stepOf, widenLines } from "./widening.ts";

export interface AppProps {
  initial: ReviewState;
  title: string;
  /** "write" or "apply", for the footer and the confirmation. */
  writeVerb: string;
  color: boolean;
  onDone: (s: ReviewState) => void;
  /** Fixed size for tests; the terminal's otherwise. */
  size?: { columns: number; rows: number };
}

const MARKS = { accepted: "[✓]", rejected: "[✗]", pending: "[ ]" } as const;

type Line =
  | { kind: "workload"; text: string }
  | { kind: "direction"; text: string; key: string }
  | { kind: "rule"; rule: ReviewRule; pos: number };

/** The list as lines, headers included; only the window around the cursor is rendered. */
export function listLines(s: ReviewState): Line[] {
  const lines: Line[] = [];
  let lastWorkload = "";
  let lastDir = "";
  visible(s).forEach((i, pos) => {
    const r = s.rules[i] as ReviewRule;
    if (r.workload !== lastWorkload) {
      lines.push({ kind: "workload", text: r.workload + (s.skipped.includes(r.workloadKey) ? "  (skipped: no policy)" : "") });
      lastWorkload = r.workload;
      lastDir = "";
    }
    if (r.direction !== lastDir) {
      lines.push({ kind: "direction", text: r.direction, key: `${r.workloadKey}:${r.direction}` });
      lastDir = r.direction;
    }
    lines.push({ kind: "rule", rule: r, pos });
  });
  return lines;
}

function windowOf<T>(items: T[], focus: number, height: number): T[] {
  if (items.length <= height) return items;
  const start = Math.max(0, Math.min(focus - Math.floor(height / 2), items.length - height));
  return items.slice(start, start + height);
}

const cut = (s: string, w: number) => (s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s);

function RuleList({ s, width, height, color }: { s: ReviewState; width: number; height: number; color: boolean }) {
  const lines = listLines(s);
  const focus = lines.findIndex((l) => l.kind === "rule" && l.pos === s.cursor);
  const shown = windowOf(lines, focus, height);
  if (lines.length === 0) {
    return (
      <Text>{s.filter ? `no rule matches "${s.filter}"` : "nothing to review: every rule has a recorded decision (s shows all)"}</Text>
    );
  }
  return (
    <Box flexDirection="column">
      {shown.map((l) => {
        if (l.kind === "workload")
          return (
            <Text key={`w:${l.text}`} bold>
              {cut(l.text, width)}
            </Text>
          );
        if (l.kind === "direction")
          return (
            <Text key={l.key} dimColor={color}>
              {`  ${l.text}`}
            </Text>
          );
        const here = l.pos === s.cursor;
        const d = s.decisions[l.rule.id] ?? "pending";
        const over = coveredBy(s, l.rule.id) !== undefined;
        const wide = stepOf(s, l.rule.id) > 0 || s.portRange[l.rule.id] || l.rule.widened ? " +wide" : l.rule.suggestion ? " (S)" : "";
        // The peer gives way before the ports do: they are the shorter and the more telling.
        const tail = `  ${l.rule.ports}${wide}${l.rule.warnings.length ? "  !" : ""}`;
        const mark = over ? "[⊂]" : MARKS[d];
        const text = cut(`${here ? ">" : " "} ${mark} ${cut(l.rule.peer, Math.max(8, width - tail.length - 8))}${tail}`, width);
        const tint = !color ? undefined : d === "accepted" ? "green" : d === "rejected" ? "red" : undefined;
        return (
          <Text key={l.rule.id} {...(tint ? { color: tint } : {})} inverse={color && here && s.pane === "list"} bold={here}>
            {`  ${text}`}
          </Text>
        );
      })}
    </Box>
  );
}

function Detail({ s, width, height }: { s: ReviewState; width: number; height: number }) {
  const r = selected(s);
  if (!r) return <Text> </Text>;
  const d = s.decisions[r.id] ?? "pending";
  const lines = [
    `${r.workload}: ${r.direction} ${r.direction === "egress" ? "to" : "from"} ${r.peer}`,
    `rule ${r.id} · ${d}${s.skipped.includes(r.workloadKey) ? " · workload skipped" : ""}`,
    "",
    "peer",
    ...r.peerDetail.map((x) => `  ${x}`),
    `ports:     ${r.ports}`,
    ...(() => {
      const w = widenLines(s, r);
      return w.length ? ["", ...w] : [];
    })(),
    "",
    "evidence",
    ...r.evidence.map((x) => `  ${x}`),
    ...(r.warnings.length ? ["", "warnings", ...r.warnings.map((x) => `  ! ${x}`)] : []),
    "",
    "policy (▶ marks this rule; y shows it whole)",
    ...yamlExcerpt(r.yaml),
  ];
  return (
    <Box flexDirection="column">
      {lines.slice(s.detailScroll, s.detailScroll + height).map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
        <Text key={i}>{cut(l, width)}</Text>
      ))}
    </Box>
  );
}

const HELP = [
  "j/k or ↑/↓   move            g/G       first / last",
  "space        toggle accept   a / r     accept / reject (and move on)",
  "A / R        accept / reject every rule of this workload",
  "x            skip the workload (no policy for it)",
  "+ / -        widen the peer one step / narrow it back (shows what it admits first)",
  "p            ports: exact / the observed range      S   take the suggested step",
  "/            filter by namespace, workload, peer or port",
  "tab          switch list / detail    y   full policy YAML",
  "s            show all rules / only new and changed ones",
  "w            write (or apply)        q / Ctrl-C   quit",
  "esc          back",
  "",
  "Only accepted rules are written. A rejected rule's traffic stays denied.",
];

function HelpPane() {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      {HELP.map((h) => (
        <Text key={h}>{h}</Text>
      ))}
    </Box>
  );
}

function YamlPane({ s, rows, columns }: { s: ReviewState; rows: number; columns: number }) {
  const r = selected(s);
  return (
    <Box flexDirection="column">
      {(r?.yaml ?? []).slice(s.detailScroll, s.detailScroll + rows).map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are positional
        <Text key={i}>{cut(l, columns)}</Text>
      ))}
    </Box>
  );
}

function Confirm({ s, writeVerb }: { s: ReviewState; writeVerb: string }) {
  const c = counts(s);
  return (
    <Box borderStyle="round" paddingX={1} flexDirection="column">
      <Text bold>
        {s.mode === "confirm-write"
          ? `${writeVerb[0]?.toUpperCase()}${writeVerb.slice(1)} ${c.accepted} accepted rule(s)${c.pending ? ` (${c.pending} pending rule(s) are left out)` : ""}? y/n`
          : `Quit without saving ${c.accepted + c.rejected} decision(s)? y/n`}
      </Text>
    </Box>
  );
}

/** The rule list and the selected rule's detail: side by side from 100 columns, stacked below. */
function Panes({
  s,
  columns,
  body,
  listH,
  side,
  color,
}: {
  s: ReviewState;
  columns: number;
  body: number;
  listH: number;
  side: boolean;
  color: boolean;
}) {
  const listW = side ? Math.floor(columns * 0.45) : columns;
  const detailW = side ? columns - listW - 1 : columns;
  const detailH = side ? body : body - listH - 1;
  return (
    <Box flexDirection={side ? "row" : "column"}>
      <Box width={listW} height={listH} flexDirection="column" overflow="hidden">
        <RuleList s={s} width={listW - 2} height={listH} color={color} />
      </Box>
      {side ? <Text> </Text> : <Text>{"─".repeat(Math.max(0, columns - 1))}</Text>}
      <Box width={detailW} height={detailH} flexDirection="column" overflow="hidden">
        <Detail s={s} width={detailW - 1} height={detailH} />
      </Box>
    </Box>
  );
}

export function App({ initial, title, writeVerb, color, onDone, size }: AppProps) {
  const [s, dispatch] = useReducer(reduce, initial);
  const term = useWindowSize();
  const { exit } = useApp();
  const columns = Math.max(40, size?.columns ?? term.columns);
  const rows = Math.max(12, size?.rows ?? term.rows);
  const body = rows - 4;
  const side = columns >= 100;
  const listH = side ? body : Math.max(3, Math.floor(body / 2) - 1);

  useInput((input, key) => {
    // Keys typed faster than a frame arrive together ("aa"): handle each.
    const chunks = input.length > 1 && !key.ctrl && !key.meta ? [...input] : [input];
    let mode = s.mode;
    for (const ch of chunks) {
      // A chunk carries Enter or Backspace as characters (a paste, or keys faster than a frame).
      const k =
        chunks.length === 1
          ? key
          : ch === "\r" || ch === "\n"
            ? { ...key, return: true }
            : ch === "\x7f"
              ? { ...key, backspace: true }
              : key;
      const a: Action | null = keyToAction(k === key ? ch : "", k, mode, Math.max(1, listH - 2));
      if (!a) continue;
      dispatch(a);
      mode = reduce({ ...s, mode }, a).mode;
    }
  });
  useEffect(() => {
    if (s.done) {
      onDone(s);
      exit();
    }
  }, [s, onDone, exit]);

  const c = counts(s);
  const header = `${title}   ✓ ${c.accepted}  ✗ ${c.rejected}  ? ${c.pending}${c.skipped ? `  skipped ${c.skipped}` : ""}`;
  const footer =
    s.mode === "filter"
      ? `filter: ${s.filter}▏  enter keep · esc clear`
      : `j/k move · space toggle · a/r accept/reject · A/R workload · +/- widen · x skip · / filter · tab pane · y yaml · ? help · w ${writeVerb} · q quit`;

  const main =
    s.mode === "help" ? (
      <HelpPane />
    ) : s.mode === "yaml" ? (
      <YamlPane s={s} rows={body} columns={columns} />
    ) : s.mode === "confirm-write" || s.mode === "confirm-quit" ? (
      <Confirm s={s} writeVerb={writeVerb} />
    ) : (
      <Panes s={s} columns={columns} body={body} listH={listH} side={side} color={color} />
    );
  return (
    <Box flexDirection="column" width={columns}>
      <Text bold>{cut(header, columns)}</Text>
      <Text>{cut(s.filter && s.mode !== "filter" ? `filter: ${s.filter}` : " ", columns)}</Text>
      {main}
      <Text dimColor={color}>{cut(footer, columns)}</Text>
    </Box>
  );
}

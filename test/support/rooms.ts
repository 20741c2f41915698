// The house's rules, read from the code: which room imports which (static and dynamic imports), how
// long files and functions are. docs/architecture.md explains them; test/unit/architecture.test.ts
// enforces them.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";

export const SRC = path.resolve(import.meta.dirname, "../../src");

/** Room → the rooms it may import. Every room may import itself. */
export const ARROWS: Record<string, string[]> = {
  model: [],
  sources: ["model"],
  cluster: ["model"],
  resolve: ["model"],
  policy: ["model"],
  // The evaluator stays independent of the generator: never policy.
  verify: ["model"],
  review: ["model"],
  output: ["model"],
  pipeline: ["resolve", "policy", "verify", "model"],
  // The shell: everything but resolve, which it reaches through the pipeline.
  cli: ["sources", "cluster", "pipeline", "policy", "verify", "review", "output", "model", "demo"],
  demo: [],
};

export const MAX_FILE_LINES = 300;
export const MAX_FUNCTION_LINES = 80;
/** Data, not code. */
const EXEMPT = new Set(["demo/demo-snapshot.json"]);

export function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => path.relative(SRC, path.join(e.parentPath, e.name)))
    .filter((f) => !EXEMPT.has(f))
    .sort();
}

export const roomOf = (rel: string): string => rel.split(path.sep)[0] as string;

/** Relative imports of a file (import … from, export … from, import()), as paths relative to src/. */
export function importsOf(rel: string, text = readFileSync(path.join(SRC, rel), "utf8")): string[] {
  const out: string[] = [];
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const visit = (n: ts.Node) => {
    let spec: string | undefined;
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier))
      spec = n.moduleSpecifier.text;
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0]))
      spec = n.arguments[0].text;
    if (spec?.startsWith(".")) out.push(path.relative(SRC, path.resolve(SRC, path.dirname(rel), spec)));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Imports that cross into a room the arrows do not allow. */
export function wrongArrows(files: string[], read?: (rel: string) => string): string[] {
  const out: string[] = [];
  for (const f of files) {
    const from = roomOf(f);
    for (const target of importsOf(f, read?.(f))) {
      const to = roomOf(target);
      if (to !== from && !(ARROWS[from] ?? []).includes(to)) out.push(`${f} imports ${target} (${from} → ${to} is not an allowed arrow)`);
    }
  }
  return out;
}

/** Functions (declarations, methods, arrows, function expressions) longer than the limit. */
export function longFunctions(rel: string, text = readFileSync(path.join(SRC, rel), "utf8")): string[] {
  const out: string[] = [];
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true, rel.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && "body" in n && n.body) {
      const lines = sf.getLineAndCharacterOfPosition(n.getEnd()).line - sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      if (lines > MAX_FUNCTION_LINES) {
        const name = "name" in n && n.name && ts.isIdentifier(n.name as ts.Node) ? (n.name as ts.Identifier).text : "(anonymous)";
        out.push(`${rel}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} ${name} has ${lines} lines`);
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

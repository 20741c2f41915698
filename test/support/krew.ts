// What krew checks in a Plugin manifest (pkg/index/validation in kubernetes-sigs/krew), restated for tests.
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const SHA256 = /^[a-f0-9]{64}$/;

export interface KrewPlatform {
  selector?: { matchLabels?: Record<string, string> };
  uri?: string;
  sha256?: string;
  bin?: string;
  files?: { from: string; to: string }[];
}

export function krewProblems(m: Record<string, unknown>): string[] {
  const p: string[] = [];
  if (m.apiVersion !== "krew.googlecontainertools.github.com/v1alpha2") p.push(`apiVersion ${m.apiVersion}`);
  if (m.kind !== "Plugin") p.push(`kind ${m.kind}`);
  const name = (m.metadata as { name?: string } | undefined)?.name ?? "";
  if (!NAME.test(name) || name === "kubectl") p.push(`metadata.name ${name}`);
  const spec = (m.spec ?? {}) as { version?: string; shortDescription?: string; platforms?: KrewPlatform[] };
  if (!SEMVER.test(spec.version ?? "")) p.push(`spec.version ${spec.version}`);
  if (!spec.shortDescription) p.push("spec.shortDescription empty");
  if (!spec.platforms?.length) p.push("spec.platforms empty");
  for (const [i, pl] of (spec.platforms ?? []).entries()) {
    if (!pl.selector?.matchLabels?.os || !pl.selector.matchLabels.arch) p.push(`platform ${i}: selector`);
    if (!pl.uri || !/^(https|file):\/\//.test(pl.uri)) p.push(`platform ${i}: uri ${pl.uri}`);
    if (!SHA256.test(pl.sha256 ?? "")) p.push(`platform ${i}: sha256 ${pl.sha256}`);
    if (!pl.bin || pl.bin.includes("..") || pl.bin.startsWith("/")) p.push(`platform ${i}: bin ${pl.bin}`);
  }
  return p;
}

export function platformFor(m: { spec: { platforms: KrewPlatform[] } }, os: string, arch: string): KrewPlatform | undefined {
  return m.spec.platforms.find((pl) => pl.selector?.matchLabels?.os === os && pl.selector.matchLabels.arch === arch);
}

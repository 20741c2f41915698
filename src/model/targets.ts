// kubectl's resource words for the workloads a policy is generated for: `deploy/NAME`, `sts/NAME`,
// `deployment.apps/NAME`, and the owner kinds the index gives workloads.

/** The owner kind (as the index names workloads) for each word kubectl accepts, short and long forms. */
const WORDS: [kind: string, words: string[]][] = [
  ["Pod", ["po", "pod", "pods"]],
  ["Deployment", ["deploy", "deployment", "deployments"]],
  ["StatefulSet", ["sts", "statefulset", "statefulsets"]],
  ["DaemonSet", ["ds", "daemonset", "daemonsets"]],
  ["ReplicaSet", ["rs", "replicaset", "replicasets"]],
  ["Job", ["job", "jobs"]],
  ["CronJob", ["cj", "cronjob", "cronjobs"]],
];
const GROUP: Record<string, string> = { Pod: "", Job: "batch", CronJob: "batch" };

const BY_WORD = new Map<string, string>();
for (const [kind, words] of WORDS) {
  const group = GROUP[kind] ?? "apps";
  for (const w of words) {
    BY_WORD.set(w, kind);
    // kubectl also takes resource.group (deployment.apps, jobs.batch, pods.v1 is not a thing).
    if (group) BY_WORD.set(`${w}.${group}`, kind);
  }
}

/** The owner kind a kubectl resource word names, or undefined. Case-insensitive, as kubectl is. */
export const kindOfWord = (word: string): string | undefined => BY_WORD.get(word.toLowerCase());

/** The words kubectl users type, for help and errors. */
export const TARGET_WORDS = "pod, deploy, sts, ds, rs, job, cj (or their long forms: deployment, deployment.apps, …)";

/** How kubectl prints a target: deployment/web, pod/web-1. */
export const targetName = (kind: string, name: string): string => `${kind.toLowerCase()}/${name}`;

/** Edit distance, for "did you mean". */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] as number;
}

/** Up to `n` candidates close to `want`: a shared prefix or substring, or a small edit distance. */
export function closeMatches(want: string, candidates: string[], n = 3): string[] {
  const w = want.toLowerCase();
  const bare = (c: string) => c.slice(c.indexOf("/") + 1).toLowerCase();
  const scored = [...new Set(candidates)]
    .map((c) => {
      const b = bare(c);
      const d = b.includes(w) || w.includes(b) ? 0 : distance(w, b);
      return { c, d };
    })
    .filter((x) => x.d <= Math.max(2, Math.floor(w.length / 3)));
  return scored
    .sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : a.c > b.c ? 1 : 0))
    .slice(0, n)
    .map((x) => x.c);
}

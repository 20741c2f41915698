// The reachability truth tables of the upstream NetworkPolicy conformance tests, transcribed as data:
// kubernetes/kubernetes test/e2e/network/netpol/network_policy.go (every `f.It` of the TCP, UDP and
// SCTP contexts). Each case names its pods (namespaces x, y, z; pods a, b, c, labelled pod=<name>),
// the policies of each phase and, per probe, the expected matrix built the way upstream builds it:
// a default, then Expect/ExpectPeer/ExpectAllIngress/ExpectAllEgress in order. Loopback is ignored,
// as upstream does.
import ipaddr from "ipaddr.js";

export const NS_KEY = "kubernetes.io/metadata.name";
type Labels = Record<string, string>;
type Sel = { matchLabels?: Labels; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
type NpPeer = { podSelector?: Sel; namespaceSelector?: Sel; ipBlock?: { cidr: string; except?: string[] } };
type NpPort = { port?: number | string; protocol?: string };
export interface Np {
  metadata: { name: string; namespace: string };
  spec: {
    podSelector: Sel;
    policyTypes: string[];
    ingress?: { from?: NpPeer[]; ports?: NpPort[] }[];
    egress?: { to?: NpPeer[]; ports?: NpPort[] }[];
  };
}

/** Pod IPs: 10.<namespace>.0.<pod>; what ipBlock cases read as `podIP`. */
export const podIp = (pod: string) => `10.${"xyz".indexOf(pod[0] as string)}.0.${"abc".indexOf(pod[2] as string) + 1}`;
/** Upstream's makeLargeCIDRForIP: the /4 around an IPv4 address. */
const largeCidr = (ip: string) => `${ipaddr.IPv4.networkAddressFromCIDR(`${ip}/4`).toString()}/4`;

// Upstream's builders: SetSpecIngressRules/SetSpecEgressRules set the rules and add the policy type.
function np(
  name: string,
  ns: string,
  podSelector: Sel,
  o: { ingress?: Np["spec"]["ingress"]; egress?: Np["spec"]["egress"]; types?: string[] },
): Np {
  const policyTypes = o.types ?? [...(o.ingress ? ["Ingress"] : []), ...(o.egress ? ["Egress"] : [])];
  return {
    metadata: { name, namespace: ns },
    spec: { podSelector, policyTypes, ...(o.ingress ? { ingress: o.ingress } : {}), ...(o.egress ? { egress: o.egress } : {}) },
  };
}
const ml = (l: Labels): Sel => ({ matchLabels: l });
const ex = (key: string, operator: string, values: string[]): Sel => ({ matchExpressions: [{ key, operator, values }] });
const podA = ml({ pod: "a" });

type P = { ns?: string; pod?: string };
type Step =
  | ["peer", P, P, boolean]
  | ["expect", string, string, boolean]
  | ["allIngress", string, boolean]
  | ["allEgress", string, boolean];
export interface Probe {
  port: number;
  protocol: "TCP" | "UDP" | "SCTP";
  steps: Step[];
}
export interface Phase {
  policies: Np[];
  /** Extra namespace or pod labels in this phase (AddNamespaceLabel, AddPodLabels). */
  nsLabels?: Record<string, Labels>;
  podLabels?: Record<string, Labels>;
  probes: Probe[];
}
export interface Case {
  name: string;
  pods: string[];
  phases: Phase[];
}

const tcp = (port: number, ...steps: Step[]): Probe => ({ port, protocol: "TCP", steps });
const udp = (port: number, ...steps: Step[]): Probe => ({ port, protocol: "UDP", steps });
const sctp = (port: number, ...steps: Step[]): Probe => ({ port, protocol: "SCTP", steps });
const peer = (from: P, to: P, v: boolean): Step => ["peer", from, to, v];
const expect = (from: string, to: string, v: boolean): Step => ["expect", from, to, v];
const allIn = (pod: string, v: boolean): Step => ["allIngress", pod, v];
const allOut = (pod: string, v: boolean): Step => ["allEgress", pod, v];
const denyIngress = (name: string, ns = "x", sel: Sel = {}) => np(name, ns, sel, { ingress: [] });
const nsY = { namespaceSelector: ml({ [NS_KEY]: "y" }) };

/** Only-from-y on one port/protocol (the Ports tests of TCP, UDP, SCTP). */
const portsCase = (protocol: "TCP" | "UDP" | "SCTP"): Phase => ({
  policies: [np("allow-client-a-via-ns-selector", "x", podA, { ingress: [{ from: [nsY], ports: [{ port: 81, protocol }] }] })],
  probes: [
    { port: 81, protocol, steps: [peer({ ns: "x" }, { ns: "x", pod: "a" }, false), peer({ ns: "z" }, { ns: "x", pod: "a" }, false)] },
  ],
});
const podInOtherNs = (protocol: "TCP" | "UDP" | "SCTP"): Phase => ({
  policies: [np("allow-ns-y-pod-a", "x", podA, { ingress: [{ from: [{ ...nsY, podSelector: podA }] }] })],
  probes: [{ port: 80, protocol, steps: [allIn("x/a", false), expect("y/a", "x/a", true)] }],
});

export const CASES: Case[] = [
  {
    name: "default-deny-ingress",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    phases: [{ policies: [denyIngress("deny-ingress")], probes: [tcp(80, peer({}, { ns: "x" }, false))] }],
  },
  {
    name: "default-deny-all",
    pods: ["x/a", "x/b", "y/a"],
    phases: [
      {
        policies: [np("deny-all", "x", {}, { ingress: [], egress: [] })],
        probes: [tcp(80, peer({}, { ns: "x" }, false), peer({ ns: "x" }, {}, false))],
      },
    ],
  },
  {
    name: "allow traffic from pods within server namespace based on PodSelector",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    phases: [
      {
        policies: [np("x-a-allows-x-b", "x", podA, { ingress: [{ from: [{ podSelector: ml({ pod: "b" }) }] }] })],
        probes: [tcp(80, allIn("x/a", false), expect("x/b", "x/a", true))],
      },
    ],
  },
  {
    name: "allow ingress traffic for a target",
    pods: ["x/a", "x/b", "y/a"],
    phases: [
      {
        policies: [
          denyIngress("deny-all"),
          np("allow-all-to-a", "x", podA, { ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] }),
        ],
        probes: [tcp(80, allIn("x/a", true), allIn("x/b", false))],
      },
    ],
  },
  {
    name: "allow ingress traffic from pods in all namespaces",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      { policies: [np("allow-from-another-ns", "x", podA, { ingress: [{ from: [{ namespaceSelector: ml({}) }] }] })], probes: [tcp(80)] },
    ],
  },
  {
    name: "allow traffic only from a different namespace, based on NamespaceSelector",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      {
        policies: [np("allow-client-a-via-ns-selector", "x", podA, { ingress: [{ from: [nsY] }] })],
        probes: [tcp(80, peer({ ns: "x" }, { ns: "x", pod: "a" }, false), peer({ ns: "z" }, { ns: "x", pod: "a" }, false))],
      },
    ],
  },
  {
    name: "PodSelector with MatchExpressions",
    pods: ["x/a", "x/b", "y/a"],
    phases: [
      {
        policies: [np("x-a-allows-x-b", "x", podA, { ingress: [{ from: [{ podSelector: ex("pod", "In", ["b"]) }] }] })],
        probes: [tcp(80, allIn("x/a", false), expect("x/b", "x/a", true))],
      },
    ],
  },
  {
    name: "NamespaceSelector with MatchExpressions",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      {
        policies: [np("allow-ns-y-match-selector", "x", podA, { ingress: [{ from: [{ namespaceSelector: ex(NS_KEY, "In", ["y"]) }] }] })],
        probes: [tcp(80, peer({ ns: "x" }, { ns: "x", pod: "a" }, false), peer({ ns: "z" }, { ns: "x", pod: "a" }, false))],
      },
    ],
  },
  {
    name: "PodSelector or NamespaceSelector",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    phases: [
      {
        policies: [
          np("allow-ns-y-match-selector", "x", podA, {
            ingress: [{ from: [{ namespaceSelector: ex(NS_KEY, "NotIn", ["x"]) }, { podSelector: ml({ pod: "b" }) }] }],
          }),
        ],
        probes: [tcp(80, expect("x/a", "x/a", false), expect("x/c", "x/a", false))],
      },
    ],
  },
  {
    name: "PodSelector and NamespaceSelector",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/b"],
    phases: [
      {
        policies: [
          np("allow-ns-y-podselector-and-nsselector", "x", podA, {
            ingress: [{ from: [{ namespaceSelector: ex(NS_KEY, "NotIn", ["x"]), podSelector: ml({ pod: "b" }) }] }],
          }),
        ],
        probes: [tcp(80, allIn("x/a", false), expect("y/b", "x/a", true), expect("z/b", "x/a", true))],
      },
    ],
  },
  {
    name: "Multiple PodSelectors and NamespaceSelectors",
    pods: ["x/a", "x/b", "y/a", "y/b", "y/c"],
    phases: [
      {
        policies: [
          np("allow-ns-y-z-pod-b-c", "x", podA, {
            ingress: [{ from: [{ namespaceSelector: ex(NS_KEY, "NotIn", ["x"]), podSelector: ex("pod", "In", ["b", "c"]) }] }],
          }),
        ],
        probes: [tcp(80, peer({ ns: "x" }, { ns: "x", pod: "a" }, false), expect("y/a", "x/a", false))],
      },
    ],
  },
  {
    name: "any PodSelectors",
    pods: ["x/a", "x/b", "x/c"],
    phases: [
      {
        policies: [
          np("allow-ns-x-pod-b-c", "x", podA, {
            ingress: [{ from: [{ podSelector: ml({ pod: "b" }) }, { podSelector: ml({ pod: "c" }) }] }],
          }),
        ],
        probes: [tcp(80, allIn("x/a", false), expect("x/b", "x/a", true), expect("x/c", "x/a", true))],
      },
    ],
  },
  {
    name: "only from a pod in a different namespace based on PodSelector and NamespaceSelector",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    phases: [podInOtherNs("TCP")],
  },
  {
    name: "based on Ports",
    pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
    phases: [
      {
        ...portsCase("TCP"),
        probes: [
          tcp(
            81,
            peer({ ns: "x" }, { ns: "x", pod: "a" }, false),
            peer({ ns: "y" }, { ns: "x", pod: "a" }, true),
            peer({ ns: "z" }, { ns: "x", pod: "a" }, false),
          ),
        ],
      },
    ],
  },
  (() => {
    const allow = [
      peer({ ns: "x" }, { ns: "x", pod: "a" }, false),
      peer({ ns: "y" }, { ns: "x", pod: "a" }, true),
      peer({ ns: "z" }, { ns: "x", pod: "a" }, false),
    ];
    const p81 = np("allow-client-a-via-ns-selector", "x", podA, { ingress: [{ from: [nsY], ports: [{ port: 81, protocol: "TCP" }] }] });
    const p80 = np("allow-client-a-via-ns-selector-80", "x", podA, { ingress: [{ from: [nsY], ports: [{ port: 80, protocol: "TCP" }] }] });
    return {
      name: "multiple, stacked policies with overlapping podSelectors",
      pods: ["x/a", "x/b", "y/a", "y/b", "z/a"],
      phases: [
        { policies: [p81], probes: [tcp(81, ...allow), tcp(80, allIn("x/a", false))] },
        { policies: [p81, p80], probes: [tcp(80, ...allow)] },
      ],
    };
  })(),
  {
    name: "allow-all policy",
    pods: ["x/a", "x/b", "y/a"],
    phases: [{ policies: [np("allow-all", "x", ml({}), { ingress: [{}] })], probes: [tcp(80), tcp(81)] }],
  },
  {
    name: "ingress access on one named port",
    pods: ["x/a", "x/b", "y/a"],
    phases: [
      {
        policies: [np("allow-all", "x", ml({}), { ingress: [{ ports: [{ port: "serve-81-tcp" }] }] })],
        probes: [tcp(81), tcp(80, peer({}, { ns: "x" }, false))],
      },
    ],
  },
  {
    name: "ingress access from namespace on one named port",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      {
        policies: [
          np("allow-client-a-via-ns-selector-80", "x", podA, {
            ingress: [{ from: [nsY], ports: [{ port: "serve-80-tcp", protocol: "TCP" }] }],
          }),
        ],
        probes: [
          tcp(80, peer({ ns: "x" }, { ns: "x", pod: "a" }, false), peer({ ns: "z" }, { ns: "x", pod: "a" }, false)),
          tcp(81, allIn("x/a", false)),
        ],
      },
    ],
  },
  {
    name: "egress access on one named port",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("allow-egress", "x", ml({}), { egress: [{ ports: [{ port: "serve-80-tcp" }] }] })],
        probes: [tcp(80), tcp(81, peer({ ns: "x" }, {}, false))],
      },
    ],
  },
  {
    name: "updated policy",
    pods: ["x/a", "y/a"],
    phases: [
      { policies: [np("allow-all-mutate-to-deny-all", "x", ml({}), { ingress: [{}] })], probes: [tcp(81)] },
      { policies: [np("allow-all-mutate-to-deny-all", "x", ml({}), { ingress: [] })], probes: [tcp(81, peer({}, { ns: "x" }, false))] },
    ],
  },
  (() => {
    const p = np("allow-client-a-via-ns-selector", "x", podA, { ingress: [{ from: [{ namespaceSelector: ml({ ns2: "updated" }) }] }] });
    return {
      name: "ingress access from updated namespace",
      pods: ["x/a", "y/a"],
      phases: [
        { policies: [p], probes: [tcp(80, allIn("x/a", false))] },
        { policies: [p], nsLabels: { y: { ns2: "updated" } }, probes: [tcp(80, allIn("x/a", false), peer({ ns: "y" }, {}, true))] },
      ],
    };
  })(),
  (() => {
    const p = np("allow-client-a-via-pod-selector", "x", podA, {
      ingress: [{ from: [{ podSelector: ml({ pod: "b", pod2: "updated" }) }] }],
    });
    return {
      name: "ingress access from updated pod",
      pods: ["x/a", "x/b"],
      phases: [
        { policies: [p], probes: [tcp(80, allIn("x/a", false))] },
        { policies: [p], podLabels: { "x/b": { pod2: "updated" } }, probes: [tcp(80, allIn("x/a", false), expect("x/b", "x/a", true))] },
      ],
    };
  })(),
  {
    name: "deny ingress from pods on other namespaces",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      {
        policies: [np("deny-empty-policy", "x", {}, { ingress: [{ from: [{ podSelector: ml({}) }] }] })],
        probes: [tcp(80, peer({ ns: "y" }, { ns: "x" }, false), peer({ ns: "z" }, { ns: "x" }, false))],
      },
    ],
  },
  (() => {
    const p = denyIngress("deny-ingress-via-label-selector", "x", ml({ target: "isolated" }));
    return {
      name: "deny ingress access to updated pod",
      pods: ["x/a", "y/a"],
      phases: [
        { policies: [p], probes: [tcp(80)] },
        { policies: [p], podLabels: { "x/a": { target: "isolated" } }, probes: [tcp(80, allIn("x/a", false))] },
      ],
    };
  })(),
  {
    name: "deny egress from pods based on PodSelector",
    pods: ["x/a", "x/b", "y/a"],
    phases: [{ policies: [np("deny-egress-pod-a", "x", podA, { egress: [] })], probes: [tcp(80, allOut("x/a", false))] }],
  },
  {
    name: "deny egress from all pods in a namespace",
    pods: ["x/a", "x/b", "y/a"],
    phases: [{ policies: [np("deny-egress-ns-x", "x", {}, { egress: [] })], probes: [tcp(80, peer({ ns: "x" }, {}, false))] }],
  },
  {
    name: "Ingress, Egress specified together",
    pods: ["x/a", "x/b", "x/c", "y/a"],
    phases: [
      {
        policies: [
          np("allow-client-a-via-pod-selector", "x", podA, {
            ingress: [{ from: [{ podSelector: ml({ pod: "b" }) }] }],
            egress: [{ ports: [{ port: 80 }] }],
            types: ["Egress", "Ingress"],
          }),
        ],
        probes: [
          tcp(80, allIn("x/a", false), expect("x/b", "x/a", true)),
          tcp(81, allIn("x/a", false), allOut("x/a", false), expect("x/b", "x/a", true)),
        ],
      },
    ],
  },
  (() => {
    const fromXa = { ingress: [{ from: [{ namespaceSelector: ml({ [NS_KEY]: "x" }), podSelector: podA }] }] };
    return {
      name: "denying of egress traffic on the client side (even if the server explicitly allows this traffic)",
      pods: ["x/a", "y/a", "y/b"],
      phases: [
        {
          policies: [
            np("allow-to-ns-y-pod-a", "x", podA, { egress: [{ to: [{ ...nsY, podSelector: podA }] }] }),
            np("allow-from-xa-on-ya-match-selector", "y", podA, fromXa),
            np("allow-from-xa-on-yb-match-selector", "y", ml({ pod: "b" }), fromXa),
          ],
          probes: [
            tcp(
              80,
              peer({ ns: "x", pod: "a" }, {}, false),
              peer({}, { ns: "y", pod: "a" }, false),
              peer({ ns: "x", pod: "a" }, { ns: "y", pod: "a" }, true),
              peer({}, { ns: "y", pod: "b" }, false),
            ),
          ],
        },
      ],
    };
  })(),
  {
    name: "egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector",
    pods: ["x/a", "y/a", "y/b"],
    phases: [
      {
        policies: [np("allow-to-ns-y-pod-a", "x", podA, { egress: [{ to: [{ ...nsY, podSelector: podA }] }] })],
        probes: [tcp(80, allOut("x/a", false), expect("x/a", "y/a", true))],
      },
    ],
  },
  {
    name: "ingress policy allowing any port traffic to a server on a specific protocol",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("allow-ingress-by-proto", "x", podA, { ingress: [{ ports: [{ protocol: "TCP" }] }] })],
        probes: [tcp(80), udp(80, peer({}, { ns: "x", pod: "a" }, false))],
      },
    ],
  },
  {
    name: "multiple ingress policies with ingress allow-all policy taking precedence",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("allow-ingress-port-80", "x", ml({}), { ingress: [{ ports: [{ port: 80 }] }] })],
        probes: [tcp(81, peer({}, { ns: "x" }, false))],
      },
      {
        policies: [
          np("allow-ingress-port-80", "x", ml({}), { ingress: [{ ports: [{ port: 80 }] }] }),
          np("allow-ingress", "x", ml({}), { ingress: [{}] }),
        ],
        probes: [tcp(81)],
      },
    ],
  },
  {
    name: "multiple egress policies with egress allow-all policy taking precedence",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("allow-egress-port-80", "x", ml({}), { egress: [{ ports: [{ port: 80 }] }] })],
        probes: [tcp(81, peer({ ns: "x" }, {}, false))],
      },
      {
        policies: [
          np("allow-egress-port-80", "x", ml({}), { egress: [{ ports: [{ port: 80 }] }] }),
          np("allow-egress", "x", ml({}), { egress: [{}] }),
        ],
        probes: [tcp(81)],
      },
    ],
  },
  {
    name: "stop enforcing policies after they are deleted",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("deny-all", "x", {}, { ingress: [], egress: [] })],
        probes: [tcp(80, peer({ ns: "x" }, {}, false), peer({}, { ns: "x" }, false))],
      },
      { policies: [], probes: [tcp(80)] },
    ],
  },
  {
    name: "egress access to server in CIDR block",
    pods: ["x/a", "y/a", "y/b"],
    phases: [
      {
        policies: [
          np("allow-client-a-via-cidr-egress-rule", "x", podA, { egress: [{ to: [{ ipBlock: { cidr: `${podIp("y/b")}/32` } }] }] }),
        ],
        probes: [tcp(80, allOut("x/a", false), expect("x/a", "y/b", true))],
      },
    ],
  },
  {
    name: "except clause while egress access to server in CIDR block",
    pods: ["x/a", "x/b", "x/c"],
    phases: [
      {
        policies: [
          np("allow-client-a-via-cidr-egress-rule", "x", podA, {
            egress: [{ to: [{ ipBlock: { cidr: largeCidr(podIp("x/b")), except: [`${podIp("x/b")}/32`] } }] }],
          }),
        ],
        probes: [tcp(80, expect("x/a", "x/b", false))],
      },
    ],
  },
  {
    name: "an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed",
    pods: ["x/a", "x/b", "x/c"],
    phases: [
      {
        policies: [
          np("allow-client-a-via-cidr-egress-rule", "x", podA, {
            egress: [{ to: [{ ipBlock: { cidr: largeCidr(podIp("x/b")), except: [`${podIp("x/b")}/32`] } }] }],
          }),
        ],
        probes: [tcp(80, expect("x/a", "x/b", false))],
      },
      {
        // UpdatePolicy of the same name: the second policy replaces the first.
        policies: [
          np("allow-client-a-via-cidr-egress-rule", "x", podA, { egress: [{ to: [{ ipBlock: { cidr: `${podIp("x/b")}/32` } }] }] }),
        ],
        probes: [tcp(80, allOut("x/a", false), expect("x/a", "x/b", true))],
      },
    ],
  },
  {
    name: "ingress and egress policies can be controlled independently based on PodSelector",
    pods: ["x/a", "x/b", "y/a"],
    phases: [
      { policies: [np("allow-egress-for-target", "x", podA, { egress: [{}] })], probes: [tcp(80)] },
      {
        policies: [np("allow-egress-for-target", "x", podA, { egress: [{}] }), denyIngress("deny-ingress-via-label-selector", "x", podA)],
        probes: [tcp(80, allIn("x/a", false))],
      },
    ],
  },
  {
    name: "not mistakenly treat 'protocol: SCTP' as 'protocol: TCP'",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [
          denyIngress("deny-ingress"),
          np("allow-only-sctp-ingress-on-port-81", "x", podA, { ingress: [{ ports: [{ port: 81, protocol: "SCTP" }] }] }),
        ],
        probes: [tcp(81, peer({}, { ns: "x" }, false))],
      },
    ],
  },
  {
    name: "properly isolate pods that are selected by a policy allowing SCTP",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("allow-only-sctp-ingress-on-port-80", "x", podA, { ingress: [{ ports: [{ port: 80, protocol: "SCTP" }] }] })],
        probes: [tcp(81, allIn("x/a", false))],
      },
    ],
  },
  {
    name: "not allow access by TCP when a policy specifies only UDP",
    pods: ["x/a", "y/a"],
    phases: [
      {
        policies: [np("allow-only-udp-ingress-on-port-81", "x", podA, { ingress: [{ ports: [{ port: 81, protocol: "UDP" }] }] })],
        probes: [tcp(81, allIn("x/a", false))],
      },
    ],
  },
  {
    name: "NamespaceSelector with MatchLabels using default ns label",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      {
        policies: [np("allow-client-a-via-ns-selector-for-immutable-ns-label", "x", podA, { ingress: [{ from: [nsY] }] })],
        probes: [tcp(80, peer({ ns: "x" }, { ns: "x", pod: "a" }, false), peer({ ns: "z" }, { ns: "x", pod: "a" }, false))],
      },
    ],
  },
  {
    name: "NamespaceSelector with MatchExpressions using default ns label",
    pods: ["x/a", "x/b", "y/a", "z/a"],
    phases: [
      {
        policies: [
          np("allow-ns-y-match-selector-for-immutable-ns-label", "x", podA, {
            egress: [{ to: [{ namespaceSelector: ex(NS_KEY, "NotIn", ["y"]) }] }],
          }),
        ],
        probes: [tcp(80, peer({ ns: "x", pod: "a" }, { ns: "y" }, false))],
      },
    ],
  },
  {
    name: "UDP: default-deny-ingress",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    phases: [{ policies: [denyIngress("deny-all")], probes: [udp(80, peer({}, { ns: "x" }, false))] }],
  },
  { name: "UDP: based on Ports", pods: ["x/a", "x/b", "y/a", "z/a"], phases: [portsCase("UDP")] },
  { name: "UDP: only from a pod in a different namespace", pods: ["x/a", "x/b", "y/a"], phases: [podInOtherNs("UDP")] },
  {
    name: "SCTP: default-deny-ingress",
    pods: ["x/a", "x/b", "y/a", "y/b"],
    phases: [{ policies: [denyIngress("deny-all")], probes: [sctp(80, peer({}, { ns: "x" }, false))] }],
  },
  { name: "SCTP: based on Ports", pods: ["x/a", "x/b", "y/a", "z/a"], phases: [portsCase("SCTP")] },
  { name: "SCTP: only from a pod in a different namespace", pods: ["x/a", "x/b", "y/a"], phases: [podInOtherNs("SCTP")] },
];

const matchesPeer = (p: P, pod: string) => (p.ns === undefined || p.ns === pod[0]) && (p.pod === undefined || p.pod === pod[2]);

/** Upstream's Reachability: a default for every pair, then each step in order. Keys "from>to". */
export function matrix(pods: string[], steps: Step[]): Map<string, boolean> {
  const m = new Map<string, boolean>();
  const set = (f: (from: string, to: string) => boolean, v: boolean) => {
    for (const from of pods) for (const to of pods) if (f(from, to)) m.set(`${from}>${to}`, v);
  };
  set(() => true, true);
  for (const s of steps) {
    if (s[0] === "peer") set((a, b) => matchesPeer(s[1], a) && matchesPeer(s[2], b), s[3]);
    else if (s[0] === "expect") set((a, b) => a === s[1] && b === s[2], s[3]);
    else if (s[0] === "allIngress") set((_, b) => b === s[1], s[2]);
    else set((a) => a === s[1], s[2]);
  }
  return m;
}

// L7 HTTP evidence (from Hubble) and the rules made of it. Plain data.

/** One HTTP request as the proxy saw it: method and the whole :path (query string included). */
export interface HttpRequest {
  method: string;
  path: string;
}

/** The requests seen on a connection, each with how often. Key: `${method} ${path}`. */
export type HttpSeen = Map<string, number>;

/** A path rule under an L4 rule's port: method exact, path an anchored regex, and the paths it covers. */
export interface HttpRule {
  /** Stable: of the L4 rule, the port, the method and the pattern. */
  id: string;
  port: number;
  method: string;
  /** Anchored, RE2 syntax (what Cilium hands to Envoy). */
  path: string;
  /** The observed paths this rule admits, sorted. */
  observed: string[];
  requests: number;
  /** The pattern is not literal: which segments were generalised, in words. */
  generalised?: string;
}

/** A port's L7 detail that cannot be written as path rules: the L4 rule stands alone, and says why. */
export interface HttpUnexpressed {
  port: number;
  reason: string;
}

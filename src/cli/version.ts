// Filled in by the build (esbuild define); the fallbacks serve tests and `node src/cli/main.ts`.
declare const __GUARDIAN_VERSION__: string | undefined;
declare const __GUARDIAN_COMMIT__: string | undefined;
declare const __GUARDIAN_BUILD_DATE__: string | undefined;

export const VERSION = typeof __GUARDIAN_VERSION__ === "string" ? __GUARDIAN_VERSION__ : "0.0.0-dev";
export const COMMIT = typeof __GUARDIAN_COMMIT__ === "string" ? __GUARDIAN_COMMIT__ : "unknown";
export const BUILD_DATE = typeof __GUARDIAN_BUILD_DATE__ === "string" ? __GUARDIAN_BUILD_DATE__ : "unknown";
export const GENERATOR = `kubectl-guardian/${VERSION}`;

/** Types of scripts/build-wintest.mjs (imported by the Wine lane's test). */
export function buildWinTests(outDir?: string): Promise<string>;

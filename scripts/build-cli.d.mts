/** Types of scripts/build-cli.mjs (imported by a unit test). */
export const CLI_BUNDLE: string;
export function buildCli(opts?: { force?: boolean }): Promise<string>;

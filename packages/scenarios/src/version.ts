/** The irpsim version, printed in every output (kept equal to package.json by a test). */
export const IRPSIM_VERSION = '0.1.0';

/** The version of the JSON output contract (docs/cli.md). */
export const SCHEMA_VERSION = 1;

import fc from 'fast-check';

// One seed for every property test in a run: taken from FC_SEED when set (to replay a
// CI failure), otherwise drawn fresh and printed by fast-check on failure.
const seed = process.env['FC_SEED'];
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });

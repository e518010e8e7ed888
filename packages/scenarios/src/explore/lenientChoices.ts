import type { Strategy } from '@irpsim/core';

/**
 * Follows a generated choice sequence whatever it holds: an answer too large for the
 * options offered is taken modulo their number, and past the end every choice takes the
 * default (option 0). Shrinking and the `schedules` arbitrary use it, so every sequence is
 * a valid schedule; the run's own record (`RunResult.choices`) is what it really did.
 */
export function lenientChoices(choices: readonly number[]): Strategy {
  let index = 0;
  return {
    name: 'replay',
    choose(n) {
      const value = choices[index++];
      return value === undefined ? 0 : value % n;
    },
  };
}

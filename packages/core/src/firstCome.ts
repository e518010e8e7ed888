import type { Strategy } from './Strategy.ts';

/** Always takes the default option: events run in (time, priority, sequence) order. */
export function firstCome(): Strategy {
  return { name: 'first-come', choose: () => 0 };
}

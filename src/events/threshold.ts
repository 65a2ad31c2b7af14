// Threshold crossing, exactly as SPEC §4 defines it. With previous value p, current value c and threshold t:
// above fires when p <= t < c; below fires when p >= t > c. No p → nothing fires. With hysteresis h > 0, after firing
// above the trigger re-arms only once a value <= t - h is seen (mirror for below). Pure, so it is tested as a table.

export type Direction = 'above' | 'below' | 'both';

export interface ThresholdParams {
  threshold: number;
  direction: Direction;
  hysteresis: number;
}

/** Per-subscription state kept between evaluations. */
export interface ThresholdState {
  /** false after firing that direction until re-armed. */
  armedAbove: boolean;
  armedBelow: boolean;
  /** The last job evaluated, so a retry of the same job never fires twice. */
  lastJobId: string | null;
}

export const initialThresholdState = (): ThresholdState => ({ armedAbove: true, armedBelow: true, lastJobId: null });

export function evaluateCrossing(
  params: ThresholdParams,
  state: ThresholdState,
  previous: number | null,
  current: number,
  jobId: string,
): { fired: 'above' | 'below' | null; state: ThresholdState } {
  if (state.lastJobId === jobId) return { fired: null, state };
  const { threshold: t, hysteresis: h, direction } = params;
  const next: ThresholdState = { ...state, lastJobId: jobId };
  if (h > 0) {
    if (!next.armedAbove && current <= t - h) next.armedAbove = true;
    if (!next.armedBelow && current >= t + h) next.armedBelow = true;
  }
  if (previous === null) return { fired: null, state: next };
  const wantsAbove = direction === 'above' || direction === 'both';
  const wantsBelow = direction === 'below' || direction === 'both';
  if (wantsAbove && previous <= t && t < current && state.armedAbove) {
    if (h > 0) next.armedAbove = false;
    return { fired: 'above', state: next };
  }
  if (wantsBelow && previous >= t && t > current && state.armedBelow) {
    if (h > 0) next.armedBelow = false;
    return { fired: 'below', state: next };
  }
  return { fired: null, state: next };
}

// Whether the target's clock is one the suites can move (the mock's control API, --clock virtual).
import type { CheckContext } from './check.js';

export async function virtualClock(ctx: CheckContext): Promise<boolean> {
  if (ctx.control === undefined) return false;
  return (await ctx.control.clock()).mode === 'virtual';
}

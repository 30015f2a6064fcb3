/* ticker: the PMU and debug state a restarted partition must not inherit
 * (reset_state.c). */
#ifndef TICKER_RESET_STATE_H
#define TICKER_RESET_STATE_H

void reset_state_dirty(void);   /* set it, before SYSTEM_RESET */
void reset_state_check(void);   /* at start: prints whether it is clear */

#endif

/* Moonkeep's watchdog, as the patched interpreter loop sees it (see build.rs).
 *
 * lvm.c calls moonkeep_tick at every Lua function entry and backward jump. It costs
 * one decrement of `ticks`, luaV_execute's local copy of moonkeep_countdown (taken
 * when the call starts, given back when it returns); when it runs out,
 * moonkeep_watchdog_tick asks the host (crates/lua/src/watchdog.rs) whether the run
 * must pause or stop, and sets the next countdown. */
#ifndef MOONKEEP_WATCHDOG_H
#define MOONKEEP_WATCHDOG_H

#include "lua.h"

#if defined(__wasm__)
/* One thread: a plain global. */
#define MOONKEEP_THREAD_LOCAL
#else
/* Native tests run VMs on several threads at once. */
#define MOONKEEP_THREAD_LOCAL _Thread_local __attribute__((tls_model("initial-exec")))
#endif

extern MOONKEEP_THREAD_LOCAL int moonkeep_countdown;

void moonkeep_watchdog_tick(lua_State *L);

/* Used inside luaV_execute only, where `ticks` is the local copy of the countdown. */
#define moonkeep_tick(L) \
  { if (l_unlikely(--ticks <= 0)) { \
      moonkeep_countdown = ticks; moonkeep_watchdog_tick(L); ticks = moonkeep_countdown; } }

#endif

/* The C half of the watchdog: turns the host's verdict into Lua's own mechanisms.
 *
 * The host (watchdog.rs) decides; this file acts. To pause or stop a run it installs
 * a one-shot count hook on the running thread, because only from inside a hook can Lua
 * yield in the middle of a function or raise an error with a correct stack. Setting a
 * hook is safe at any instruction (Lua allows it even from signal handlers). The hook
 * then asks again:
 *   - PAUSE: yield (the runner resumes it later); the hook stays installed so that
 *     mlua recognises a hook yield, and removes itself on the next instruction;
 *   - HALT: raise "chunk:line: message"; the hook stays installed, so a pcall in the
 *     script that catches the error fails again at its next instruction;
 *   - otherwise: put back the hook the script had (debug.sethook) and carry on. */
#include "lua.h"
#include "lauxlib.h"
#include "lstate.h" /* G(L): one key for all threads of a state */
#include "watchdog.h"

enum { KEEP_GOING = 0, PAUSE = 1, HALT = 2 };

typedef int (*tick_fn)(void *state, lua_State *L, int yieldable, int *countdown);
typedef int (*decide_fn)(void *state, lua_State *L, int yieldable);
typedef const char *(*message_fn)(void *state);

static tick_fn host_tick;
static decide_fn host_decide;
static message_fn host_message;

MOONKEEP_THREAD_LOCAL int moonkeep_countdown = 1;

/* The script's own hook, set aside while ours is installed on `armed`. */
static MOONKEEP_THREAD_LOCAL lua_State *armed;
static MOONKEEP_THREAD_LOCAL lua_Hook saved_hook;
static MOONKEEP_THREAD_LOCAL int saved_mask, saved_count;

void moonkeep_watchdog_install(tick_fn tick, decide_fn decide, message_fn message) {
  host_tick = tick;
  host_decide = decide;
  host_message = message;
}

static void watchdog_hook(lua_State *L, lua_Debug *ar);

static void disarm(lua_State *L) {
  if (armed == L) {
    lua_sethook(L, saved_hook, saved_mask, saved_count);
    armed = NULL;
  } else {
    lua_sethook(L, NULL, 0, 0);
  }
}

static void arm(lua_State *L) {
  if (lua_gethook(L) == watchdog_hook) return;
  /* A thread armed before and never disarmed is dead: it is forgotten, never touched. */
  armed = L;
  saved_hook = lua_gethook(L);
  saved_mask = lua_gethookmask(L);
  saved_count = lua_gethookcount(L);
  lua_sethook(L, watchdog_hook, LUA_MASKCOUNT, 1);
}

static void watchdog_hook(lua_State *L, lua_Debug *ar) {
  void *state = G(L);
  int verdict = host_decide ? host_decide(state, L, lua_isyieldable(L)) : KEEP_GOING;
  if (verdict == HALT) {
    const char *message = host_message(state);
    if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
      lua_pushfstring(L, "%s:%d: %s", ar->short_src, ar->currentline, message);
    else
      lua_pushstring(L, message);
    lua_error(L);
  }
  if (verdict == PAUSE) {
    lua_yield(L, 0);
    return;
  }
  disarm(L);
}

void moonkeep_watchdog_tick(lua_State *L) {
  int verdict;
  if (host_tick == NULL) {
    moonkeep_countdown = 1 << 30;
    return;
  }
  verdict = host_tick(G(L), L, lua_isyieldable(L), &moonkeep_countdown);
  if (verdict != KEEP_GOING) arm(L);
}

/* Removes the watchdog's hook from a thread that stopped with it installed. */
void moonkeep_watchdog_release(lua_State *L) {
  if (lua_gethook(L) == watchdog_hook) disarm(L);
}

/* The key the host files a state's watchdog under: the same for all its threads. */
void *moonkeep_watchdog_key(lua_State *L) {
  return G(L);
}

/* A run starts: tick soon, whatever the countdown was while idle. */
void moonkeep_watchdog_set_countdown(int n) {
  moonkeep_countdown = n;
}

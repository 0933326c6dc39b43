/* Clean marks and the dirty log for the save walk (crates/lua/build.rs says where
   every table write clears a mark; crates/lua/src/walk.rs reads and sets them). None of
   these functions raises an error or runs the collector, so all may be called inside
   a walk's pass or a table write. */
#include "lua.h"
#include "lobject.h"
#include "lstate.h"
#include "lapi.h"

/* The first write to a clean table since a walk marked it: the table goes into the
   dirty log. Called only on that transition, so each table is logged once. The log
   grows through the state's allocator directly: the collector must not run in the
   middle of a table write. If it cannot grow, the log is marked full and the next
   save point reads everything. */
void moonkeep_dirty(global_State *g, Table *t) {
  t->flags &= cast_byte(~MOONKEEP_CLEAN);
  if (g->moonkeep_logfull)
    return;
  if (g->moonkeep_logn == g->moonkeep_logsize) {
    size_t size = g->moonkeep_logsize ? 2 * g->moonkeep_logsize : 64;
    Table **grown = NULL;
    if (size < ((size_t)-1) / sizeof(Table *))
      grown = (Table **)(*g->frealloc)(g->ud, g->moonkeep_log, g->moonkeep_logsize * sizeof(Table *),
                                        size * sizeof(Table *));
    if (grown == NULL) {
      g->moonkeep_logfull = 1;
      return;
    }
    g->moonkeep_log = grown;
    g->moonkeep_logsize = size;
  }
  g->moonkeep_log[g->moonkeep_logn++] = t;
}

/* Whether the value at idx is a table still marked clean. */
int moonkeep_is_clean(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE)
    return 0;
  return (((Table *)lua_topointer(L, idx))->flags & MOONKEEP_CLEAN) != 0;
}

/* Marks the table at idx clean: its next write logs it. */
void moonkeep_mark_clean(lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TTABLE)
    ((Table *)lua_topointer(L, idx))->flags |= MOONKEEP_CLEAN;
}

/* Tables in the dirty log, or -1 if the log could not hold them all. */
lua_Integer moonkeep_dirty_count(lua_State *L) {
  global_State *g = G(L);
  return g->moonkeep_logfull ? -1 : (lua_Integer)g->moonkeep_logn;
}

/* Pushes the i-th table of the dirty log (0-based, i below the count); the caller has
   checked the stack for a slot. */
void moonkeep_push_dirty(lua_State *L, lua_Integer i) {
  sethvalue2s(L, L->top.p, G(L)->moonkeep_log[i]);
  api_incr_top(L);
}

/* Empties the dirty log (a save point has read what it held). A large array is given
   back rather than kept for the next save point. */
void moonkeep_clear_dirty(lua_State *L) {
  global_State *g = G(L);
  if (g->moonkeep_logsize > 4096) {
    (*g->frealloc)(g->ud, g->moonkeep_log, g->moonkeep_logsize * sizeof(Table *), 0);
    g->moonkeep_log = NULL;
    g->moonkeep_logsize = 0;
  }
  g->moonkeep_logn = 0;
  g->moonkeep_logfull = 0;
}

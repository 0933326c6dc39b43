/* Clean marks for the save walk (crates/lua/build.rs says where every write clears
   them; crates/lua/src/walk.rs reads and sets them). Neither function raises an
   error or allocates, so both may be called inside a walk's pass. */
#include "lua.h"
#include "lobject.h"
#include "lfunc.h"

/* A table, or a Lua closure whose upvalues are all closed, unwritten since the walk
   marked them; 0 for anything else. */
int moonkeep_is_clean(lua_State *L, int idx) {
  int i;
  LClosure *f;
  if (lua_type(L, idx) == LUA_TTABLE)
    return (((Table *)lua_topointer(L, idx))->flags & MOONKEEP_CLEAN) != 0;
  if (lua_type(L, idx) != LUA_TFUNCTION || lua_iscfunction(L, idx))
    return 0;
  f = (LClosure *)lua_topointer(L, idx);
  if (!f->moonkeep_clean)
    return 0;
  for (i = 0; i < f->nupvalues; i++) {
    UpVal *uv = f->upvals[i];
    if (uv == NULL || upisopen(uv) || !uv->moonkeep_clean)
      return 0;
  }
  return 1;
}

/* Marks a table clean, or a Lua closure and its closed upvalues (an open one is a
   live local, written without any write path, so it stays unmarked). */
void moonkeep_mark_clean(lua_State *L, int idx) {
  int i;
  LClosure *f;
  if (lua_type(L, idx) == LUA_TTABLE) {
    ((Table *)lua_topointer(L, idx))->flags |= MOONKEEP_CLEAN;
    return;
  }
  if (lua_type(L, idx) != LUA_TFUNCTION || lua_iscfunction(L, idx))
    return;
  f = (LClosure *)lua_topointer(L, idx);
  f->moonkeep_clean = 1;
  for (i = 0; i < f->nupvalues; i++) {
    UpVal *uv = f->upvals[i];
    if (uv != NULL && !upisopen(uv))
      uv->moonkeep_clean = 1;
  }
}

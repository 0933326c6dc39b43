/* Registering and building objects in bulk: the ids a save walk gave new objects
   (crates/lua/src/walk.rs), and a restored Memory's tables (crates/lua/src/rebuild.rs
   writes the instructions). A restore made a Lua call per table entry through mlua, with a handle
   kept per table; here one protected call creates, fills or gives metatables to many
   tables, found and registered by id in the host's two id tables. Being a C function
   called through lua_pcall, it may raise (a memory error): no Rust frame is between. */
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

/* Arguments: 1 id -> object, 2 object -> id, 3 standard values by number, 4 the
   instructions (a light userdata), 5 their length, 6 what to do. */
#define BY_ID 1
#define BY_OBJECT 2
#define STD 3

enum { CREATE = 0, FILL = 1, METATABLES = 2 };
enum { NIL = 0, FALSE = 1, TRUE = 2, INTEGER = 3, FLOAT = 4, STRING = 5, OBJECT = 6, STANDARD = 7 };

typedef struct Reader {
  const unsigned char *at, *end;
} Reader;

static void need(lua_State *L, Reader *r, size_t n) {
  if ((size_t)(r->end - r->at) < n)
    luaL_error(L, "restore instructions end early");
}

static unsigned long long u64(lua_State *L, Reader *r) {
  unsigned long long v;
  need(L, r, 8);
  memcpy(&v, r->at, 8);
  r->at += 8;
  return v;
}

static unsigned int u32(lua_State *L, Reader *r) {
  unsigned int v;
  need(L, r, 4);
  memcpy(&v, r->at, 4);
  r->at += 4;
  return v;
}

/* Pushes the table or function with this id; an error if there is none (the host
   sends only ids it created). */
static void push_object(lua_State *L, unsigned long long id) {
  if (lua_rawgeti(L, BY_ID, (lua_Integer)id) == LUA_TNIL)
    luaL_error(L, "restore instructions name object %I, which was not created", (lua_Integer)id);
}

static void push_value(lua_State *L, Reader *r) {
  unsigned int n;
  need(L, r, 1);
  switch (*r->at++) {
    case NIL: lua_pushnil(L); break;
    case FALSE: lua_pushboolean(L, 0); break;
    case TRUE: lua_pushboolean(L, 1); break;
    case INTEGER: lua_pushinteger(L, (lua_Integer)u64(L, r)); break;
    case FLOAT: {
      unsigned long long bits = u64(L, r);
      double d;
      memcpy(&d, &bits, 8);
      lua_pushnumber(L, d);
      break;
    }
    case STRING:
      n = u32(L, r);
      need(L, r, n);
      lua_pushlstring(L, (const char *)r->at, n);
      r->at += n;
      break;
    case OBJECT: push_object(L, u64(L, r)); break;
    case STANDARD: lua_rawgeti(L, STD, (lua_Integer)u32(L, r)); break;
    default: luaL_error(L, "restore instructions hold an unknown value tag");
  }
}

int moonkeep_rebuild(lua_State *L) {
  Reader r;
  int what = (int)luaL_checkinteger(L, 6);
  r.at = (const unsigned char *)lua_touserdata(L, 4);
  r.end = r.at + (size_t)luaL_checkinteger(L, 5);
  luaL_checkstack(L, 8, "restore");
  while (r.at < r.end) {
    unsigned long long id = u64(L, &r);
    if (what == CREATE) {
      unsigned int narr = u32(L, &r), nrec = u32(L, &r);
      lua_createtable(L, (int)narr, (int)nrec);
      lua_pushvalue(L, -1);
      lua_rawseti(L, BY_ID, (lua_Integer)id);
      lua_pushinteger(L, (lua_Integer)id);
      lua_rawset(L, BY_OBJECT);
    } else if (what == FILL) {
      unsigned int count = u32(L, &r), i;
      push_object(L, id);
      for (i = 0; i < count; i++) {
        push_value(L, &r);
        push_value(L, &r);
        lua_rawset(L, -3);
      }
      lua_pop(L, 1);
    } else {
      push_object(L, id);
      push_object(L, u64(L, &r));
      lua_setmetatable(L, -2);
      lua_pop(L, 1);
    }
  }
  return 0;
}

/* Gives the objects parked in `pending` (argument 1, at 1..count) their ids (argument
   4, an array of count 64-bit ids) in the id tables (2 id -> object, 3 object -> id),
   emptying `pending` as it goes. */
int moonkeep_register(lua_State *L) {
  const unsigned char *ids = (const unsigned char *)lua_touserdata(L, 4);
  lua_Integer count = luaL_checkinteger(L, 5), i;
  luaL_checkstack(L, 4, "register");
  for (i = 1; i <= count; i++) {
    unsigned long long id;
    memcpy(&id, ids + 8 * (i - 1), 8);
    lua_rawgeti(L, 1, i);
    lua_pushvalue(L, -1);
    lua_rawseti(L, 2, (lua_Integer)id);
    lua_pushinteger(L, (lua_Integer)id);
    lua_rawset(L, 3);
    lua_pushnil(L);
    lua_rawseti(L, 1, i);
  }
  return 0;
}

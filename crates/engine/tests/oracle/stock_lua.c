/* The conformance tests' oracle: `lua FILE` as the stand-alone interpreter runs it, on
 * unpatched Lua 5.4.9 (lua-src's sources, which crates/lua patches for Moonkeep). The
 * crate does not ship lua.c, so this is the part of it the tests need: the libraries
 * opened, the collector in generational mode, the file loaded with its "@name" and
 * called from a C function under a message handler that adds the traceback, and an
 * error reported as "lua: message" with status 1. */
#include <stdio.h>
#include <stdlib.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static int traceback(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

static int run_file(lua_State *L) {
  const char *file = (const char *)lua_touserdata(L, 1);
  luaL_openlibs(L);
  lua_gc(L, LUA_GCRESTART);
  lua_gc(L, LUA_GCGEN, 0, 0);
  lua_pushcfunction(L, traceback);
  if (luaL_loadfile(L, file) != LUA_OK || lua_pcall(L, 0, 0, 2) != LUA_OK) {
    fprintf(stderr, "lua: %s\n", lua_tostring(L, -1));
    fflush(stderr);
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_pushboolean(L, 1);
  return 1;
}

int main(int argc, char **argv) {
  lua_State *L = luaL_newstate();
  int ok;
  if (L == NULL || argc != 2) return 2;
  lua_gc(L, LUA_GCSTOP);
  lua_pushcfunction(L, run_file);
  lua_pushlightuserdata(L, argv[1]);
  ok = lua_pcall(L, 1, 1, 0) == LUA_OK && lua_toboolean(L, -1);
  lua_close(L);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

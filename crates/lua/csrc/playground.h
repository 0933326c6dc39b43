#ifndef MOONKEEP_PLAYGROUND_H
#define MOONKEEP_PLAYGROUND_H

#include <stddef.h>
#include <time.h>

#include "lua.h"

/* The host's ends (src/playground.rs): the run's output sink of a state (`key` is
 * G(L)), a monotonic clock in seconds, and the time zone's offset east of UTC at a
 * Unix time (only called where libc knows no time zone: the browser). */
typedef void (*moonkeep_write_fn)(void *key, const char *bytes, size_t len);
typedef double (*moonkeep_clock_fn)(void);
typedef long long (*moonkeep_offset_fn)(double t);

void moonkeep_playground_host(moonkeep_write_fn write, moonkeep_clock_fn clock, moonkeep_offset_fn offset);

/* print's output (lauxlib.h's lua_writestring and lua_writeline, patched by build.rs). */
void moonkeep_write(lua_State *L, const char *s, size_t len);
void moonkeep_writeline(lua_State *L);

/* lua_CFunctions the host calls through mlua. */
int moonkeep_playground_open(lua_State *L);
int moonkeep_playground_set_runner(lua_State *L);
int moonkeep_playground_flush(lua_State *L);
int moonkeep_run_entry(lua_State *L);
int moonkeep_load(lua_State *L);

/* The browser's libc knows only UTC and accepts any locale name (loslib.c, patched). */
struct tm *moonkeep_localtime(const time_t *t, struct tm *result);
time_t moonkeep_mktime(struct tm *fields);
char *moonkeep_setlocale(int category, const char *locale);

#endif

/* Moonkeep's standard library: stock Lua 5.4 with what a browser cannot do replaced on
 * purpose, identically on every host. Every replacement is a C function, as the stock
 * function it stands for is, so that debug.getinfo, string.dump, hooks, tracebacks and
 * error messages cannot tell them apart; and none calls into Rust through mlua, so a
 * finalizer that prints while the state closes reaches nothing that is gone.
 *
 * - print is stock: lauxlib.h's lua_writestring is patched (build.rs) to write to this
 *   state's stdout below.
 * - io.stdout and io.stderr are stock file handles on FILEs (fopencookie) that hand
 *   every byte to the host's sink of the run's output; io.stdin is always at its end.
 * - Files, processes and native modules fail with "X is not available in the browser".
 * - The run's thread (the host's coroutine, vm/run.rs) is the main thread to the
 *   script: coroutine.running, isyieldable and yield say so.
 * - debug.getregistry is refused and debug.getupvalue/setupvalue refuse C functions:
 *   the registry holds the bytecode seal's key, and the upvalues of C functions are
 *   typed values their code trusts. */
#define _GNU_SOURCE /* fopencookie */
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "lua.h"
#include "lauxlib.h"
#include "ldo.h"    /* luaD_throw: an error raised again keeps its status */
#include "lstate.h" /* G(L): one key for all threads of a state */
#include "playground.h"
#include "watchdog.h" /* MOONKEEP_THREAD_LOCAL */

static moonkeep_write_fn host_write;
static moonkeep_clock_fn host_clock;
static moonkeep_offset_fn host_offset;

/* Registry keys (their addresses). */
static const char RUNNER = 'r';
static const char STDOUT = 'o';
static const char STOCK_LINES = 'l';
static const char STREAMS = 's';

/* The run under way on this OS thread (its state's G and its thread), kept beside the
 * registry's entry: every yield asks, and the registry lookup cost coroutine switches
 * about 10%. Forgotten when its state closes, whose address a new state may reuse. */
static MOONKEEP_THREAD_LOCAL void *runner_key;
static MOONKEEP_THREAD_LOCAL lua_State *runner_thread;

#define NO_FILES "there is no file system; keep data in Memory"
#define NO_PROCESSES "there are no processes"

void moonkeep_playground_host(moonkeep_write_fn write, moonkeep_clock_fn clock, moonkeep_offset_fn offset) {
  host_write = write;
  host_clock = clock;
  host_offset = offset;
}

/* ---- output ---- */

static ssize_t sink_write(void *key, const char *bytes, size_t len) {
  if (host_write != NULL) host_write(key, bytes, len);
  return (ssize_t)len;
}

static ssize_t empty_read(void *key, char *bytes, size_t len) {
  (void)key, (void)bytes, (void)len;
  return 0;
}

/* As a terminal or a pipe answers. */
static int no_seek(void *key, off_t *offset, int whence) {
  (void)key, (void)offset, (void)whence;
  errno = ESPIPE;
  return -1;
}

static FILE *stdout_of(lua_State *L) {
  FILE *f;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &STDOUT);
  f = (FILE *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  return f;
}

/* print writes where io.stdout does, through the same FILE, so the two keep their
 * order whatever buffering a script chooses (io.stdout:setvbuf). */
void moonkeep_write(lua_State *L, const char *s, size_t len) {
  FILE *f = stdout_of(L);
  if (f != NULL) fwrite(s, 1, len, f);
}

void moonkeep_writeline(lua_State *L) {
  FILE *f = stdout_of(L);
  if (f != NULL) {
    fwrite("\n", 1, 1, f);
    fflush(f);
  }
}

/* Everything a run wrote is with the host when it ends. */
int moonkeep_playground_flush(lua_State *L) {
  FILE *f = stdout_of(L);
  if (f != NULL) fflush(f);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "io");
  if (lua_istable(L, -1) && lua_getfield(L, -1, "stderr") == LUA_TUSERDATA) {
    luaL_Stream *p = (luaL_Stream *)luaL_testudata(L, -1, LUA_FILEHANDLE);
    if (p != NULL && p->f != NULL && p->closef != NULL) fflush(p->f);
  }
  return 0;
}

/* Points the stock handle io[name] at `f`. */
static void redirect(lua_State *L, int io, const char *name, FILE *f) {
  luaL_Stream *p;
  lua_getfield(L, io, name);
  p = (luaL_Stream *)luaL_checkudata(L, -1, LUA_FILEHANDLE);
  p->f = f;
  lua_pop(L, 1);
}

static FILE *open_stream(lua_State *L, const char *mode) {
  cookie_io_functions_t io = {empty_read, sink_write, no_seek, NULL};
  FILE *f = fopencookie(G(L), mode, io);
  if (f == NULL) luaL_error(L, "cannot open the run's output");
  setvbuf(f, NULL, _IONBF, 0);
  return f;
}

/* The streams' FILEs live as long as the state: they are closed by the finalizer of a
 * userdata made before any script runs, so it runs after every script's finalizer when
 * the state closes (the newest objects are finalized first), and nothing writes through
 * them afterwards: the handles are marked closed and print finds no stdout. */
typedef struct {
  FILE *files[3];
} Streams;

static const char *const STREAM_NAMES[3] = {"stdin", "stdout", "stderr"};

static int close_streams(lua_State *L) {
  Streams *streams = (Streams *)lua_touserdata(L, 1);
  if (runner_key == G(L)) runner_key = NULL;
  lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &STDOUT);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "io");
  for (int i = 0; i < 3; i++) {
    if (streams->files[i] == NULL) continue;
    if (lua_istable(L, -1) && lua_getfield(L, -1, STREAM_NAMES[i]) == LUA_TUSERDATA) {
      luaL_Stream *p = (luaL_Stream *)luaL_testudata(L, -1, LUA_FILEHANDLE);
      if (p != NULL && p->f == streams->files[i]) p->closef = NULL;
    }
    lua_pop(L, 1);
    fclose(streams->files[i]);
    streams->files[i] = NULL;
  }
  return 0;
}

/* ---- refusals ---- */

/* Each refusal is a C function of its own, without upvalues, as the stock one it
 * replaces; the error names the caller's line, as the stock one's would. */
#define REFUSAL(fn, name, why) \
  static int fn(lua_State *L) { return luaL_error(L, "%s is not available in the browser: %s", name, why); }

REFUSAL(no_dofile, "dofile", NO_FILES)
REFUSAL(no_loadfile, "loadfile", NO_FILES)
REFUSAL(no_open, "io.open", NO_FILES)
REFUSAL(no_popen, "io.popen", NO_FILES)
REFUSAL(no_tmpfile, "io.tmpfile", NO_FILES)
REFUSAL(no_exit, "os.exit", NO_PROCESSES)
REFUSAL(no_execute, "os.execute", NO_PROCESSES)
REFUSAL(no_remove, "os.remove", NO_FILES)
REFUSAL(no_rename, "os.rename", NO_FILES)
REFUSAL(no_tmpname, "os.tmpname", NO_FILES)
REFUSAL(no_loadlib, "package.loadlib", NO_FILES)
REFUSAL(no_registry, "debug.getregistry", "the registry holds the host's own values")

static void set(lua_State *L, int t, const char *name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, t, name);
}

/* ---- io ---- */

/* io.input(file) / io.output(file): stock, except that a file name is refused. */
static int set_default_file(lua_State *L, const char *field, const char *qualified) {
  if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER)
    return luaL_error(L, "%s is not available in the browser: %s", qualified, NO_FILES);
  if (!lua_isnoneornil(L, 1)) {
    luaL_Stream *p = (luaL_Stream *)luaL_checkudata(L, 1, LUA_FILEHANDLE);
    if (p->closef == NULL) return luaL_error(L, "attempt to use a closed file");
    lua_pushvalue(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, field);
  }
  lua_getfield(L, LUA_REGISTRYINDEX, field);
  return 1;
}

static int io_input(lua_State *L) { return set_default_file(L, "_IO_input", "io.input"); }
static int io_output(lua_State *L) { return set_default_file(L, "_IO_output", "io.output"); }

/* io.lines(): stock over the default input; a file name is refused. */
static int io_lines(lua_State *L) {
  if (!lua_isnoneornil(L, 1))
    return luaL_error(L, "io.lines is not available in the browser: %s", NO_FILES);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &STOCK_LINES);
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static void open_io(lua_State *L) {
  int io;
  Streams *streams = (Streams *)lua_newuserdatauv(L, sizeof(Streams), 0);
  for (int i = 0; i < 3; i++) streams->files[i] = NULL;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, close_streams);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &STREAMS);
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "io");
  io = lua_gettop(L);
  for (int i = 0; i < 3; i++) {
    streams->files[i] = open_stream(L, i == 0 ? "r" : "w");
    redirect(L, io, STREAM_NAMES[i], streams->files[i]);
  }
  lua_pushlightuserdata(L, streams->files[1]);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &STDOUT);
  set(L, io, "input", io_input);
  set(L, io, "output", io_output);
  lua_getfield(L, io, "lines");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &STOCK_LINES);
  set(L, io, "lines", io_lines);
  set(L, io, "open", no_open);
  set(L, io, "popen", no_popen);
  set(L, io, "tmpfile", no_tmpfile);
  lua_pop(L, 2);
}

/* ---- os ---- */

/* Seconds on a monotonic clock (stock: processor time, which the browser cannot give). */
static int os_clock(lua_State *L) {
  lua_pushnumber(L, host_clock != NULL ? host_clock() : 0.0);
  return 1;
}

/* No environment: every variable is unset. */
static int os_getenv(lua_State *L) {
  luaL_checkstring(L, 1);
  luaL_pushfail(L);
  return 1;
}

static void open_os(lua_State *L) {
  int os;
  lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "os");
  os = lua_gettop(L);
  set(L, os, "clock", os_clock);
  set(L, os, "getenv", os_getenv);
  set(L, os, "exit", no_exit);
  set(L, os, "execute", no_execute);
  set(L, os, "remove", no_remove);
  set(L, os, "rename", no_rename);
  set(L, os, "tmpname", no_tmpname);
  lua_pop(L, 2);
}

/* In the browser libc knows only UTC; the host knows the user's time zone. */
struct tm *moonkeep_localtime(const time_t *t, struct tm *result) {
  time_t local = *t + (time_t)(host_offset != NULL ? host_offset((double)*t) : 0);
  return gmtime_r(&local, result);
}

time_t moonkeep_mktime(struct tm *fields) {
  time_t as_utc = mktime(fields); /* normalises the fields; libc reads them as UTC */
  if (as_utc == (time_t)-1 || host_offset == NULL) return as_utc;
  return as_utc - (time_t)host_offset((double)(as_utc - (time_t)host_offset((double)as_utc)));
}

/* The browser's libc answers any name; only the locales it really has are set. */
char *moonkeep_setlocale(int category, const char *locale) {
  if (locale != NULL && *locale != '\0' && strcmp(locale, "C") != 0 && strcmp(locale, "POSIX") != 0)
    return NULL;
  return setlocale(category, locale);
}

/* ---- modules, files ---- */

static int no_module_files(lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_pushfstring(L, "no module files in the browser: define it first with package.preload['%s'] = function() ... end",
                  name);
  return 1;
}

static void open_package(lua_State *L) {
  int package;
  lua_getglobal(L, "package");
  package = lua_gettop(L);
  lua_pushliteral(L, "");
  lua_setfield(L, package, "path");
  lua_pushliteral(L, "");
  lua_setfield(L, package, "cpath");
  lua_createtable(L, 2, 0);
  lua_getfield(L, package, "searchers");
  lua_rawgeti(L, -1, 1); /* the package.preload searcher */
  lua_rawseti(L, -3, 1);
  lua_pop(L, 1);
  lua_pushcfunction(L, no_module_files);
  lua_rawseti(L, -2, 2);
  lua_setfield(L, package, "searchers");
  set(L, package, "loadlib", no_loadlib);
  lua_pop(L, 1);
}

/* ---- debug ---- */

static int db_getupvalue(lua_State *L) {
  const char *name;
  int n = (int)luaL_checkinteger(L, 2);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (lua_iscfunction(L, 1)) return 0;
  name = lua_getupvalue(L, 1, n);
  if (name == NULL) return 0;
  lua_pushstring(L, name);
  lua_insert(L, -2);
  return 2;
}

static int db_setupvalue(lua_State *L) {
  const char *name;
  int n;
  luaL_checkany(L, 3);
  n = (int)luaL_checkinteger(L, 2);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (lua_iscfunction(L, 1)) return 0;
  name = lua_setupvalue(L, 1, n);
  if (name == NULL) return 0;
  lua_pushstring(L, name);
  return 1;
}

static void open_debug(lua_State *L) {
  lua_getglobal(L, "debug");
  set(L, lua_gettop(L), "getupvalue", db_getupvalue);
  set(L, lua_gettop(L), "setupvalue", db_setupvalue);
  set(L, lua_gettop(L), "getregistry", no_registry);
  lua_pop(L, 1);
}

/* ---- coroutines: the run's thread is the main thread ---- */

static int is_runner(lua_State *L, lua_State *co) {
  int runner;
  if (runner_key == G(L)) return co == runner_thread;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &RUNNER);
  runner = lua_tothread(L, -1) == co;
  lua_pop(L, 1);
  return runner;
}

static int co_running(lua_State *L) {
  int main = lua_pushthread(L);
  lua_pushboolean(L, main || is_runner(L, L));
  return 2;
}

static int co_isyieldable(lua_State *L) {
  lua_State *co = L;
  if (!lua_isnone(L, 1)) {
    co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "thread");
  }
  lua_pushboolean(L, lua_isyieldable(co) && !is_runner(L, co));
  return 1;
}

static int co_yield(lua_State *L) {
  if (is_runner(L, L)) {
    lua_pushliteral(L, "attempt to yield from outside a coroutine");
    return lua_error(L);
  }
  return lua_yield(L, lua_gettop(L));
}

static void open_coroutine(lua_State *L) {
  lua_getglobal(L, "coroutine");
  set(L, lua_gettop(L), "running", co_running);
  set(L, lua_gettop(L), "isyieldable", co_isyieldable);
  set(L, lua_gettop(L), "yield", co_yield);
  lua_pop(L, 1);
}

/* set_runner(thread | nil): the thread the host runs the script on, between runs nil. */
int moonkeep_playground_set_runner(lua_State *L) {
  lua_settop(L, 1);
  runner_key = G(L);
  runner_thread = lua_tothread(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &RUNNER);
  return 0;
}

/* The run's thread starts here, with the chunk as its argument, and runs it as the
 * stand-alone `lua` runs a script: called from a C function (debug.getinfo(2) is a C
 * frame, tracebacks end in "[C]: in ?") under a message handler that adds the traceback
 * (which `load` inherits: an error in a reader function comes back with it, as under
 * `lua`). The continuation lets the watchdog pause the chunk; an error is raised again
 * with its status, so that a memory error stays one. */
static int add_traceback(lua_State *L) {
  const char *message = lua_tostring(L, 1);
  if (message == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, message, 1);
  return 1;
}

static int entry_done(lua_State *L, int status, lua_KContext ctx) {
  (void)ctx;
  if (status != LUA_OK && status != LUA_YIELD) luaD_throw(L, status);
  lua_remove(L, 1); /* the message handler */
  return lua_gettop(L);
}

int moonkeep_run_entry(lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushcfunction(L, add_traceback);
  lua_insert(L, 1);
  return entry_done(L, lua_pcallk(L, lua_gettop(L) - 2, LUA_MULTRET, 1, 0, entry_done), 0);
}

/* ---- all of it ---- */

/* open(load, dump): installs the library. */
int moonkeep_playground_open(lua_State *L) {
  if (runner_key == G(L)) runner_key = NULL;
  lua_settop(L, 2);
  lua_pushvalue(L, 1);
  lua_setglobal(L, "load");
  lua_getglobal(L, "string");
  lua_pushvalue(L, 2);
  lua_setfield(L, -2, "dump");
  lua_pop(L, 1);
  lua_pushglobaltable(L);
  set(L, lua_gettop(L), "dofile", no_dofile);
  set(L, lua_gettop(L), "loadfile", no_loadfile);
  lua_pop(L, 1);
  open_io(L);
  open_os(L);
  open_package(L);
  open_debug(L);
  open_coroutine(L);
  lua_gc(L, LUA_GCGEN, 0, 0); /* as the stand-alone lua runs scripts */
  return 0;
}

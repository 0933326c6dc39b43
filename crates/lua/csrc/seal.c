/* The bytecode seal: Lua does not verify bytecode, and a crafted binary chunk can
 * corrupt the VM, so a Moonkeep VM loads only bytecode its own string.dump made.
 *
 * string.dump appends a tag to the bytecode: SipHash-2-4, under a 128-bit key that each
 * VM draws at random and keeps in its registry (which scripts cannot reach), of the
 * bytes before it. load accepts a binary chunk only with a valid tag and loads the bytes
 * before it. Nothing is remembered per dump, so nothing grows with the number of dumps
 * (an earlier design kept every dumped string in a table, for the life of the VM).
 *
 * crates/lua/src/seal.rs installs the key and hands these functions to the engine. */
#include <stdint.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "seal.h"

#define TAG_LEN 8

static uint64_t load64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static void store64(unsigned char *p, uint64_t v) {
  for (int i = 0; i < 8; i++, v >>= 8) p[i] = (unsigned char)v;
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                   \
  do {                                                             \
    v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);      \
    v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                         \
    v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                         \
    v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);      \
  } while (0)

uint64_t moonkeep_siphash24(const unsigned char key[16], const unsigned char *in, size_t len) {
  uint64_t k0 = load64(key), k1 = load64(key + 8);
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  const unsigned char *end = in + (len & ~(size_t)7);
  uint64_t last = (uint64_t)len << 56;
  for (; in != end; in += 8) {
    uint64_t m = load64(in);
    v3 ^= m;
    SIPROUND;
    SIPROUND;
    v0 ^= m;
  }
  for (size_t i = 0; i < (len & 7); i++) last |= (uint64_t)in[i] << (8 * i);
  v3 ^= last;
  SIPROUND;
  SIPROUND;
  v0 ^= last;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  return v0 ^ v1 ^ v2 ^ v3;
}

/* This VM's key, from its registry. */
static void seal_key(lua_State *L, unsigned char key[MOONKEEP_SEAL_KEY_LEN]) {
  size_t len = 0;
  const char *stored;
  lua_getfield(L, LUA_REGISTRYINDEX, MOONKEEP_SEAL_REGISTRY_KEY);
  stored = lua_tolstring(L, -1, &len);
  if (stored == NULL || len != MOONKEEP_SEAL_KEY_LEN) luaL_error(L, "the bytecode seal has no key");
  memcpy(key, stored, MOONKEEP_SEAL_KEY_LEN);
  lua_pop(L, 1);
}

typedef struct {
  int started;
  luaL_Buffer buffer;
} Dump;

static int dump_writer(lua_State *L, const void *bytes, size_t size, void *data) {
  Dump *dump = (Dump *)data;
  if (!dump->started) { /* only now: lua_dump wants the function on top when it starts */
    dump->started = 1;
    luaL_buffinit(L, &dump->buffer);
  }
  luaL_addlstring(&dump->buffer, (const char *)bytes, size);
  return 0;
}

/* string.dump(f [, strip]): stock string.dump, then the tag. */
int moonkeep_sealed_dump(lua_State *L) {
  unsigned char key[MOONKEEP_SEAL_KEY_LEN], tag[TAG_LEN];
  Dump dump;
  int strip = lua_toboolean(L, 2);
  luaL_checktype(L, 1, LUA_TFUNCTION);
  seal_key(L, key);
  lua_settop(L, 1);
  dump.started = 0;
  if (lua_dump(L, dump_writer, &dump, strip) != 0 || !dump.started)
    return luaL_error(L, "unable to dump given function");
  store64(tag, moonkeep_siphash24(key, (const unsigned char *)luaL_buffaddr(&dump.buffer),
                                  luaL_bufflen(&dump.buffer)));
  luaL_addlstring(&dump.buffer, (const char *)tag, TAG_LEN);
  luaL_pushresult(&dump.buffer);
  return 1;
}

static int tag_matches(const unsigned char key[MOONKEEP_SEAL_KEY_LEN], const char *chunk, size_t len) {
  unsigned char expected[TAG_LEN];
  unsigned char differ = 0;
  if (len <= TAG_LEN) return 0;
  store64(expected, moonkeep_siphash24(key, (const unsigned char *)chunk, len - TAG_LEN));
  for (int i = 0; i < TAG_LEN; i++) differ |= (unsigned char)(expected[i] ^ (unsigned char)chunk[len - TAG_LEN + i]);
  return differ == 0;
}

/* load(chunk [, chunkname [, mode [, env]]]) for a binary string chunk, as stock load
 * does it, except that binary code must carry this VM's tag (which is not loaded). */
int moonkeep_load_sealed(lua_State *L) {
  size_t len;
  const char *chunk = luaL_checklstring(L, 1, &len);
  const char *chunkname = luaL_optstring(L, 2, chunk);
  const char *mode = luaL_optstring(L, 3, "bt");
  int env = !lua_isnone(L, 4) ? 4 : 0;
  size_t body = len;
  if (strchr(mode, 'b') != NULL) {
    unsigned char key[MOONKEEP_SEAL_KEY_LEN];
    seal_key(L, key);
    if (!tag_matches(key, chunk, len)) {
      luaL_pushfail(L);
      lua_pushliteral(L, "binary chunk refused: Moonkeep loads only bytecode made by string.dump in this session");
      return 2;
    }
    body = len - TAG_LEN;
  } /* else: Lua refuses the binary chunk itself, naming the mode */
  if (luaL_loadbufferx(L, chunk, body, chunkname, mode) != LUA_OK) {
    luaL_pushfail(L);
    lua_insert(L, -2);
    return 2;
  }
  if (env != 0) {
    lua_pushvalue(L, env);
    if (lua_setupvalue(L, -2, 1) == NULL) lua_pop(L, 1);
  }
  return 1;
}

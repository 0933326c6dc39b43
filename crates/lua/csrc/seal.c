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

#define REFUSED "binary chunk refused: Moonkeep loads only bytecode made by string.dump in this session"
/* The reader's piece is kept here, as stock load keeps it (above load's 4 arguments). */
#define PIECE_SLOT 5

/* Stock load's reader: the next string of the reader function at index 1, NULL at the end. */
static const char *next_piece(lua_State *L, size_t *size) {
  luaL_checkstack(L, 2, "too many nested functions");
  lua_pushvalue(L, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    *size = 0;
    return NULL;
  }
  if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
  lua_replace(L, PIECE_SLOT);
  return lua_tolstring(L, PIECE_SLOT, size);
}

typedef struct {
  int started;
  int check_tag; /* the mode allows binary chunks */
  int refused;
} Reader;

/* Reads a chunk from the reader function as stock load does. A binary chunk is read to
 * its end first, to check its tag; a refused one ends the stream, and load then answers
 * as it does for a refused string. */
static const char *sealed_reader(lua_State *L, void *data, size_t *size) {
  Reader *reader = (Reader *)data;
  const char *piece;
  if (reader->started == 2) {
    *size = 0;
    return NULL;
  }
  piece = next_piece(L, size);
  if (reader->started || !reader->check_tag || piece == NULL || *size == 0 || piece[0] != LUA_SIGNATURE[0]) {
    reader->started = 1;
    return piece;
  }
  {
    unsigned char key[MOONKEEP_SEAL_KEY_LEN];
    luaL_Buffer all;
    size_t len;
    const char *chunk;
    reader->started = 2;
    luaL_buffinit(L, &all);
    luaL_addlstring(&all, piece, *size);
    while ((piece = next_piece(L, size)) != NULL && *size > 0) luaL_addlstring(&all, piece, *size);
    luaL_pushresult(&all);
    lua_replace(L, PIECE_SLOT);
    chunk = lua_tolstring(L, PIECE_SLOT, &len);
    seal_key(L, key);
    if (!tag_matches(key, chunk, len)) {
      reader->refused = 1;
      *size = 0;
      return NULL;
    }
    *size = len - TAG_LEN;
    return chunk;
  }
}

/* load(chunk [, chunkname [, mode [, env]]]): stock load, except that a binary chunk
 * must carry this VM's tag (which is not loaded). */
int moonkeep_load(lua_State *L) {
  size_t len;
  const char *chunk = lua_tolstring(L, 1, &len);
  const char *mode = luaL_optstring(L, 3, "bt");
  int env = !lua_isnone(L, 4) ? 4 : 0;
  int binary_allowed = strchr(mode, 'b') != NULL;
  int status;
  if (chunk != NULL) {
    const char *chunkname = luaL_optstring(L, 2, chunk);
    size_t body = len;
    if (binary_allowed && len > 0 && chunk[0] == LUA_SIGNATURE[0]) {
      unsigned char key[MOONKEEP_SEAL_KEY_LEN];
      seal_key(L, key);
      if (!tag_matches(key, chunk, len)) {
        luaL_pushfail(L);
        lua_pushliteral(L, REFUSED);
        return 2;
      }
      body = len - TAG_LEN;
    } /* else: Lua refuses a binary chunk itself, naming the mode */
    status = luaL_loadbufferx(L, chunk, body, chunkname, mode);
  } else {
    Reader reader = {0, binary_allowed, 0};
    const char *chunkname = luaL_optstring(L, 2, "=(load)");
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, PIECE_SLOT);
    status = lua_load(L, sealed_reader, &reader, chunkname, mode);
    if (reader.refused) {
      luaL_pushfail(L);
      lua_pushliteral(L, REFUSED);
      return 2;
    }
  }
  if (status != LUA_OK) {
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

/* The bytecode seal (seal.c); its Rust end is crates/lua/src/seal.rs. */
#ifndef MOONKEEP_SEAL_H
#define MOONKEEP_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "lua.h"

#define MOONKEEP_SEAL_KEY_LEN 16
/* Where each VM keeps its key: a string field of the registry. */
#define MOONKEEP_SEAL_REGISTRY_KEY "moonkeep.seal"

uint64_t moonkeep_siphash24(const unsigned char key[16], const unsigned char *in, size_t len);
int moonkeep_sealed_dump(lua_State *L);
int moonkeep_load(lua_State *L);

#endif

//! The bytecode seal's Rust end; the seal itself is C (csrc/seal.c).
//!
//! Lua does not verify bytecode, and a crafted binary chunk can corrupt the VM, so a
//! Moonkeep VM loads only bytecode its own `string.dump` made: the dump carries a
//! SipHash-2-4 tag under a key each VM draws at random and keeps in its registry, which
//! scripts cannot reach. Checking a tag needs no memory of past dumps, so a script that
//! dumps a million functions keeps none of them alive.

use std::os::raw::c_int;

use mlua::ffi::lua_State;
use mlua::{Function, Lua, Result};

/// The key's length in bytes (SipHash's 128-bit key).
pub const KEY_LEN: usize = 16;
/// Where the key lives in the registry (seal.h: MOONKEEP_SEAL_REGISTRY_KEY).
const REGISTRY_KEY: &str = "moonkeep.seal";

extern "C-unwind" {
    fn moonkeep_sealed_dump(state: *mut lua_State) -> c_int;
    fn moonkeep_load(state: *mut lua_State) -> c_int;
}

#[cfg(test)]
extern "C" {
    fn moonkeep_siphash24(key: *const u8, data: *const u8, len: usize) -> u64;
}

/// The sealed pair for `lua`, under a fresh random key: `string.dump` (stock
/// `string.dump`, then the tag) and `load` (stock `load(chunk [, chunkname [, mode [,
/// env]]])`, strings and reader functions alike), which refuses a binary chunk whose
/// tag is not this VM's and otherwise loads the bytes before the tag.
pub fn bytecode_seal(lua: &Lua) -> Result<(Function, Function)> {
    lua.set_named_registry_value(REGISTRY_KEY, lua.create_string(random_key()?)?)?;
    // SAFETY: both are lua_CFunctions that use only the C API and raise errors through
    // it (seal.c); mlua calls them as it calls any C function.
    unsafe { Ok((lua.create_c_function(moonkeep_sealed_dump)?, lua.create_c_function(moonkeep_load)?)) }
}

/// SipHash-2-4 of `data` under `key`, as the seal computes it (for the tests).
#[cfg(test)]
fn siphash24(key: &[u8; KEY_LEN], data: &[u8]) -> u64 {
    // SAFETY: the C function reads 16 bytes of key and `data.len()` bytes of data.
    unsafe { moonkeep_siphash24(key.as_ptr(), data.as_ptr(), data.len()) }
}

/// 16 unpredictable bytes from the system's CSPRNG (the browser's
/// `crypto.getRandomValues` in wasm). Without one there is no VM: a predictable key
/// would let a crafted file pass the seal.
fn random_key() -> Result<[u8; KEY_LEN]> {
    let mut key = [0u8; KEY_LEN];
    getrandom::fill(&mut key).map_err(|e| {
        mlua::Error::runtime(format!(
            "no secure random numbers to key the bytecode seal ({e}); use a browser with crypto.getRandomValues"
        ))
    })?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference test vectors of SipHash-2-4 (key 00..0f, input 00..len-1).
    #[test]
    fn siphash_matches_the_reference_vectors() {
        let key: [u8; KEY_LEN] = std::array::from_fn(|i| i as u8);
        let input: Vec<u8> = (0..64).map(|i| i as u8).collect();
        assert_eq!(siphash24(&key, &[]), 0x726f_db47_dd0e_0e31);
        assert_eq!(siphash24(&key, &input[..1]), 0x74f8_39c5_93dc_67fd);
        assert_eq!(siphash24(&key, &input[..8]), 0x93f5_f579_9a93_2462);
        assert_eq!(siphash24(&key, &input[..15]), 0xa129_ca61_49be_45e5);
    }

    /// Against std's SipHash-2-4 (deprecated as a hasher, still exact) on every length
    /// up to three blocks and a few random keys.
    #[test]
    #[allow(deprecated)]
    fn siphash_matches_std_on_all_tail_lengths() {
        use std::hash::{Hasher, SipHasher};
        for seed in 1..5u64 {
            let key: [u8; KEY_LEN] =
                std::array::from_fn(|i| (seed.wrapping_mul(0x9e37_79b9) >> (i % 8)) as u8 ^ i as u8);
            let data: Vec<u8> = (0..25u64).map(|i| (i * 37 + seed * 11) as u8).collect();
            for len in 0..data.len() {
                let mut std = SipHasher::new_with_keys(
                    u64::from_le_bytes(key[..8].try_into().unwrap()),
                    u64::from_le_bytes(key[8..].try_into().unwrap()),
                );
                std.write(&data[..len]);
                assert_eq!(siphash24(&key, &data[..len]), std.finish(), "length {len}");
            }
        }
    }

    fn sealed_lua() -> Lua {
        let lua = crate::new_state();
        let (dump, load) = bytecode_seal(&lua).unwrap();
        lua.globals().set("sealed_dump", dump).unwrap();
        lua.globals().set("load_sealed", load).unwrap();
        lua
    }

    #[test]
    fn a_sealed_dump_loads_and_runs() {
        let lua = sealed_lua();
        let v: i64 = lua
            .load("local b = sealed_dump(function(a) return a * 2 end); return assert(load_sealed(b, 'x', 'b'))(21)")
            .eval()
            .unwrap();
        assert_eq!(v, 42);
    }

    #[test]
    fn the_tag_is_eight_bytes_after_stock_bytecode() {
        let lua = sealed_lua();
        let same: bool = lua
            .load("local f = function() return 1 end; local s, d = sealed_dump(f), string.dump(f); return s:sub(1, -9) == d and #s == #d + 8")
            .eval()
            .unwrap();
        assert!(same);
    }

    #[test]
    fn stock_bytecode_a_changed_byte_or_another_vms_tag_are_refused() {
        let lua = sealed_lua();
        let refused: Vec<String> = lua
            .load(
                r#"local f = function() return 1 end
                local sealed = sealed_dump(f)
                local out = {}
                for _, chunk in ipairs({ string.dump(f), sealed:sub(1, 20) .. "x" .. sealed:sub(22), sealed:sub(1, -2), "\27" }) do
                  local fn, err = load_sealed(chunk, "c", "b")
                  out[#out + 1] = fn == nil and err or "loaded"
                end
                return out"#,
            )
            .eval()
            .unwrap();
        assert_eq!(refused.len(), 4);
        for r in &refused {
            assert!(r.starts_with("binary chunk refused"), "{r}");
        }
        let other = sealed_lua();
        let bytes: mlua::LuaString = other.load("return sealed_dump(function() return 1 end)").eval().unwrap();
        let from_other: (Option<Function>, Option<String>) =
            lua.load("return load_sealed(...)").call(lua.create_string(bytes.as_bytes()).unwrap()).unwrap();
        assert!(from_other.0.is_none(), "another VM's dump loaded");
    }

    #[test]
    fn text_mode_names_the_mode_and_env_becomes_the_first_upvalue() {
        let lua = sealed_lua();
        let (none, err): (Option<Function>, String) =
            lua.load("return load_sealed(sealed_dump(function() end), 'm', 't')").eval().unwrap();
        assert!(none.is_none());
        assert!(err.contains("attempt to load a binary chunk (mode is 't')"), "{err}");
        let v: i64 = lua
            .load("local b = sealed_dump(function() return answer end); return load_sealed(b, nil, 'b', { answer = 7 })()")
            .eval()
            .unwrap();
        assert_eq!(v, 7);
    }
}

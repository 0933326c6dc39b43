/* <setjmp.h> for wasm32 with clang's setjmp/longjmp lowering (-mllvm -wasm-enable-sjlj).
 * Debian's 2022 wasi-libc has none. clang rewrites setjmp/longjmp calls into calls to
 * __wasm_setjmp, __wasm_setjmp_test and __wasm_longjmp, defined in ../wasm_rt.c; this
 * header only has to declare the names and give jmp_buf room for the runtime's record. */
#ifndef MOONKEEP_SETJMP_H
#define MOONKEEP_SETJMP_H
#ifdef __cplusplus
extern "C" {
#endif
typedef struct { unsigned long long words[8]; } moonkeep_jmp_buf;
typedef moonkeep_jmp_buf jmp_buf[1];
typedef jmp_buf sigjmp_buf;
int setjmp(jmp_buf) __attribute__((__returns_twice__));
int _setjmp(jmp_buf) __attribute__((__returns_twice__));
_Noreturn void longjmp(jmp_buf, int);
_Noreturn void _longjmp(jmp_buf, int);
#ifdef __cplusplus
}
#endif
#endif

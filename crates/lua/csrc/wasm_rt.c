/* The C runtime under Lua on wasm32-unknown-unknown.
 *
 * 1. setjmp/longjmp. Lua raises errors with longjmp. clang's -wasm-enable-sjlj pass
 *    turns setjmp call sites into calls to __wasm_setjmp / __wasm_setjmp_test and
 *    longjmp into __wasm_longjmp, which throws a WebAssembly exception carrying the
 *    __c_longjmp tag; the catching frame asks __wasm_setjmp_test whether the jump is
 *    its own. These three functions and the tag are defined here.
 * 2. WASI. wasi-libc's libc.a calls WASI functions through symbols named
 *    __imported_wasi_snapshot_preview1_*. Defining them here resolves them at link
 *    time, so the module needs no WASI host: stdout/stderr bytes and the wall clock go
 *    to two Rust functions (src/lib.rs); files, arguments and the environment are empty.
 *
 * Compiled with -mexception-handling -mllvm -wasm-enable-sjlj (see build.rs). */
#include <stddef.h>
#include <stdint.h>

/* ---- setjmp/longjmp ---------------------------------------------------------- */

struct jump_payload { void *env; int value; };
struct jump_record {
    void *frame;              /* the invocation of the function that called setjmp */
    uint32_t label;           /* which setjmp site inside that function */
    struct jump_payload payload;
};
_Static_assert(sizeof(struct jump_record) <= 64, "jmp_buf in include/setjmp.h is too small");

#if __clang_major__ >= 20
/* LLVM 20+ stopped emitting a weak definition of the tag into each object. Without
 * this definition rust-lld (which links with --allow-undefined) would quietly make
 * it an `env.__c_longjmp` import, and the module would not instantiate. */
__asm__(".globl __c_longjmp\n"
        ".tagtype __c_longjmp i32\n"
        "__c_longjmp:\n");
#endif

void __wasm_setjmp(void *env, uint32_t label, void *frame) {
    struct jump_record *r = env;
    if (label == 0 || frame == NULL) __builtin_trap(); /* compiler contract broken */
    r->frame = frame;
    r->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *frame) {
    struct jump_record *r = env;
    if (r->label == 0 || frame == NULL) __builtin_trap();
    return r->frame == frame ? r->label : 0;
}

void __wasm_longjmp(void *env, int value) {
    struct jump_record *r = env;
    r->payload.env = env;
    r->payload.value = value == 0 ? 1 : value; /* longjmp(env, 0) returns 1 from setjmp */
    __builtin_wasm_throw(1 /* index of the __c_longjmp tag */, &r->payload);
}

/* ---- WASI (the subset wasi-libc 2022-05 references) -------------------------- */

enum { E_BADF = 8, E_NOSYS = 52, E_SPIPE = 70, E_NOTCAPABLE = 76 };
struct ciovec { const uint8_t *buf; size_t len; };

/* Defined in src/lib.rs. */
extern void lua_wasm_host_write(int fd, const uint8_t *bytes, size_t len);
extern uint64_t lua_wasm_host_time_ns(void);

uint16_t __imported_wasi_snapshot_preview1_fd_write(int fd, const struct ciovec *iovs, size_t n, size_t *written) {
    size_t total = 0;
    if (fd != 1 && fd != 2) return E_BADF;
    for (size_t i = 0; i < n; i++) {
        lua_wasm_host_write(fd, iovs[i].buf, iovs[i].len);
        total += iovs[i].len;
    }
    *written = total;
    return 0;
}

uint16_t __imported_wasi_snapshot_preview1_fd_read(int fd, void *iovs, size_t n, size_t *read) {
    (void)fd; (void)iovs; (void)n;
    *read = 0; /* standard input is always at end of file */
    return 0;
}

uint16_t __imported_wasi_snapshot_preview1_fd_fdstat_get(int fd, uint8_t *stat) {
    /* filetype u8, pad, flags u16, pad, rights_base u64, rights_inheriting u64 */
    if (fd < 0 || fd > 2) return E_BADF;
    for (int i = 0; i < 24; i++) stat[i] = 0;
    stat[0] = 2; /* character device: stdio is line-buffered, not a file */
    for (int i = 8; i < 24; i++) stat[i] = 0xff;
    return 0;
}

uint16_t __imported_wasi_snapshot_preview1_fd_close(int fd) { (void)fd; return 0; }
uint16_t __imported_wasi_snapshot_preview1_fd_seek(int fd, int64_t off, int whence, uint64_t *pos) {
    (void)fd; (void)off; (void)whence; (void)pos; return E_SPIPE;
}
uint16_t __imported_wasi_snapshot_preview1_fd_fdstat_set_flags(int fd, int flags) { (void)fd; (void)flags; return E_NOSYS; }
uint16_t __imported_wasi_snapshot_preview1_fd_renumber(int from, int to) { (void)from; (void)to; return E_NOSYS; }
uint16_t __imported_wasi_snapshot_preview1_fd_prestat_get(int fd, void *out) { (void)fd; (void)out; return E_BADF; }
uint16_t __imported_wasi_snapshot_preview1_fd_prestat_dir_name(int fd, char *path, size_t len) {
    (void)fd; (void)path; (void)len; return E_BADF;
}

/* No file system: every path operation is refused. */
uint16_t __imported_wasi_snapshot_preview1_path_open(int dirfd, int lookup, const char *path, size_t len, int oflags,
                                                     int64_t rights, int64_t inheriting, int fdflags, int *fd) {
    (void)dirfd; (void)lookup; (void)path; (void)len; (void)oflags; (void)rights; (void)inheriting; (void)fdflags; (void)fd;
    return E_NOTCAPABLE;
}
uint16_t __imported_wasi_snapshot_preview1_path_unlink_file(int dirfd, const char *path, size_t len) {
    (void)dirfd; (void)path; (void)len; return E_NOTCAPABLE;
}
uint16_t __imported_wasi_snapshot_preview1_path_remove_directory(int dirfd, const char *path, size_t len) {
    (void)dirfd; (void)path; (void)len; return E_NOTCAPABLE;
}
uint16_t __imported_wasi_snapshot_preview1_path_rename(int from_dir, const char *from, size_t from_len, int to_dir,
                                                       const char *to, size_t to_len) {
    (void)from_dir; (void)from; (void)from_len; (void)to_dir; (void)to; (void)to_len; return E_NOTCAPABLE;
}
uint16_t __imported_wasi_snapshot_preview1_path_filestat_get(int dirfd, int flags, const char *path, size_t len, void *out) {
    (void)dirfd; (void)flags; (void)path; (void)len; (void)out; return E_NOTCAPABLE;
}

/* No arguments, no environment variables. */
uint16_t __imported_wasi_snapshot_preview1_environ_sizes_get(size_t *count, size_t *size) { *count = 0; *size = 0; return 0; }
uint16_t __imported_wasi_snapshot_preview1_environ_get(char **environ, char *buf) { (void)environ; (void)buf; return 0; }
uint16_t __imported_wasi_snapshot_preview1_args_sizes_get(size_t *count, size_t *size) { *count = 0; *size = 0; return 0; }
uint16_t __imported_wasi_snapshot_preview1_args_get(char **argv, char *buf) { (void)argv; (void)buf; return 0; }

/* Every clock reads the host's wall clock; os.clock is replaced in Rust by a monotonic one. */
uint16_t __imported_wasi_snapshot_preview1_clock_time_get(int id, uint64_t precision, uint64_t *ns) {
    (void)id; (void)precision; *ns = lua_wasm_host_time_ns(); return 0;
}
uint16_t __imported_wasi_snapshot_preview1_clock_res_get(int id, uint64_t *ns) { (void)id; *ns = 1000000; return 0; }

/* Not cryptographic: only libc internals ask for it. Seeded from the clock. */
uint16_t __imported_wasi_snapshot_preview1_random_get(uint8_t *buf, size_t n) {
    static uint64_t state = 0;
    if (state == 0) state = lua_wasm_host_time_ns() | 1;
    for (size_t i = 0; i < n; i++) {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17;
        buf[i] = (uint8_t)state;
    }
    return 0;
}

/* exit() must never be reached: the engine replaces os.exit. If it is, trap loudly. */
_Noreturn void __imported_wasi_snapshot_preview1_proc_exit(int code) { (void)code; __builtin_trap(); }
uint16_t __imported_wasi_snapshot_preview1_sched_yield(void) { return 0; }

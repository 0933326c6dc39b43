//! In the browser, Rust allocates from the C heap (wasi-libc's malloc), which Lua's C
//! library needs anyway: the module then carries one allocator instead of two (Rust's
//! own dlmalloc port is about 9 KB of code, and every byte is downloaded).

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

extern "C" {
    fn malloc(size: usize) -> *mut c_void;
    fn calloc(count: usize, size: usize) -> *mut c_void;
    fn realloc(ptr: *mut c_void, size: usize) -> *mut c_void;
    fn aligned_alloc(align: usize, size: usize) -> *mut c_void;
    fn free(ptr: *mut c_void);
}

/// What malloc's blocks are aligned to at least (wasi-libc's dlmalloc: 16); larger
/// alignments go through aligned_alloc.
const MALLOC_ALIGN: usize = 16;

struct CHeap;

// SAFETY: every block comes from wasi-libc's allocator, aligned as the layout asks
// (malloc's own alignment, or aligned_alloc beyond it), and goes back to its `free`.
unsafe impl GlobalAlloc for CHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            malloc(layout.size()).cast()
        } else {
            // aligned_alloc wants a size that is a multiple of the alignment.
            aligned_alloc(layout.align(), layout.pad_to_align().size()).cast()
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            calloc(1, layout.size()).cast()
        } else {
            let ptr = self.alloc(layout);
            if !ptr.is_null() {
                ptr.write_bytes(0, layout.size());
            }
            ptr
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        free(ptr.cast());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            realloc(ptr.cast(), new_size).cast()
        } else {
            let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
            if !new.is_null() {
                new.copy_from_nonoverlapping(ptr, layout.size().min(new_size));
                free(ptr.cast());
            }
            new
        }
    }
}

#[global_allocator]
static HEAP: CHeap = CHeap;

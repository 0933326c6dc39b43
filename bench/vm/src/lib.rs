//! Moonkeep's engine VM for JavaScript, and nothing else: bench/compare/moonkeep-vm.html
//! loads it as wasmoon's and fengari's harness pages load theirs, and `make
//! bench-compare` measures the workloads and the cold start on it. A run here has the
//! page's runaway protection (the watchdog ticks) but no slices: it runs in one go.
#![forbid(unsafe_code)]

use moonkeep_engine::Vm;
use wasm_bindgen::prelude::*;

/// One Lua state with Moonkeep's playground library, as the page makes it.
#[wasm_bindgen]
pub struct BenchVm {
    vm: Vm,
}

#[wasm_bindgen]
impl BenchVm {
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<BenchVm, JsError> {
        Vm::new().map(|vm| BenchVm { vm }).map_err(|e| JsError::new(&e.message))
    }

    /// Evaluates `source` with the REPL semantics the page uses and returns its first
    /// value as the page shows it after "=> " (`return 1` gives "1"; no value, "").
    pub fn eval(&self, source: &str) -> Result<String, JsError> {
        match self.vm.eval(source, "main.lua").result {
            Ok(values) => Ok(values.into_iter().next().unwrap_or_default()),
            Err(e) => Err(JsError::new(&e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BenchVm;

    // Natively only the success path: JsError is made by a JavaScript import.
    #[test]
    fn return_one_shows_one() {
        let Ok(vm) = BenchVm::new() else { panic!("no VM") };
        assert_eq!(vm.eval("return 1").ok().as_deref(), Some("1"));
        assert_eq!(vm.eval("x = 2").ok().as_deref(), Some(""));
    }
}

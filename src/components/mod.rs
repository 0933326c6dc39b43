pub mod scratchpad;

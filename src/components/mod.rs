pub mod scratchpad;
pub mod status_bar;

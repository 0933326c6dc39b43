pub mod console;
pub mod proof_panel;
pub mod scratchpad;
pub mod snapshot_buttons;
pub mod status_bar;

pub mod inspector_notice;
pub mod inspector_row;
pub mod memory_inspector;
pub mod scratchpad;
pub mod snapshot_buttons;
pub mod status_bar;

#[rustfmt::skip]
pub mod tables;

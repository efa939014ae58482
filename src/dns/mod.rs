//! The domain: DNS names, record sets and changes, where a record's value
//! comes from, name templates, and the pure planner. No I/O, and no imports
//! from any other layer.

pub mod name;
pub(crate) mod plan;
pub mod pool;
pub mod record;
pub(crate) mod source;
pub(crate) mod template;

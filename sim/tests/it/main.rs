//! Integration tests: the simulator started in-process on 127.0.0.1:0 (and
//! the binary, in `binary`), driven by a plain HTTP client that signs with
//! the updater's own signing functions. One test binary.

mod binary;
mod imds;
mod lifecycle;
mod load;
mod query;
mod route53;
mod routing;
mod signing;
mod util;

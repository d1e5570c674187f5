//! Placeholder: the provider sandbox lands in its own commit.
fn main() {}

//! A stable insertion sort for the short lists the kit puts in order (connection names, a
//! session's connections, an id_token's audiences, the ranges a redaction replaces). The standard
//! library's sorts are compiled once per element type, 3–5 KB of wasm each (BENCHMARKS.md §7); this
//! one is a few hundred bytes.

/// Sorts `v` in place so that no element is `less` than the one before it; equal elements keep
/// their order (stable). Quadratic: for lists a deployment's configuration or one token bounds.
pub fn sort_short_by<T>(v: &mut [T], mut less: impl FnMut(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 {
            match v.get(j - 1..=j) {
                Some([a, b]) if less(b, a) => {
                    v.swap(j - 1, j);
                    j -= 1;
                }
                _ => break,
            }
        }
    }
}

/// Sorts `v` in place by `Ord` ([`sort_short_by`]).
pub fn sort_short<T: Ord>(v: &mut [T]) {
    sort_short_by(v, |a, b| a < b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library_and_keeps_equal_elements_in_order() {
        let cases: [&[u32]; 6] = [&[], &[1], &[2, 1], &[3, 1, 2, 1], &[5, 4, 3, 2, 1, 0], &[1, 2, 3, 3, 0, 9, 7]];
        for case in cases {
            let mut ours = case.to_vec();
            sort_short(&mut ours);
            let mut std = case.to_vec();
            std.sort();
            assert_eq!(ours, std, "{case:?}");
        }
        let mut pairs = vec![("b", 1), ("a", 2), ("b", 0), ("a", 1)];
        sort_short_by(&mut pairs, |x, y| x.0 < y.0);
        assert_eq!(pairs, [("a", 2), ("a", 1), ("b", 1), ("b", 0)]);
    }
}

//! Suggesting the name a user probably meant: tables, columns, reports, meta-commands.

/// The known name closest to `wanted`, if it is close enough to be what was meant. Names are
/// compared by their table part, so that `fri` finds `cctns.fir` and a wrong schema is forgiven;
/// the whole name breaks ties. Close enough is one edit per three characters typed, at least
/// one, so that an unrelated name (`nope.x`, `\\zz`) gets no suggestion rather than a wild one.
pub fn closest<'a>(wanted: &str, known: &'a [String]) -> Option<&'a str> {
    let wanted = wanted.to_ascii_lowercase();
    let wanted_table = wanted.rsplit('.').next().unwrap_or(&wanted);
    let allowed = (wanted_table.chars().count() / 3).max(1);
    known
        .iter()
        .filter_map(|name| {
            let lower = name.to_ascii_lowercase();
            let table = lower.rsplit('.').next().unwrap_or(&lower);
            let distance = edit_distance(wanted_table, table);
            (distance <= allowed).then(|| ((distance, edit_distance(&wanted, &lower)), name))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.as_str())
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`: the optimal string
/// alignment distance, in which a transposition (`fri` for `fir`) is one typo, not two.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back, one back, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            current[j] = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = current[j].min(before[j - 2] + 1);
            }
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_misspelt_tables() {
        let known: Vec<String> = [
            "cctns.fir",
            "cctns.accused",
            "abhay.anpr_reads",
            "ref.districts",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(closest("cctns.fri", &known), Some("cctns.fir"));
        assert_eq!(closest("fir", &known), Some("cctns.fir"));
        assert_eq!(closest("abhay.anpr_read", &known), Some("abhay.anpr_reads"));
        assert_eq!(closest("ref.district", &known), Some("ref.districts"));
        assert_eq!(closest("totally_unrelated", &known), None);
        assert_eq!(closest("cctns.firs", &known), Some("cctns.fir"));
        assert_eq!(closest("FRI", &known), Some("cctns.fir"));
        // Too far from anything for its length: no suggestion rather than a wild one.
        assert_eq!(closest("nope.x", &known), None);
        assert_eq!(closest("cctns.xyz", &known), None);
        let commands: Vec<String> = ["\\?", "\\q", "\\d", "\\dt", "\\x"]
            .map(String::from)
            .to_vec();
        assert_eq!(closest("\\zz", &commands), None);
        assert_eq!(closest("\\dx", &commands), Some("\\d"));
    }

    #[test]
    fn edit_distance_counts_a_swap_as_one() {
        assert_eq!(edit_distance("fri", "fir"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ca", "abc"), 3);
    }
}

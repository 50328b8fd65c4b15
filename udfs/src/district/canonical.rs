//! `district_canonical(text)`: the current district a free-text district name stands for.

use arrow::datatypes::DataType;

use super::lookup::{Matcher, district};
use crate::function::police_function;
use crate::kernel::{self, ToStr};

police_function! {
    #[user_doc(
        doc_section(label = "District Functions"),
        description = "The current Rajasthan district a district name stands for, as named in \
`ref.districts`. Accepts English spellings and aliases (`Chittaurgarh`, `Ganganagar`, \
`Jhunjhunun`), Devanagari (`जोधपुर`), any case, spacing and punctuation, police districts \
(`Jaipur East`, `Jodhpur Rural`, `GRP Ajmer`, `Bhiwadi`) → their revenue district, the 9 \
districts abolished on 28 Dec 2024 (`Dudu`, `Kekri`, `Shahpura`, `Neem Ka Thana`, `Gangapur \
City`, `Jaipur Rural`, `Jodhpur Rural`, `Anupgarh`, `Sanchore`) → the district their area went \
back to, and words such as `district`, `Distt.`, `जिला`, `(Rural)`, `City`, `(Raj.)`, `near`, `के पास` \
around the name. A small typo is corrected when exactly one district is nearest \
and starts with the same letter: up to 1 edit when the longer name has 5–8 characters, 2 for \
9–12, 3 beyond, none between names of 4 characters or fewer (an edit is a changed, missing, \
extra or swapped letter). Other places a typo away from a district (`Raipur`, `Nagpur`, \
`Srimadhopur`) and names qualified by another state (`Pratapgarh (UP)`) give NULL. Ambiguous, too distant or unknown names give NULL.",
        syntax_example = "district_canonical(name)",
        sql_example = r#"```sql
> SELECT district_canonical('SRI GANGA NAGAR') AS a, district_canonical('जिला जोधपुर') AS b,
         district_canonical('Jaipur East') AS c, district_canonical('Dudu') AS d,
         district_canonical('Jodpur') AS e, district_canonical('Bhopal') AS f;
+----------------+---------+--------+--------+---------+------+
| a              | b       | c      | d      | e       | f    |
+----------------+---------+--------+--------+---------+------+
| Sri Ganganagar | Jodhpur | Jaipur | Jaipur | Jodhpur | NULL |
+----------------+---------+--------+--------+---------+------+
```"#,
        argument(
            name = "name",
            description = "District name in English or Devanagari, possibly misspelt or decorated."
        )
    )]
    struct DistrictCanonical;
    pub static DISTRICT_CANONICAL = "district_canonical";
    signature = kernel::one_text_argument();
    return_type = DataType::Utf8;
    fn invoke_with_args(args) {
        let mut matcher = Matcher::new();
        kernel::evaluate(
            &mut ToStr(|s: &str| matcher.resolve(s).map(|id| district(id).name.as_str())),
            &args.args[0],
        )
    }
}

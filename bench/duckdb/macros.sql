-- What the police functions do, written as DuckDB SQL macros with its string functions, as an
-- analyst would without jaanch.

-- A mobile number as +91 and ten digits (first 6-9), from any of the usual formats.
CREATE MACRO phone_e164(p) AS (
    CASE WHEN regexp_full_match(regexp_replace(p, '[^0-9]', '', 'g'), '(0|91)?[6-9][0-9]{9}')
         THEN '+91' || right(regexp_replace(p, '[^0-9]', '', 'g'), 10) END
);

-- A plate key: letters and digits (Devanagari digits as ASCII), without an IND strip, each
-- look-alike as its class, zeros dropped for the padding that is or is not written.
CREATE MACRO plate_key(p) AS replace(translate(
    regexp_replace(regexp_replace(upper(translate(p, '०१२३४५६७८९', '0123456789')),
                                  '[^A-Z0-9]', '', 'g'), '^IND', ''),
    'ODQILTJZSBGA', '000111125864'), '0', '');

-- The Verhoeff check of a string of digits (an Aadhaar number's last digit).
CREATE MACRO verhoeff_ok(x) AS (
    list_reduce(
        range(length(x)),
        lambda c, i: [[0,1,2,3,4,5,6,7,8,9],[1,2,3,4,0,6,7,8,9,5],[2,3,4,0,1,7,8,9,5,6],
                      [3,4,0,1,2,8,9,5,6,7],[4,0,1,2,3,9,5,6,7,8],[5,9,8,7,6,0,4,3,2,1],
                      [6,5,9,8,7,1,0,4,3,2],[7,6,5,9,8,2,1,0,4,3],[8,7,6,5,9,3,2,1,0,4],
                      [9,8,7,6,5,4,3,2,1,0]]
            [c + 1]
            [[[0,1,2,3,4,5,6,7,8,9],[1,5,7,6,2,8,3,0,9,4],[5,8,0,3,7,9,6,1,4,2],
              [8,9,1,6,0,4,3,5,2,7],[9,4,5,3,1,2,6,8,7,0],[4,2,8,6,5,7,3,9,0,1],
              [2,7,9,3,8,0,6,4,1,5],[7,0,4,6,9,1,3,2,5,8]]
                [(i % 8) + 1][CAST(substr(reverse(x), i + 1, 1) AS INTEGER) + 1] + 1],
        0) = 0
);

-- A valid Aadhaar number: 12 digits, not starting with 0 or 1, with its Verhoeff check digit.
CREATE MACRO aadhaar_ok(x) AS (
    CASE WHEN regexp_full_match(regexp_replace(x, '[ -]', '', 'g'), '[2-9][0-9]{11}')
         THEN verhoeff_ok(regexp_replace(x, '[ -]', '', 'g')) ELSE false END
);

-- The words of a name, lower case, without an alias after @.
CREATE MACRO name_words(n) AS
    trim(regexp_replace(lower(regexp_replace(n, '@.*$', '')), '[^a-z]+', ' ', 'g'));

-- The sound of a name's words: without the words people add or drop, vowels and aspiration
-- folded.
CREATE MACRO name_sound(w) AS
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(replace(
        regexp_replace(w, '(kumar|singh|kanwar|kaur|prasad|lal|devi|chand)\b', '', 'g'),
        ' ', ''), 'a+', 'a', 'g'), '[ei]+', 'i', 'g'), '[ou]+', 'u', 'g'), 'h', '', 'g');
